variable "name" {
  description = "Name prefix, e.g. parley-prod; bucket names add the account id to be globally unique."
  type        = string
}

variable "domain_name" {
  description = "The zone's domain, e.g. example.com: the web app is served at <web_subdomain>.<domain>, media at <media_subdomain>.<domain>."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name such as example.com."
  }
}

variable "web_subdomain" {
  description = "Label of the web app's host name."
  type        = string
  default     = "chat"
}

variable "media_subdomain" {
  description = "Label of the media host name."
  type        = string
  default     = "media"
}

variable "api_origin" {
  description = "The API's origin, e.g. https://api.example.com (the web app's Content-Security-Policy lets it connect there)."
  type        = string

  validation {
    condition     = can(regex("^https://[a-z0-9.-]+$", var.api_origin))
    error_message = "api_origin must be an https:// origin without a path."
  }
}

variable "api_origin_domain_name" {
  description = "Host name of the load balancer that the web distribution sends /api/*, /socket.io/* and /media/* to (HTTPS only): the name its certificate covers, e.g. api.example.com, not its *.elb.amazonaws.com name, which CloudFront could not verify the certificate against."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.api_origin_domain_name)) && !endswith(var.api_origin_domain_name, ".elb.amazonaws.com")
    error_message = "api_origin_domain_name must be a lowercase DNS name that the load balancer's certificate covers, such as api.example.com (not the load balancer's elb.amazonaws.com name)."
  }
}

variable "certificate_validation_record_fqdns" {
  description = "The DNS validation records of the certificate (created by the route53 module); the distributions wait for the validation."
  type        = list(string)
}

variable "web_acl_arn" {
  description = "WAF web ACL (scope CLOUDFRONT) in front of both distributions."
  type        = string
}

variable "extra_cors_origins" {
  description = "Origins besides the web app allowed to upload to and read from the media bucket, e.g. http://localhost:5173 in dev."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.extra_cors_origins : can(regex("^https?://[a-z0-9.-]+(:[0-9]+)?$", o))])
    error_message = "extra_cors_origins must be http(s) origins without a path."
  }
}

variable "content_security_policy" {
  description = "The web app's Content-Security-Policy; null builds one that allows the API, its WebSocket, media and the media bucket's uploads."
  type        = string
  default     = null
}

variable "price_class" {
  description = "CloudFront price class (edge locations used)."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "noncurrent_version_days" {
  description = "Days an overwritten or deleted object version is kept (undo window)."
  type        = number
  default     = 30
}

variable "log_expiration_days" {
  description = "Days CloudFront and S3 access logs are kept."
  type        = number
  default     = 365
}

variable "force_destroy" {
  description = "Let terraform destroy the buckets with objects in them (dev only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
