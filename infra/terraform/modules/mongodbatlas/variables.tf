variable "org_id" {
  description = "Atlas organization the project is created in."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{24}$", var.org_id))
    error_message = "org_id must be an Atlas organization id (24 hexadecimal digits)."
  }
}

variable "project_name" {
  description = "Atlas project name, e.g. parley-prod."
  type        = string
}

variable "cluster_name" {
  description = "Cluster name."
  type        = string
  default     = "parley"
}

variable "instance_size" {
  description = "Atlas tier (M10 and up: dedicated, with backups and private networking)."
  type        = string
  default     = "M10"

  validation {
    condition     = can(regex("^M[1-9][0-9]*$", var.instance_size))
    error_message = "instance_size must be a dedicated Atlas tier such as M10 or M30."
  }
}

variable "region" {
  description = "Atlas region name of the AWS region the tasks run in, e.g. EU_WEST_1 (keep the database next to them)."
  type        = string

  validation {
    condition     = can(regex("^[A-Z]+_[A-Z]+_[0-9]$", var.region))
    error_message = "region must be an Atlas AWS region name such as EU_WEST_1 or US_EAST_1."
  }
}

variable "mongodb_major_version" {
  description = "MongoDB major version."
  type        = string
  default     = "7.0"
}

variable "database_name" {
  description = "Database Parley uses (the user may read and write it only)."
  type        = string
  default     = "parley"
}

variable "access_cidrs" {
  description = "Addresses allowed to connect: the VPC's NAT gateway addresses as /32."
  type        = list(string)

  validation {
    condition     = length(var.access_cidrs) > 0 && alltrue([for c in var.access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "access_cidrs must be IPv4 CIDRs (the NAT addresses), never 0.0.0.0/0."
  }
}

variable "tags" {
  description = "Tags for the cluster."
  type        = map(string)
  default     = {}
}
