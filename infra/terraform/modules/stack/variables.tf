variable "environment" {
  description = "Environment name; resources are named parley-<environment>."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "aws_region" {
  description = "Region of everything but the CloudFront certificate and WAF (us-east-1)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region such as eu-west-1."
  }
}

variable "domain_name" {
  description = "The domain Parley is served under: chat.<domain> (web app), api.<domain> (API and Socket.IO), media.<domain> (media)."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name such as example.com."
  }
}

variable "create_hosted_zone" {
  description = "Create the Route 53 zone of domain_name; false uses an existing one."
  type        = bool
  default     = false
}

variable "vpc_cidr" {
  description = "The VPC's IPv4 range (/16 to /20)."
  type        = string
}

variable "az_count" {
  description = "Availability zones (2 or 3)."
  type        = number
  default     = 3
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (dev) instead of one per AZ."
  type        = bool
  default     = false
}

variable "image_tag" {
  description = "The parley image tag to run (immutable: a git SHA or a version)."
  type        = string
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64 (the image must be built for it)."
  type        = string
  default     = "X86_64"
}

variable "services" {
  description = "Size and count of each deployable: gateway, auth, users, chats, messages, media, notifications."
  type        = map(object({
    cpu           = number
    memory        = number
    desired_count = number
    min_count     = number
    max_count     = number
  }))

  validation {
    condition     = toset(keys(var.services)) == toset(["gateway", "auth", "users", "chats", "messages", "media", "notifications"])
    error_message = "services must size exactly gateway, auth, users, chats, messages, media and notifications."
  }
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "redis_num_cache_clusters" {
  description = "Redis nodes; 2 or more for Multi-AZ failover."
  type        = number
}

variable "redis_snapshot_retention_days" {
  description = "Days of Redis snapshots kept."
  type        = number
  default     = 1
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps logs (services, flow logs, WAF)."
  type        = number
}

variable "access_log_expiration_days" {
  description = "Days ALB, CloudFront and S3 access logs are kept."
  type        = number
  default     = 365
}

variable "alarm_emails" {
  description = "Addresses that receive the alarms."
  type        = list(string)
  default     = []
}

variable "log_level" {
  description = "Parley's LOG_LEVEL."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["trace", "debug", "info", "notice", "warning", "error", "critical"], var.log_level)
    error_message = "log_level must be trace, debug, info, notice, warning, error or critical."
  }
}

variable "mongodb_uri" {
  description = "MongoDB connection string (Atlas, given by URI). Required unless enable_atlas creates the cluster."
  type        = string
  default     = null
  sensitive   = true
}

variable "mongodb_cidrs" {
  description = "Where the tasks may reach MongoDB on 27015-27017 (0.0.0.0/0 for Atlas over the internet, whose own access list admits only the NAT addresses)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "enable_atlas" {
  description = "Create the MongoDB Atlas project, cluster and user here (needs MONGODB_ATLAS_PUBLIC_KEY/PRIVATE_KEY); false uses mongodb_uri."
  type        = bool
  default     = false
}

variable "atlas_org_id" {
  description = "Atlas organization (with enable_atlas)."
  type        = string
  default     = null
}

variable "atlas_region" {
  description = "Atlas region name of aws_region, e.g. EU_WEST_1 (with enable_atlas)."
  type        = string
  default     = null
}

variable "atlas_instance_size" {
  description = "Atlas tier (with enable_atlas)."
  type        = string
  default     = "M10"
}

variable "vapid_public_key" {
  description = "Web Push VAPID public key (base64url)."
  type        = string
}

variable "vapid_private_key" {
  description = "Web Push VAPID private key (base64url)."
  type        = string
  sensitive   = true
}

variable "vapid_subject" {
  description = "VAPID subject (mailto: or https: contact of the operator)."
  type        = string
}

variable "extra_cors_origins" {
  description = "Origins besides the web app that may upload and read media (e.g. http://localhost:5173 in dev)."
  type        = list(string)
  default     = []
}

variable "ecr_keep_images" {
  description = "Tagged images kept per ECR repository."
  type        = number
  default     = 30
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes one address may make before WAF blocks it."
  type        = number
  default     = 3000
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion; set false and apply before destroying the environment."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let terraform destroy buckets that still hold objects and secrets without a recovery window (throw-away environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
