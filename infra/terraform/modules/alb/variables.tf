variable "name" {
  description = "Name prefix, e.g. parley-prod (the load balancer's name is at most 32 characters)."
  type        = string

  validation {
    condition     = length(var.name) <= 26
    error_message = "name must be at most 26 characters (load balancer and target group names add a suffix, up to 32)."
  }
}

variable "vpc_id" {
  description = "The VPC of the subnets."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets, one per AZ."
  type        = list(string)
}

variable "security_group_id" {
  description = "The load balancer's security group."
  type        = string
}

variable "api_domain_name" {
  description = "The API's host name, e.g. api.example.com (the certificate's name)."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.api_domain_name))
    error_message = "api_domain_name must be a lowercase DNS name such as api.example.com."
  }
}

variable "certificate_validation_record_fqdns" {
  description = "The DNS validation records of the certificate (created by the route53 module); the HTTPS listener waits for the validation."
  type        = list(string)
}

variable "container_port" {
  description = "The gateway containers' port."
  type        = number
  default     = 8080
}

variable "health_check_path" {
  description = "Readiness endpoint the target group probes."
  type        = string
  default     = "/readyz"
}

variable "idle_timeout" {
  description = "Seconds a connection may stay idle; Socket.IO pings every 25 s, but a WebSocket must outlive slow clients, so at least 120."
  type        = number
  default     = 300

  validation {
    condition     = var.idle_timeout >= 120 && var.idle_timeout <= 4000
    error_message = "idle_timeout must be between 120 and 4000 seconds (WebSockets)."
  }
}

variable "deregistration_delay" {
  description = "Seconds a draining target keeps its connections before it is removed (WebSocket clients reconnect to another instance)."
  type        = number
  default     = 30
}

variable "stickiness_enabled" {
  description = "Sticky sessions. Off: Socket.IO clients connect with transports: ['websocket'] and instances share events through Redis; turn on only for clients that need HTTP long-polling (README)."
  type        = bool
  default     = false
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener (TLS 1.3 and 1.2 with forward-secret ciphers)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-TLS13-")
    error_message = "ssl_policy must be one of the ELBSecurityPolicy-TLS13-* policies."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer; turn off (and apply) before destroying the environment."
  type        = bool
  default     = true
}

variable "access_log_bucket_name" {
  description = "Name of the bucket the access logs go to (created here)."
  type        = string
}

variable "access_log_expiration_days" {
  description = "Days the access logs are kept."
  type        = number
  default     = 365
}

variable "force_destroy_logs" {
  description = "Let terraform destroy the access-log bucket with logs in it (dev only)."
  type        = bool
  default     = false
}

variable "web_acl_arn" {
  description = "Regional WAF web ACL in front of the load balancer."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
