variable "name" {
  description = "Name prefix, e.g. parley-prod (log groups are /parley/<name>/<service>)."
  type        = string
}

variable "service_names" {
  description = "The deployables that get a log group (gateway, auth, users, ...)."
  type        = set(string)
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, ...)."
  }
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by mail)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails must be e-mail addresses."
  }
}

variable "alb_arn_suffix" {
  description = "The load balancer's ARN suffix (LoadBalancer dimension)."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "The gateway target group's ARN suffix (TargetGroup dimension)."
  type        = string
}

variable "ecs_cluster_name" {
  description = "The ECS cluster's name."
  type        = string
}

variable "ecs_service_names" {
  description = "The ECS services to watch (CPU and memory)."
  type        = set(string)
}

variable "redis_replication_group_id" {
  description = "The Redis replication group's id."
  type        = string
}

variable "redis_num_cache_clusters" {
  description = "How many Redis nodes there are (their ids are <group>-001, -002, ...)."
  type        = number
}

variable "alb_5xx_rate_threshold" {
  description = "Percent of requests answered 5xx (by the load balancer or the gateway) over 5 minutes that raises the alarm."
  type        = number
  default     = 5

  validation {
    condition     = var.alb_5xx_rate_threshold > 0 && var.alb_5xx_rate_threshold <= 100
    error_message = "alb_5xx_rate_threshold is a percentage in (0, 100]."
  }
}

variable "p99_latency_threshold_seconds" {
  description = "The gateway's p99 response time (seconds) that raises the alarm."
  type        = number
  default     = 2
}

variable "cpu_threshold" {
  description = "Average CPU percent of an ECS service that raises the alarm (autoscaling targets less)."
  type        = number
  default     = 85
}

variable "memory_threshold" {
  description = "Average memory percent of an ECS service that raises the alarm."
  type        = number
  default     = 85
}

variable "redis_memory_threshold" {
  description = "Redis DatabaseMemoryUsagePercentage that raises the alarm."
  type        = number
  default     = 80
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
