output "bucket_id" {
  description = "The log bucket's name."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "The log bucket's ARN."
  value       = aws_s3_bucket.this.arn
}

output "bucket_domain_name" {
  description = "The bucket's domain name, as CloudFront's logging_config wants it."
  value       = aws_s3_bucket.this.bucket_domain_name
}

output "ready" {
  description = "The bucket policy's id: depend on it before pointing a log producer here (ELB checks the policy when it is configured)."
  value       = aws_s3_bucket_policy.this.id
}
