output "log_group_names" {
  description = "Log group name per deployable."
  value       = { for name, group in aws_cloudwatch_log_group.service : name => group.name }
}

output "log_group_arns" {
  description = "Log group ARN per deployable (the ECS execution role writes to these only)."
  value       = { for name, group in aws_cloudwatch_log_group.service : name => group.arn }
}

output "ecs_exec_log_group_name" {
  description = "Log group of ECS Exec sessions."
  value       = aws_cloudwatch_log_group.ecs_exec.name
}

output "kms_key_arn" {
  description = "The key of the log groups and the alarm topic (other modules' log groups use it too)."
  value       = aws_kms_key.observability.arn
}

output "alarm_topic_arn" {
  description = "The SNS topic alarms publish to."
  value       = aws_sns_topic.alarms.arn
}
