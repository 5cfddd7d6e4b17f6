output "policy_arns" {
  description = "ARN of each boundary policy, by name."
  value       = { for name, policy in aws_iam_policy.this : name => policy.arn }
}
