variable "name" {
  description = "Name prefix of every resource, e.g. parley-prod."
  type        = string
}

variable "cidr_block" {
  description = "The VPC's IPv4 range; a /16 to /20 leaves room for the /4-smaller subnets carved from it."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && can(regex("^[0-9.]+/(1[6-9]|20)$", var.cidr_block))
    error_message = "cidr_block must be an IPv4 CIDR between /16 and /20, e.g. 10.20.0.0/16."
  }
}

variable "az_count" {
  description = "How many availability zones the subnets span (2 or 3)."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "availability_zones" {
  description = "Zone names to use (the first az_count of them); null takes the region's a, b and c zones."
  type        = list(string)
  default     = null

  validation {
    condition     = var.availability_zones == null || try(length(var.availability_zones) >= 2, false)
    error_message = "availability_zones must name at least 2 zones."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for every private subnet (cheaper, dev) instead of one per AZ (an AZ outage then cuts the others' egress)."
  type        = bool
  default     = false
}

variable "flow_log_retention_days" {
  description = "Days CloudWatch keeps the VPC flow logs."
  type        = number
  default     = 365
}

variable "log_kms_key_arn" {
  description = "KMS key that encrypts the flow-log group (its policy must let CloudWatch Logs use it)."
  type        = string
}

variable "tags" {
  description = "Tags for every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
