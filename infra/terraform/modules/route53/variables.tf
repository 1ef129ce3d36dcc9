variable "domain_name" {
  description = "The zone's domain, e.g. example.com."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name such as example.com."
  }
}

variable "create_zone" {
  description = "Create the public hosted zone (then delegate to its name servers at the registrar); false looks up an existing zone of that name."
  type        = bool
  default     = false
}

variable "alias_records" {
  description = "A/AAAA aliases to create, by label (chat, media, api): the target's DNS name and hosted zone, and whether it answers over IPv6."
  type        = map(object({
    target_dns_name = string
    target_zone_id  = string
    ipv6            = optional(bool, false)
  }))
}

variable "certificate_validation_options" {
  description = "ACM's DNS validation records (domain_validation_options of the certificates)."
  type        = list(object({
    domain_name           = string
    resource_record_name  = string
    resource_record_type  = string
    resource_record_value = string
  }))
}

variable "tags" {
  description = "Tags for the zone."
  type        = map(string)
  default     = {}
}
