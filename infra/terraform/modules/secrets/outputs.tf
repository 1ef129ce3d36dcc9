output "container_secret_arns" {
  description = "Secrets Manager ARN per environment variable the containers read (JWT_ACCESS_SECRET, ..., REDIS_URL)."
  value       = { for key in local.container_secrets : key => aws_secretsmanager_secret.this[key].arn }
}

output "container_parameter_arns" {
  description = "SSM parameter ARN per plain setting (ALLOWED_ORIGINS, PUBLIC_URL, S3_BUCKET, ...)."
  value       = { for key, parameter in aws_ssm_parameter.settings : key => parameter.arn }
}

output "kms_key_arn" {
  description = "The key the secrets and parameters are encrypted with (the ECS execution role decrypts with it)."
  value       = aws_kms_key.secrets.arn
}

output "redis_auth_token" {
  description = "The generated Redis AUTH token (for the replication group)."
  value       = local.redis_auth_token
  sensitive   = true
}
