output "alb_dns_name" {
  description = "The load balancer's DNS name (api.<domain> is an alias of it)."
  value       = module.parley.alb_dns_name
}

output "api_url" {
  description = "The API's URL."
  value       = module.parley.api_url
}

output "web_url" {
  description = "The web app's URL."
  value       = module.parley.web_url
}

output "media_base_url" {
  description = "Where media are read."
  value       = module.parley.media_base_url
}

output "cloudfront_domain_names" {
  description = "The CloudFront distributions' domains (web app, media)."
  value       = {
    web   = module.parley.web_distribution_domain_name
    media = module.parley.media_distribution_domain_name
  }
}

output "web_distribution_id" {
  description = "The web distribution's id (invalidate /index.html after a deploy)."
  value       = module.parley.web_distribution_id
}

output "redis_endpoint" {
  description = "Redis's primary endpoint."
  value       = module.parley.redis_primary_endpoint
}

output "ecr_repository_urls" {
  description = "ECR repository URL per image (parley, web)."
  value       = module.parley.ecr_repository_urls
}

output "bucket_names" {
  description = "The web, media and log buckets."
  value       = merge(module.parley.log_bucket_names, {
    web   = module.parley.web_bucket_name
    media = module.parley.media_bucket_name
  })
}

output "ecs_cluster_name" {
  description = "The ECS cluster."
  value       = module.parley.ecs_cluster_name
}

output "task_definition_families" {
  description = "Task definition family per deployable."
  value       = module.parley.task_definition_families
}

output "alarm_topic_arn" {
  description = "The alarms' SNS topic."
  value       = module.parley.alarm_topic_arn
}

output "name_servers" {
  description = "The zone's name servers."
  value       = module.parley.name_servers
}
