################################################################################
# ECR repository: immutable tags, scan on push, KMS, lifecycle, cross-account pulls
################################################################################

data "aws_partition" "current" {}
data "aws_region" "current" {}

resource "aws_ecr_repository" "this" {
  count = var.create ? 1 : 0

  name                 = var.name
  image_tag_mutability = "IMMUTABLE"
  force_delete         = false

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  count = var.create ? 1 : 0

  repository = aws_ecr_repository.this[0].name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = var.lifecycle_rules.untagged_expiry_days
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the newest commit-tagged images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.lifecycle_rules.keep_tagged_images
        }
        action = { type = "expire" }
      },
    ]
  })
}

locals {
  pull_actions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
}

data "aws_iam_policy_document" "this" {
  count = var.create && length(var.pull_account_ids) > 0 ? 1 : 0

  statement {
    sid     = "PullFromEnvironmentAccounts"
    actions = local.pull_actions

    principals {
      type        = "AWS"
      identifiers = [for id in var.pull_account_ids : "arn:${data.aws_partition.current.partition}:iam::${id}:root"]
    }
  }

  statement {
    sid     = "SageMakerPullForEnvironmentAccounts"
    actions = local.pull_actions

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = var.pull_account_ids
    }
  }

  statement {
    sid     = "LambdaPullForEnvironmentAccounts"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:SourceArn"
      values   = [for id in var.pull_account_ids : "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.id}:${id}:function:*"]
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  count = var.create && length(var.pull_account_ids) > 0 ? 1 : 0

  repository = aws_ecr_repository.this[0].name
  policy     = data.aws_iam_policy_document.this[0].json
}
