output "ecr_repository_urls" {
  description = "Repository URLs by image."
  value       = { for image, repo in module.ecr : image => repo.repository_url }
}

output "release_bucket" {
  description = "Bucket of the release manifests."
  value       = module.release_bucket.bucket_id
}

output "ci_role_arns" {
  description = "ARN of the GitHub CI role in each account."
  value = {
    operations = module.ci_operations.arn
    dev        = module.ci_dev.arn
    staging    = module.ci_staging.arn
    prod       = module.ci_prod.arn
  }
}
