output "arn" {
  description = "The load balancer's ARN."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "The load balancer's ARN suffix (CloudWatch's LoadBalancer dimension)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "The load balancer's DNS name."
  value       = aws_lb.this.dns_name
}

output "api_domain_name" {
  description = "The API's host name, the one name the HTTPS listener's certificate covers: clients and CloudFront (the web app's /api/*, /socket.io/*, /media/*) connect with it."
  value       = aws_acm_certificate.api.domain_name
}

output "zone_id" {
  description = "The load balancer's hosted zone (for Route 53 aliases)."
  value       = aws_lb.this.zone_id
}

output "target_group_arn" {
  description = "The gateway target group's ARN, once a listener forwards to it (ECS refuses a target group without a load balancer)."
  value       = aws_lb_target_group.gateway.arn

  depends_on = [aws_lb_listener.https]
}

output "target_group_arn_suffix" {
  description = "The gateway target group's ARN suffix (CloudWatch's TargetGroup dimension)."
  value       = aws_lb_target_group.gateway.arn_suffix
}

output "https_listener_arn" {
  description = "The HTTPS listener (the ECS service waits for it before registering targets)."
  value       = aws_lb_listener.https.arn
}

output "certificate_validation_options" {
  description = "DNS records ACM wants for the API certificate."
  value       = [for o in aws_acm_certificate.api.domain_validation_options : {
    domain_name           = o.domain_name
    resource_record_name  = o.resource_record_name
    resource_record_type  = o.resource_record_type
    resource_record_value = o.resource_record_value
  }]
}

output "access_log_bucket" {
  description = "The access-log bucket's name."
  value       = module.access_logs.bucket_id
}
