variable "name" {
  description = "Web ACL name, e.g. parley-prod-alb."
  type        = string
}

variable "scope" {
  description = "REGIONAL (for the load balancer) or CLOUDFRONT (the provider must then be in us-east-1)."
  type        = string

  validation {
    condition     = contains(["REGIONAL", "CLOUDFRONT"], var.scope)
    error_message = "scope must be REGIONAL or CLOUDFRONT."
  }
}

variable "rate_limit" {
  description = "Requests one address may make in 5 minutes before it is blocked (Parley's own limits are finer; this stops floods early). A Socket.IO WebSocket is one request."
  type        = number
  default     = 3000

  validation {
    condition     = var.rate_limit >= 100
    error_message = "rate_limit must be at least 100 (WAF's minimum)."
  }
}

variable "log_retention_days" {
  description = "Days the WAF logs are kept."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
