output "alb_security_group_id" {
  description = "The load balancer's security group."
  value       = aws_security_group.alb.id
}

output "tasks_security_group_id" {
  description = "The Fargate tasks' security group (Redis admits it on 6379)."
  value       = aws_security_group.tasks.id
}
