output "domain_id" {
  description = "ID of the Studio domain."
  value       = try(aws_sagemaker_domain.this[0].id, null)
}

output "domain_arn" {
  description = "ARN of the Studio domain."
  value       = try(aws_sagemaker_domain.this[0].arn, null)
}

output "security_group_id" {
  description = "Security group of the Studio apps."
  value       = try(aws_security_group.this[0].id, null)
}
