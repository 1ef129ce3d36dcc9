output "web_acl_arn" {
  description = "The web ACL's ARN (for an association, or a distribution's web_acl_id)."
  value       = aws_wafv2_web_acl.this.arn
}
