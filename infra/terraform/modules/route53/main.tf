resource "aws_route53_zone" "this" {
  #checkov:skip=CKV2_AWS_38:DNSSEC signing needs a DS record at the registrar and a key-signing-key runbook; it is switched on deliberately per domain, not by this module.
  #checkov:skip=CKV2_AWS_39:Query logs of a public zone would record every resolver on the internet asking for chat/api/media; the ALB, CloudFront and WAF logs already cover the traffic.
  count = var.create_zone ? 1 : 0

  name    = var.domain_name
  comment = "Parley (${var.domain_name})"

  tags = var.tags
}

data "aws_route53_zone" "existing" {
  count = var.create_zone ? 0 : 1

  name         = var.domain_name
  private_zone = false
}

locals {
  zone_id = var.create_zone ? aws_route53_zone.this[0].zone_id : data.aws_route53_zone.existing[0].zone_id

  # One record per name: a certificate's name and its SAN may ask for the same record, and two
  # certificates (API, CDN) never share a name here.
  validation_records = {
    for o in var.certificate_validation_options : o.domain_name => o
  }

  alias_records = merge(
    { for label, r in var.alias_records : "${label}-A" => merge(r, { label = label, type = "A" }) },
    { for label, r in var.alias_records : "${label}-AAAA" => merge(r, { label = label, type = "AAAA" }) if r.ipv6 },
  )
}

resource "aws_route53_record" "validation" {
  for_each = local.validation_records

  zone_id         = local.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true # the CDN certificate's record survives a replacement of the certificate
}

resource "aws_route53_record" "alias" {
  for_each = local.alias_records

  zone_id = local.zone_id
  name    = "${each.value.label}.${var.domain_name}"
  type    = each.value.type

  alias {
    name                   = each.value.target_dns_name
    zone_id                = each.value.target_zone_id
    evaluate_target_health = false
  }
}
