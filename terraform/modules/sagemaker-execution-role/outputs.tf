output "arn" {
  description = "ARN of the SageMaker execution role."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "name" {
  description = "Name of the SageMaker execution role."
  value       = try(aws_iam_role.this[0].name, null)
}
