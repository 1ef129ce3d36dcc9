resource "aws_acm_certificate" "api" {
  domain_name       = var.api_domain_name
  validation_method = "DNS"

  tags = merge(var.tags, { Name = var.api_domain_name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_acm_certificate_validation" "api" {
  certificate_arn         = aws_acm_certificate.api.arn
  validation_record_fqdns = var.certificate_validation_record_fqdns
}

module "access_logs" {
  source = "../s3_log_bucket"

  bucket_name      = var.access_log_bucket_name
  alb_log_delivery = true
  expiration_days  = var.access_log_expiration_days
  force_destroy    = var.force_destroy_logs
  tags             = var.tags
}

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_76:The web ACL (var.web_acl_arn, the waf module) runs AWSManagedRulesKnownBadInputsRuleSet, which blocks Log4j payloads (CKV_AWS_192 passes on it); checkov's graph does not follow the ARN across modules.
  name               = var.name
  load_balancer_type = "application"
  internal           = false
  subnets            = var.public_subnet_ids
  security_groups    = [var.security_group_id]

  idle_timeout               = var.idle_timeout
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "strictest"
  enable_deletion_protection = var.deletion_protection

  access_logs {
    bucket  = module.access_logs.bucket_id
    prefix  = "alb"
    enabled = true
  }

  tags = var.tags

  # ELB checks that it may write to the bucket when access logs are turned on.
  depends_on = [module.access_logs]
}

resource "aws_lb_target_group" "gateway" {
  name        = "${var.name}-gw"
  vpc_id      = var.vpc_id
  target_type = "ip" # Fargate tasks (awsvpc) register by address
  protocol    = "HTTP"
  port        = var.container_port

  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    path                = var.health_check_path
    protocol            = "HTTP"
    port                = "traffic-port"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  stickiness {
    type    = "lb_cookie"
    enabled = var.stickiness_enabled
  }

  tags = var.tags
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

# No host-based rules: every request goes to the gateway, whether a client calls api.<domain> or CloudFront
# forwards the web app's /api/*, /socket.io/* and /media/* (with Host: api.<domain>, the origin's name, since its
# origin request policy does not forward the viewer's Host). The certificate covers api.<domain> only.
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = aws_acm_certificate_validation.api.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway.arn
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl_association" "this" {
  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.web_acl_arn
}
