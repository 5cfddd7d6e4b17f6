output "topic_arn" {
  description = "ARN of the alerts topic (budget, idle endpoint, drift)."
  value       = try(aws_sns_topic.alerts[0].arn, null)
}

output "budget_name" {
  description = "Name of the account's budget."
  value       = try(aws_budgets_budget.this[0].name, null)
}

output "idle_alarm_name" {
  description = "Name of the idle-endpoint alarm (null when off)."
  value       = try(aws_cloudwatch_metric_alarm.idle_endpoint[0].alarm_name, null)
}
