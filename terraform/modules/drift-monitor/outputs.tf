output "function_name" {
  description = "Name of the monitor function."
  value       = try(aws_lambda_function.this[0].function_name, null)
}

output "role_arn" {
  description = "ARN of the monitor's role."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "alarm_arn" {
  description = "ARN of the drift alarm."
  value       = try(aws_cloudwatch_metric_alarm.drift[0].arn, null)
}

output "retrain_rule_pattern" {
  description = "Event pattern of the rule that starts the retraining (JSON)."
  value       = try(aws_cloudwatch_event_rule.retrain[0].event_pattern, null)
}
