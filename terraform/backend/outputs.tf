output "state_bucket" {
  description = "Name of the state bucket (passed to the other roots as -backend-config=bucket=...)."
  value       = module.state_bucket.bucket_id
}

output "state_key_arn" {
  description = "ARN of the KMS key encrypting the state."
  value       = module.state_key.key_arn
}

output "state_key_alias" {
  description = "Alias of the KMS key encrypting the state."
  value       = module.state_key.alias_name
}
