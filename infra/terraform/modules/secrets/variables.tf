variable "name" {
  description = "Name prefix, e.g. parley-prod: secrets are <name>/<VARIABLE>, parameters /<name>/<VARIABLE>."
  type        = string
}

variable "mongodb_uri" {
  description = "MongoDB connection string (Atlas: mongodb+srv://user:password@cluster.example.mongodb.net/parley?retryWrites=true&w=majority)."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^mongodb(\\+srv)?://", var.mongodb_uri))
    error_message = "mongodb_uri must start with mongodb:// or mongodb+srv://."
  }
}

variable "vapid_private_key" {
  description = "Web Push VAPID private key: the base64url P-256 private scalar (generate once, e.g. with `npx web-push generate-vapid-keys`)."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{43}$", var.vapid_private_key))
    error_message = "vapid_private_key must be a 32-byte base64url value (43 characters, no padding)."
  }
}

variable "vapid_public_key" {
  description = "Web Push VAPID public key: the base64url uncompressed P-256 point (browsers get it too, so it is a parameter, not a secret)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{87}$", var.vapid_public_key))
    error_message = "vapid_public_key must be a 65-byte base64url value (87 characters, no padding)."
  }
}

variable "vapid_subject" {
  description = "VAPID subject: the operator's mailto: or https: contact."
  type        = string

  validation {
    condition     = can(regex("^(mailto:[^@\\s]+@[^@\\s]+|https://\\S+)$", var.vapid_subject))
    error_message = "vapid_subject must be a mailto: address or an https: URL."
  }
}

variable "redis_endpoint" {
  description = "Host name of Redis's primary endpoint (REDIS_URL is built from it and the generated auth token)."
  type        = string
}

variable "redis_port" {
  description = "Redis port."
  type        = number
  default     = 6379
}

variable "allowed_origins" {
  description = "Browser origins allowed to call the API with credentials (ALLOWED_ORIGINS)."
  type        = list(string)

  validation {
    condition     = length(var.allowed_origins) > 0 && alltrue([for o in var.allowed_origins : can(regex("^https://[a-z0-9.-]+(:[0-9]+)?$", o))])
    error_message = "allowed_origins must be https:// origins without a path, e.g. https://chat.example.com."
  }
}

variable "public_url" {
  description = "How browsers reach the API (PUBLIC_URL), e.g. https://api.example.com."
  type        = string

  validation {
    condition     = can(regex("^https://[a-z0-9.-]+$", var.public_url))
    error_message = "public_url must be an https:// URL without a path or trailing slash."
  }
}

variable "s3_bucket" {
  description = "The media bucket (S3_BUCKET)."
  type        = string
}

variable "s3_region" {
  description = "The media bucket's region (S3_REGION)."
  type        = string
}

variable "media_base_url" {
  description = "The CloudFront URL media is read from (MEDIA_BASE_URL)."
  type        = string

  validation {
    condition     = can(regex("^https://", var.media_base_url))
    error_message = "media_base_url must be an https:// URL."
  }
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once, for throw-away environments)."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_days == 0 || (var.recovery_window_days >= 7 && var.recovery_window_days <= 30)
    error_message = "recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
