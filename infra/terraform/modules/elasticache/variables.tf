variable "name" {
  description = "Replication group id and name prefix, e.g. parley-prod (at most 40 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name))
    error_message = "name must start with a letter and have at most 40 lowercase letters, digits and hyphens."
  }
}

variable "vpc_id" {
  description = "The VPC of the subnets."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the nodes, in different AZs."
  type        = list(string)
}

variable "client_security_group_id" {
  description = "The only security group admitted on 6379 (the Parley tasks)."
  type        = string
}

variable "node_type" {
  description = "Cache node type."
  type        = string
  default     = "cache.t4g.small"

  validation {
    condition     = startswith(var.node_type, "cache.")
    error_message = "node_type must be an ElastiCache node type such as cache.t4g.small."
  }
}

variable "num_cache_clusters" {
  description = "Nodes (a primary and its replicas); 2 or more turns on Multi-AZ and automatic failover."
  type        = number
  default     = 2

  validation {
    condition     = var.num_cache_clusters >= 1 && var.num_cache_clusters <= 6
    error_message = "num_cache_clusters must be between 1 and 6."
  }
}

variable "engine_version" {
  description = "Redis engine version."
  type        = string
  default     = "7.1"
}

variable "auth_token" {
  description = "Redis AUTH token (16-128 characters, no @, \" or /)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.auth_token) >= 16 && length(var.auth_token) <= 128 && !can(regex("[@\"/]", var.auth_token))
    error_message = "auth_token must be 16-128 characters without @, \" or /."
  }
}

variable "snapshot_retention_days" {
  description = "Days of daily snapshots kept (presence and rate limits are rebuilt on their own; snapshots shorten the recovery)."
  type        = number
  default     = 1

  validation {
    condition     = var.snapshot_retention_days >= 1 && var.snapshot_retention_days <= 35
    error_message = "snapshot_retention_days must be between 1 and 35."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
