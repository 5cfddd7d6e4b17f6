output "data_bucket" {
  description = "Data and artifact bucket (created by terraform/operations)."
  value       = var.data_bucket_name
}

output "sagemaker_role_arn" {
  description = "SageMaker execution role."
  value       = module.sagemaker_role.arn
}

output "model_package_group" {
  description = "Model package group."
  value       = module.model_registry.name
}

output "studio_domain_id" {
  description = "SageMaker Studio domain."
  value       = module.studio.domain_id
}

output "auto_deploy_function" {
  description = "Auto-deploy Lambda function."
  value       = module.auto_deploy.function_name
}

output "retraining_schedule_state" {
  description = "ENABLED in prod, DISABLED elsewhere."
  value       = module.retraining.state
}
