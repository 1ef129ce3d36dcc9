variable "environment" {
  description = "Environment name (this directory's)."
  type        = string
  default     = "dev"

  validation {
    condition     = var.environment == "dev"
    error_message = "This is the dev environment's configuration: environment must be dev."
  }
}

variable "aws_region" {
  description = "Region of the environment (the backend's region is set in main.tf)."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region such as eu-west-1."
  }
}

variable "domain_name" {
  description = "Domain of the environment: chat.<domain>, api.<domain> and media.<domain> are created in its Route 53 zone."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name such as example.com."
  }
}

variable "create_hosted_zone" {
  description = "Create the Route 53 zone (then delegate to its name servers); false uses the existing zone of domain_name."
  type        = bool
  default     = false
}

variable "image_tag" {
  description = "The parley image tag to deploy (immutable: a git SHA or a version)."
  type        = string

  validation {
    condition     = var.image_tag != "latest"
    error_message = "Pin an immutable tag, not latest."
  }
}

variable "mongodb_uri" {
  description = "MongoDB Atlas connection string (mongodb+srv://...); leave null with enable_atlas."
  type        = string
  default     = null
  sensitive   = true
}

variable "enable_atlas" {
  description = "Create the Atlas project, cluster and user with Terraform (MONGODB_ATLAS_PUBLIC_KEY/PRIVATE_KEY in the environment) instead of using mongodb_uri."
  type        = bool
  default     = false
}

variable "atlas_org_id" {
  description = "Atlas organization id (with enable_atlas)."
  type        = string
  default     = null
}

variable "vapid_public_key" {
  description = "Web Push VAPID public key (base64url uncompressed P-256 point; public, browsers get it)."
  type        = string
}

variable "vapid_private_key" {
  description = "Web Push VAPID private key (base64url P-256 scalar). Pass it with TF_VAR_vapid_private_key, never in a committed file."
  type        = string
  sensitive   = true
}

variable "vapid_subject" {
  description = "VAPID subject: mailto: or https: contact of the operator."
  type        = string
}

variable "alarm_emails" {
  description = "Addresses that receive the alarms."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Extra tags for every resource (owner, cost center...)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.tags) : !contains(["Project", "Environment", "ManagedBy"], k)])
    error_message = "Project, Environment and ManagedBy are set by the provider's default_tags."
  }
}
