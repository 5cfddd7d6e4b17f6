################################################################################
# Customer managed KMS key with yearly automatic rotation
################################################################################

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account      = data.aws_caller_identity.current.account_id
  account_root = "arn:${data.aws_partition.current.partition}:iam::${local.account}:root"
}

data "aws_iam_policy_document" "this" {
  count = var.create ? 1 : 0

  # In a key policy, Resource "*" means "this key"; the account keeps control of its key.
  #checkov:skip=CKV_AWS_109:Key policy: Resource "*" is this key only; the account root must administer it
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" is this key only; write access is limited to the account root and listed principals
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is this key only (key policies cannot name the key itself)
  statement {
    sid = "KeyAdministration"
    actions = [
      "kms:CancelKeyDeletion",
      "kms:Create*",
      "kms:Delete*",
      "kms:Describe*",
      "kms:Disable*",
      "kms:Enable*",
      "kms:Get*",
      "kms:List*",
      "kms:Put*",
      "kms:Revoke*",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:Update*",
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
  }

  dynamic "statement" {
    for_each = length(var.user_principal_arns) > 0 ? [1] : []

    content {
      sid       = "KeyUsers"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = var.user_principal_arns
      }

      dynamic "condition" {
        for_each = var.user_principal_conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.service_principals) > 0 ? [1] : []

    content {
      sid       = "AwsServices"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = var.service_principals
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account]
      }
    }
  }

  dynamic "statement" {
    for_each = var.allow_cloudwatch_logs ? [1] : []

    content {
      sid       = "CloudWatchLogs"
      actions   = ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["logs.${data.aws_region.current.id}.amazonaws.com"]
      }

      condition {
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.id}:${local.account}:log-group:*"]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  count = var.create ? 1 : 0

  description             = var.description
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this[0].json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.create ? 1 : 0

  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this[0].key_id
}
