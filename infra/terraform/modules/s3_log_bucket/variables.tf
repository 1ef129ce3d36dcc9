variable "bucket_name" {
  description = "Globally unique name of the log bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "expiration_days" {
  description = "Days a log object is kept."
  type        = number
  default     = 365

  validation {
    condition     = var.expiration_days >= 1
    error_message = "expiration_days must be at least 1."
  }
}

variable "acl_log_delivery" {
  description = "Enable bucket ACLs (object ownership BucketOwnerPreferred): CloudFront's standard logs are delivered through an ACL grant."
  type        = bool
  default     = false
}

variable "alb_log_delivery" {
  description = "Let Elastic Load Balancing write access logs under alb/."
  type        = bool
  default     = false
}

variable "s3_access_log_source_bucket_arns" {
  description = "Buckets whose S3 server access logs are written here (under s3/)."
  type        = list(string)
  default     = []
}

variable "force_destroy" {
  description = "Let terraform destroy the bucket with its logs in it (dev only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
