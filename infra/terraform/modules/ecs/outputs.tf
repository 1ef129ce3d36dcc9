output "cluster_name" {
  description = "The ECS cluster's name."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "The ECS cluster's ARN."
  value       = aws_ecs_cluster.this.arn
}

output "service_names" {
  description = "The ECS services (one per deployable)."
  value       = keys(aws_ecs_service.this)
}

output "task_definition_families" {
  description = "Task definition family per deployable (the deploy pipeline registers new revisions of these)."
  value       = { for name, td in aws_ecs_task_definition.this : name => td.family }
}

output "execution_role_arn" {
  description = "The task execution role."
  value       = aws_iam_role.execution.arn
}

output "task_role_arns" {
  description = "Task role per deployable."
  value       = { for name, role in aws_iam_role.task : name => role.arn }
}

output "service_discovery_namespace" {
  description = "The private DNS namespace the services are registered in."
  value       = aws_service_discovery_private_dns_namespace.this.name
}
