################################################################################
# Terraform state bucket (operations account), shared by the operations and main roots
################################################################################

locals {
  environments = ["dev", "staging", "prod"]
  bucket_arn   = "arn:aws:s3:::${var.state_bucket_name}"

  # Roles that may not exist yet: they are named in conditions (aws:PrincipalArn), not as principals.
  ci_role_arns = { for env in local.environments : env => "arn:aws:iam::${var.account_ids[env]}:role/${var.ci_role_name}" }
  env_roots    = [for env in local.environments : "arn:aws:iam::${var.account_ids[env]}:root"]
}

module "state_key" {
  source = "../modules/kms-key"

  alias               = "${var.project}-tfstate"
  description         = "Terraform state of ${var.project}"
  user_principal_arns = local.env_roots
  user_principal_conditions = [{
    test     = "ArnEquals"
    variable = "aws:PrincipalArn"
    values   = values(local.ci_role_arns)
  }]
}

# Each environment's CI role may read and write its own workspace's state only
# (workspace states live under env:/<workspace>/), and list the bucket.
data "aws_iam_policy_document" "state_access" {
  statement {
    sid       = "ListStateForEnvironmentCiRoles"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

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

  dynamic "statement" {
    for_each = local.ci_role_arns

    content {
      sid       = "WorkspaceState${title(statement.key)}"
      actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
      resources = ["${local.bucket_arn}/env:/${statement.key}/*"]

      principals {
        type        = "AWS"
        identifiers = ["arn:aws:iam::${var.account_ids[statement.key]}:root"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = [statement.value]
      }
    }
  }
}

module "state_bucket" {
  source = "../modules/s3-bucket"

  bucket                             = var.state_bucket_name
  kms_key_arn                        = module.state_key.key_arn
  noncurrent_version_expiration_days = 90
  policy_json                        = data.aws_iam_policy_document.state_access.json

  # The emulator speaks plain HTTP; on AWS every request must use TLS.
  deny_insecure_transport = !var.use_emulator
}
