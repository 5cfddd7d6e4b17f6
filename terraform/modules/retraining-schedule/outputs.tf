output "schedule_arn" {
  description = "ARN of the schedule."
  value       = try(aws_scheduler_schedule.this[0].arn, null)
}

output "state" {
  description = "ENABLED or DISABLED."
  value       = try(aws_scheduler_schedule.this[0].state, null)
}

output "role_arn" {
  description = "ARN of the role the scheduler assumes."
  value       = try(aws_iam_role.this[0].arn, null)
}
