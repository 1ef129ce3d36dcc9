output "zone_id" {
  description = "The hosted zone's id."
  value       = local.zone_id
}

output "name_servers" {
  description = "The zone's name servers (set them at the registrar when the zone is created here)."
  value       = var.create_zone ? aws_route53_zone.this[0].name_servers : data.aws_route53_zone.existing[0].name_servers
}

output "validation_record_fqdns" {
  description = "FQDN of each certificate name's validation record, by that name (for aws_acm_certificate_validation)."
  value       = { for name, r in aws_route53_record.validation : name => r.fqdn }
}

output "hostnames" {
  description = "The alias host names created, by label."
  value       = { for label, r in var.alias_records : label => "${label}.${var.domain_name}" }
}
