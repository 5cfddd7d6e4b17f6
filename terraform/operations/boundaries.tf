################################################################################
# Permissions boundaries and account-wide S3 public access block, in all four accounts.
# Applied by a person (`invoke operations`, administrator profiles); no CI role may edit them.
################################################################################

locals {
  accounts = ["operations", "dev", "staging", "prod"]

  ci_boundary_name       = "${var.project}-ci-boundary"
  ci_guardrails_name     = "${var.project}-ci-guardrails"
  ci_network_name        = "${var.project}-ci-network"
  workload_boundary_name = "${var.project}-workload-boundary"

  # Names, not references: the CI policies and terraform/main compute the same ARNs.
  boundary_arns = {
    for account in local.accounts : account => {
      ci       = "arn:aws:iam::${var.account_ids[account]}:policy/${local.ci_boundary_name}"
      workload = "arn:aws:iam::${var.account_ids[account]}:policy/${local.workload_boundary_name}"
    }
  }
}

# Explicit denies attached to every CI role (managed policy) and in the CI boundary: an Allow
# added later to either cannot lift them.
data "aws_iam_policy_document" "ci_guardrails" {
  for_each = toset(local.accounts)

  statement {
    sid       = "NeverTouchTheCiRoleOrOidc"
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/${var.ci_role_name}", "arn:aws:iam::${var.account_ids[each.key]}:oidc-provider/*"]
  }

  statement {
    sid       = "NeverRemoveABoundary"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]
    resources = ["*"]
  }

  statement {
    sid    = "NeverEditTheBoundaries"
    effect = "Deny"
    actions = [
      "iam:CreatePolicyVersion",
      "iam:DeletePolicy",
      "iam:DeletePolicyVersion",
      "iam:SetDefaultPolicyVersion",
      "iam:TagPolicy",
      "iam:UntagPolicy",
    ]
    # The boundaries and the CI roles' own managed policies: every policy named for the project.
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:policy/${var.project}-*"]
  }

  statement {
    sid    = "NeverChangePublicAccess"
    effect = "Deny"
    actions = [
      "s3:DeleteBucketPolicy",
      "s3:PutAccessPointPublicAccessBlock",
      "s3:PutAccountPublicAccessBlock",
      "s3:PutBucketAcl",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutObjectAcl",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "NeverOrganizationsOrAccountSettings"
    effect    = "Deny"
    actions   = ["account:*", "organizations:*"]
    resources = ["*"]
  }
}

module "baseline_operations" {
  source = "../modules/account-baseline"

  boundaries = {
    (local.ci_boundary_name) = { description = "Boundary of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_boundary["operations"].json }
  }

  # S3 Control addresses <account id>.<endpoint>, which the emulator cannot answer.
  block_public_s3 = !var.use_emulator
}

module "baseline_dev" {
  source    = "../modules/account-baseline"
  providers = { aws = aws.dev }

  boundaries = {
    (local.ci_boundary_name)       = { description = "Boundary of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_boundary["dev"].json }
    (local.workload_boundary_name) = { description = "Boundary of every role terraform/main creates", policy_json = data.aws_iam_policy_document.workload_boundary["dev"].json }
  }

  # S3 Control addresses <account id>.<endpoint>, which the emulator cannot answer.
  block_public_s3 = !var.use_emulator
}

module "baseline_staging" {
  source    = "../modules/account-baseline"
  providers = { aws = aws.staging }

  boundaries = {
    (local.ci_boundary_name)       = { description = "Boundary of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_boundary["staging"].json }
    (local.workload_boundary_name) = { description = "Boundary of every role terraform/main creates", policy_json = data.aws_iam_policy_document.workload_boundary["staging"].json }
  }

  # S3 Control addresses <account id>.<endpoint>, which the emulator cannot answer.
  block_public_s3 = !var.use_emulator
}

module "baseline_prod" {
  source    = "../modules/account-baseline"
  providers = { aws = aws.prod }

  boundaries = {
    (local.ci_boundary_name)       = { description = "Boundary of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_boundary["prod"].json }
    (local.workload_boundary_name) = { description = "Boundary of every role terraform/main creates", policy_json = data.aws_iam_policy_document.workload_boundary["prod"].json }
  }

  # S3 Control addresses <account id>.<endpoint>, which the emulator cannot answer.
  block_public_s3 = !var.use_emulator
}
