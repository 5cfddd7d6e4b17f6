output "name" {
  description = "Name of the model package group."
  value       = try(aws_sagemaker_model_package_group.this[0].model_package_group_name, null)
}

output "arn" {
  description = "ARN of the model package group."
  value       = try(aws_sagemaker_model_package_group.this[0].arn, null)
}
