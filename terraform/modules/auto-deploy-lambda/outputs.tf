output "function_name" {
  description = "Name of the function."
  value       = try(aws_lambda_function.this[0].function_name, null)
}

output "function_arn" {
  description = "ARN of the function."
  value       = try(aws_lambda_function.this[0].arn, null)
}

output "event_rule_arn" {
  description = "ARN of the EventBridge rule."
  value       = try(aws_cloudwatch_event_rule.this[0].arn, null)
}

output "event_pattern" {
  description = "Event pattern of the rule (JSON)."
  value       = try(aws_cloudwatch_event_rule.this[0].event_pattern, null)
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue (failed invocations and undeliverable events)."
  value       = try(aws_sqs_queue.dead_letter[0].arn, null)
}
