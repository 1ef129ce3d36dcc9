variable "name" {
  description = "Name prefix, e.g. parley-prod."
  type        = string
}

variable "vpc_id" {
  description = "The VPC the groups belong to."
  type        = string
}

variable "container_port" {
  description = "The port every Parley container listens on."
  type        = number
  default     = 8080
}

variable "mongodb_cidrs" {
  description = "Where the tasks may reach MongoDB (ports 27015-27017). Atlas over the internet: 0.0.0.0/0 (Atlas itself allow-lists the NAT addresses); over PrivateLink or peering: the endpoint's range."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = alltrue([for c in var.mongodb_cidrs : can(cidrhost(c, 0))])
    error_message = "mongodb_cidrs must be IPv4 CIDRs."
  }
}

variable "allow_outbound_http" {
  description = "Let the tasks make plain-HTTP requests to the internet (link previews of http:// pages). HTTPS is always allowed (AWS APIs, Web Push, link previews)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
