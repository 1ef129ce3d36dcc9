variable "name" {
  description = "Prefix of the repositories' names, e.g. parley-prod (repositories become parley-prod/parley, parley-prod/web)."
  type        = string
}

variable "repositories" {
  description = "One repository per image."
  type        = set(string)
  default     = ["parley", "web"]

  validation {
    condition     = alltrue([for r in var.repositories : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*$", r))])
    error_message = "Repository names are lowercase letters and digits, separated by single '.', '_' or '-'."
  }
}

variable "keep_last_images" {
  description = "Tagged images kept per repository; older ones expire (rollbacks reach this far back)."
  type        = number
  default     = 30

  validation {
    condition     = var.keep_last_images >= 5 && var.keep_last_images <= 1000
    error_message = "keep_last_images must be between 5 and 1000."
  }
}

variable "untagged_expiry_days" {
  description = "Days an untagged image (a layer left by a failed or superseded push) is kept."
  type        = number
  default     = 7
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
