output "arn" {
  description = "ARN of the OIDC provider."
  value       = try(aws_iam_openid_connect_provider.this[0].arn, null)
}

output "url" {
  description = "Issuer URL without the scheme, as used in condition keys (`token.actions.githubusercontent.com`)."
  value       = try(replace(aws_iam_openid_connect_provider.this[0].url, "https://", ""), null)
}
