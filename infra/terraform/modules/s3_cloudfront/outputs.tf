output "web_bucket_name" {
  description = "The web app's bucket (the deploy pipeline syncs the build here)."
  value       = aws_s3_bucket.this["web"].id
}

output "media_bucket_name" {
  description = "The media bucket (S3_BUCKET)."
  value       = aws_s3_bucket.this["media"].id
}

output "media_bucket_arn" {
  description = "The media bucket's ARN (the media service's task role)."
  value       = aws_s3_bucket.this["media"].arn
}

output "kms_key_arn" {
  description = "The key both buckets are encrypted with (presigning and HEAD need it)."
  value       = aws_kms_key.buckets.arn
}

output "log_bucket_name" {
  description = "The bucket CloudFront and S3 access logs go to."
  value       = module.logs.bucket_id
}

output "web_url" {
  description = "The web app's URL (an ALLOWED_ORIGINS entry)."
  value       = local.web_origin
}

output "media_base_url" {
  description = "MEDIA_BASE_URL: where browsers read media."
  value       = local.media_origin
}

output "web_distribution_id" {
  description = "The web distribution's id (the deploy pipeline invalidates /index.html)."
  value       = aws_cloudfront_distribution.web.id
}

output "web_distribution_domain_name" {
  description = "The web distribution's cloudfront.net name."
  value       = aws_cloudfront_distribution.web.domain_name
}

output "media_distribution_domain_name" {
  description = "The media distribution's cloudfront.net name."
  value       = aws_cloudfront_distribution.media.domain_name
}

output "distribution_hosted_zone_id" {
  description = "CloudFront's hosted zone (for Route 53 aliases)."
  value       = aws_cloudfront_distribution.web.hosted_zone_id
}

output "certificate_validation_options" {
  description = "DNS records ACM wants for the web and media certificate."
  value       = [for o in aws_acm_certificate.cdn.domain_validation_options : {
    domain_name           = o.domain_name
    resource_record_name  = o.resource_record_name
    resource_record_type  = o.resource_record_type
    resource_record_value = o.resource_record_value
  }]
}
