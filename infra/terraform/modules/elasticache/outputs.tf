output "replication_group_id" {
  description = "The replication group's id (node ids are <id>-001, <id>-002, ...)."
  value       = aws_elasticache_replication_group.this.id
}

output "primary_endpoint_address" {
  description = "Host name of the primary (writes and reads)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "port" {
  description = "Redis port."
  value       = local.port
}

output "security_group_id" {
  description = "Redis's security group."
  value       = aws_security_group.redis.id
}

output "member_clusters" {
  description = "Ids of the nodes (known after apply)."
  value       = aws_elasticache_replication_group.this.member_clusters
}
