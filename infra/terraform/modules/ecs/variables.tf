variable "name" {
  description = "Name prefix, e.g. parley-prod (cluster name, task families <name>-<service>)."
  type        = string
}

variable "aws_region" {
  description = "Region the tasks log to."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the private subnets (the Cloud Map namespace lives in it)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets the tasks run in."
  type        = list(string)
}

variable "tasks_security_group_id" {
  description = "The tasks' security group."
  type        = string
}

variable "image_repository_url" {
  description = "ECR repository of the parley image."
  type        = string
}

variable "image_repository_arn" {
  description = "ARN of that repository (the execution role pulls from it only)."
  type        = string
}

variable "image_tag" {
  description = "The image tag every task runs (an immutable tag such as a git SHA or a version, never latest)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a Docker tag other than latest (tags are immutable: pin a build)."
  }
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64 (Graviton, cheaper; the image must be built for it)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "services" {
  description = "Deployables and their sizes. gateway is the public one (behind the load balancer); the others are reached through Cloud Map. media_access: may presign uploads to and HEAD the media bucket."
  type        = map(object({
    cpu           = number
    memory        = number
    desired_count = number
    min_count     = number
    max_count     = number
    media_access  = optional(bool, false)
  }))

  validation {
    condition     = contains(keys(var.services), "gateway")
    error_message = "services must contain gateway (the deployable behind the load balancer)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.min_count <= s.desired_count && s.desired_count <= s.max_count && s.min_count >= 1])
    error_message = "Every service needs 1 <= min_count <= desired_count <= max_count."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : contains([256, 512, 1024, 2048, 4096, 8192, 16384], s.cpu)])
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "container_port" {
  description = "Port every container listens on (PORT)."
  type        = number
  default     = 8080
}

variable "container_user" {
  description = "uid:gid the containers run as (the image must own its writable paths by it); never root."
  type        = string
  default     = "10001:10001"

  validation {
    condition     = can(regex("^[1-9][0-9]*(:[1-9][0-9]*)?$", var.container_user))
    error_message = "container_user must be a non-zero uid or uid:gid (not root)."
  }
}

variable "target_group_arn" {
  description = "The load balancer's target group for the gateway."
  type        = string
}

variable "alb_arn_suffix" {
  description = "The load balancer's ARN suffix (request-count scaling)."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "The target group's ARN suffix (request-count scaling)."
  type        = string
}

variable "secret_arns" {
  description = "Secrets Manager ARN per environment variable (JWT_ACCESS_SECRET, ..., REDIS_URL)."
  type        = map(string)
}

variable "parameter_arns" {
  description = "SSM parameter ARN per environment variable (ALLOWED_ORIGINS, PUBLIC_URL, S3_BUCKET, ...)."
  type        = map(string)
}

variable "secrets_kms_key_arn" {
  description = "The key of those secrets and parameters."
  type        = string
}

variable "media_bucket_arn" {
  description = "The media bucket."
  type        = string
}

variable "media_kms_key_arn" {
  description = "The media bucket's key."
  type        = string
}

variable "log_group_names" {
  description = "Log group per deployable."
  type        = map(string)
}

variable "log_group_arns" {
  description = "ARN of each of those log groups."
  type        = map(string)
}

variable "exec_log_group_name" {
  description = "Log group of ECS Exec sessions."
  type        = string
}

variable "log_kms_key_arn" {
  description = "The key ECS Exec sessions are encrypted with."
  type        = string
}

variable "environment" {
  description = "Plain environment variables for every container besides HOST, PORT, PARLEY_ENV and the service URLs (e.g. LOG_LEVEL, TRUSTED_PROXIES)."
  type        = map(string)
  default     = {}
}

variable "cpu_target_percent" {
  description = "Average CPU the autoscaling keeps each service at."
  type        = number
  default     = 60

  validation {
    condition     = var.cpu_target_percent >= 10 && var.cpu_target_percent <= 90
    error_message = "cpu_target_percent must be between 10 and 90."
  }
}

variable "requests_per_target" {
  description = "Load-balancer requests per minute per gateway task the autoscaling aims at (a WebSocket counts once, when it connects)."
  type        = number
  default     = 3000
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
