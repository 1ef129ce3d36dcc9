output "alb_dns_name" {
  description = "The load balancer's DNS name (api.<domain> points at it)."
  value       = module.alb.dns_name
}

output "api_url" {
  description = "The API's URL (PUBLIC_URL)."
  value       = "https://${local.api_domain}"
}

output "web_url" {
  description = "The web app's URL."
  value       = module.cdn.web_url
}

output "media_base_url" {
  description = "Where media are read (MEDIA_BASE_URL)."
  value       = module.cdn.media_base_url
}

output "web_distribution_domain_name" {
  description = "The web app's CloudFront domain."
  value       = module.cdn.web_distribution_domain_name
}

output "media_distribution_domain_name" {
  description = "The media CloudFront domain."
  value       = module.cdn.media_distribution_domain_name
}

output "web_distribution_id" {
  description = "The web distribution (the deploy pipeline invalidates it)."
  value       = module.cdn.web_distribution_id
}

output "redis_primary_endpoint" {
  description = "Redis's primary endpoint (TLS, AUTH)."
  value       = module.elasticache.primary_endpoint_address
}

output "ecr_repository_urls" {
  description = "ECR repository URL per image (parley, web)."
  value       = module.ecr.repository_urls
}

output "web_bucket_name" {
  description = "Bucket of the web app's build."
  value       = module.cdn.web_bucket_name
}

output "media_bucket_name" {
  description = "The media bucket."
  value       = module.cdn.media_bucket_name
}

output "log_bucket_names" {
  description = "Buckets of the ALB access logs and of the CloudFront and S3 access logs."
  value       = {
    alb = module.alb.access_log_bucket
    cdn = module.cdn.log_bucket_name
  }
}

output "ecs_cluster_name" {
  description = "The ECS cluster."
  value       = module.ecs.cluster_name
}

output "task_definition_families" {
  description = "Task definition family per deployable."
  value       = module.ecs.task_definition_families
}

output "alarm_topic_arn" {
  description = "The SNS topic of the alarms."
  value       = module.observability.alarm_topic_arn
}

output "name_servers" {
  description = "The zone's name servers (delegate to them when the zone was created here)."
  value       = module.dns.name_servers
}
