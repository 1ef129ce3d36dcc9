# The load balancer's and the tasks' security groups. Redis's group lives in the elasticache module, which
# owns both ends of the 6379 path. Rules are separate resources so that each one is explicit (egress too:
# a group created here starts with no rule at all).

resource "aws_security_group" "alb" {
  #checkov:skip=CKV2_AWS_5:Attached in another module (alb: aws_lb.security_groups) through this module's output; checkov's graph does not follow module outputs.
  name_prefix = "${var.name}-alb-"
  description = "Parley public load balancer: HTTP and HTTPS from the internet, to the gateway tasks only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "tasks" {
  #checkov:skip=CKV2_AWS_5:Attached in other modules (ecs: every service's network_configuration; elasticache: Redis's ingress source) through this module's output; checkov's graph does not follow module outputs.
  name_prefix = "${var.name}-tasks-"
  description = "Parley Fargate tasks: the gateway from the load balancer, services from each other"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-tasks" })

  lifecycle {
    create_before_destroy = true
  }
}

# --- Load balancer --------------------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS (API and Socket.IO) from anywhere"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  #checkov:skip=CKV_AWS_260:Port 80 only answers with a redirect to HTTPS (the listener has no other action); closing it would break clients that type the bare host.
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from anywhere, redirected to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the gateway tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.tasks.id

  tags = var.tags
}

# --- Tasks ----------------------------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "From the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.alb.id

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_tasks" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Gateway to services and services to each other (Cloud Map names)"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.tasks.id

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_tasks" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Gateway to services and services to each other"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.tasks.id

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS out: AWS APIs (ECR, Secrets Manager, S3, CloudWatch), Web Push services, link previews"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "tasks_http" {
  count = var.allow_outbound_http ? 1 : 0

  security_group_id = aws_security_group.tasks.id
  description       = "Plain HTTP out: link previews of http:// pages"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "tasks_mongodb" {
  for_each = toset(var.mongodb_cidrs)

  security_group_id = aws_security_group.tasks.id
  description       = "MongoDB (Atlas) out"
  ip_protocol       = "tcp"
  from_port         = 27015
  to_port           = 27017
  cidr_ipv4         = each.value

  tags = var.tags
}
