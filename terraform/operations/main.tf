################################################################################
# Operations account: ECR repositories, release manifests, GitHub OIDC + CI roles
################################################################################

locals {
  environments = ["dev", "staging", "prod"]
  repo         = var.github_repository

  env_roots    = [for env in local.environments : "arn:aws:iam::${var.account_ids[env]}:root"]
  ci_role_arns = { for env in local.environments : env => "arn:aws:iam::${var.account_ids[env]}:role/${var.ci_role_name}" }

  # Exact `sub` claims (docs/ci-cd.md): operations builds on main (build.yml, no environment);
  # staging/prod deploy only from a job in the GitHub Environment of the same name, whose
  # deployment rules admit only the tag of that name (deploy.yml); dev from its environment
  # only (no workflow deploys dev today: `make deploy ENV=dev` runs on a laptop). Never a
  # `ref:refs/tags/...` subject: a job without `environment:` would skip the reviewers.
  ci_subjects = {
    operations = ["repo:${local.repo}:ref:refs/heads/main"]
    dev        = ["repo:${local.repo}:environment:dev"]
    staging    = ["repo:${local.repo}:environment:staging"]
    prod       = ["repo:${local.repo}:environment:prod"]
  }
}

# The state key was created by terraform/backend.
data "aws_kms_alias" "state" {
  name = "alias/${var.project}-tfstate"
}

################################################################################
# Artifacts: ECR repositories and the release-manifest bucket
################################################################################

module "artifacts_key" {
  source = "../modules/kms-key"

  alias               = "${var.project}-artifacts"
  description         = "Images and release manifests of ${var.project}"
  user_principal_arns = local.env_roots
  user_principal_conditions = [{
    test     = "ArnEquals"
    variable = "aws:PrincipalArn"
    values   = values(local.ci_role_arns)
  }]
}

module "ecr" {
  source   = "../modules/ecr-repository"
  for_each = var.ecr_repositories

  name             = each.value
  kms_key_arn      = module.artifacts_key.key_arn
  pull_account_ids = [for env in local.environments : var.account_ids[env]]
}

data "aws_iam_policy_document" "release_read" {
  statement {
    sid       = "EnvironmentCiRolesReadReleases"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.release_bucket_name}", "arn:aws:s3:::${var.release_bucket_name}/releases/*"]

    principals {
      type        = "AWS"
      identifiers = local.env_roots
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = values(local.ci_role_arns)
    }
  }
}

module "release_bucket" {
  source = "../modules/s3-bucket"

  bucket      = var.release_bucket_name
  kms_key_arn = module.artifacts_key.key_arn
  policy_json = data.aws_iam_policy_document.release_read.json

  # The emulator speaks plain HTTP; on AWS every request must use TLS.
  deny_insecure_transport = !var.use_emulator
}

################################################################################
# GitHub OIDC provider and CI role in each account
################################################################################

module "oidc_operations" {
  source = "../modules/github-oidc-provider"
}

module "ci_operations" {
  source = "../modules/github-oidc-role"

  name                     = var.ci_role_name
  description              = "GitHub Actions on main: build and push images, write release manifests"
  oidc_provider_arn        = module.oidc_operations.arn
  subjects                 = local.ci_subjects.operations
  permissions_boundary_arn = module.baseline_operations.policy_arns[local.ci_boundary_name]
  policy_json              = data.aws_iam_policy_document.ci_operations.json
  managed_policies = {
    (local.ci_guardrails_name) = { description = "Explicit denies of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_guardrails["operations"].json }
  }
}

module "oidc_dev" {
  source    = "../modules/github-oidc-provider"
  providers = { aws = aws.dev }
}

module "ci_dev" {
  source    = "../modules/github-oidc-role"
  providers = { aws = aws.dev }

  name                     = var.ci_role_name
  description              = "GitHub Actions deploying dev (environment dev)"
  oidc_provider_arn        = module.oidc_dev.arn
  subjects                 = local.ci_subjects.dev
  permissions_boundary_arn = module.baseline_dev.policy_arns[local.ci_boundary_name]
  policy_json              = data.aws_iam_policy_document.ci_environment["dev"].json
  managed_policies = {
    (local.ci_guardrails_name) = { description = "Explicit denies of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_guardrails["dev"].json }
    (local.ci_network_name)    = { description = "EC2 actions of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_network["dev"].json }
  }
}

module "oidc_staging" {
  source    = "../modules/github-oidc-provider"
  providers = { aws = aws.staging }
}

module "ci_staging" {
  source    = "../modules/github-oidc-role"
  providers = { aws = aws.staging }

  name                     = var.ci_role_name
  description              = "GitHub Actions deploying staging (environment staging)"
  oidc_provider_arn        = module.oidc_staging.arn
  subjects                 = local.ci_subjects.staging
  permissions_boundary_arn = module.baseline_staging.policy_arns[local.ci_boundary_name]
  policy_json              = data.aws_iam_policy_document.ci_environment["staging"].json
  managed_policies = {
    (local.ci_guardrails_name) = { description = "Explicit denies of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_guardrails["staging"].json }
    (local.ci_network_name)    = { description = "EC2 actions of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_network["staging"].json }
  }
}

module "oidc_prod" {
  source    = "../modules/github-oidc-provider"
  providers = { aws = aws.prod }
}

module "ci_prod" {
  source    = "../modules/github-oidc-role"
  providers = { aws = aws.prod }

  name                     = var.ci_role_name
  description              = "GitHub Actions deploying prod (environment prod)"
  oidc_provider_arn        = module.oidc_prod.arn
  subjects                 = local.ci_subjects.prod
  permissions_boundary_arn = module.baseline_prod.policy_arns[local.ci_boundary_name]
  policy_json              = data.aws_iam_policy_document.ci_environment["prod"].json
  managed_policies = {
    (local.ci_guardrails_name) = { description = "Explicit denies of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_guardrails["prod"].json }
    (local.ci_network_name)    = { description = "EC2 actions of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_network["prod"].json }
  }
}
