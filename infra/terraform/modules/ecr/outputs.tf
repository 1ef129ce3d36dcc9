output "repository_urls" {
  description = "Repository URL per image name (docker push <url>:<tag>)."
  value       = { for name, repo in aws_ecr_repository.this : name => repo.repository_url }
}

output "repository_arns" {
  description = "Repository ARN per image name (for the ECS execution role's pull permission)."
  value       = { for name, repo in aws_ecr_repository.this : name => repo.arn }
}

output "kms_key_arn" {
  description = "The key that encrypts the images."
  value       = aws_kms_key.ecr.arn
}
