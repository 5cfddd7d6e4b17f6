################################################################################
# SageMaker execution role: its bucket, ECR pulls, its model package group, logs
################################################################################

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  arn_prefix = "arn:${data.aws_partition.current.partition}:sagemaker:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}"
  logs_arn   = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:log-group:/aws/sagemaker/*"
  role_arn   = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/${var.name}"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "ListDataBucket"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
    resources = [var.bucket_arn]
  }

  # Inputs of the jobs and of the endpoint's model (datasets, step code, artifacts, step outputs).
  statement {
    sid       = "ReadDataPrefixes"
    actions   = ["s3:GetObject"]
    resources = formatlist("${var.bucket_arn}/%s*", var.bucket_read_prefixes)
  }

  # Outputs: step outputs, model artifacts, the endpoint's data capture.
  statement {
    sid       = "WriteDataPrefixes"
    actions   = ["s3:AbortMultipartUpload", "s3:PutObject"]
    resources = formatlist("${var.bucket_arn}/%s*", var.bucket_write_prefixes)
  }

  statement {
    sid       = "UseBucketKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "PullImages"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = var.ecr_repository_arns
  }

  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  # The pipeline runs as this role; SageMaker Pipelines names its jobs `pipelines-<execution>-<step>-...`.
  statement {
    sid = "PipelineJobs"
    actions = [
      "sagemaker:AddTags",
      "sagemaker:CreateProcessingJob",
      "sagemaker:CreateTrainingJob",
      "sagemaker:DescribeProcessingJob",
      "sagemaker:DescribeTrainingJob",
      "sagemaker:StopProcessingJob",
      "sagemaker:StopTrainingJob",
    ]
    resources = [
      "${local.arn_prefix}:processing-job/pipelines-*",
      "${local.arn_prefix}:training-job/pipelines-*",
    ]
  }

  # Register step (CreateModelPackage) and the evaluate step's champion lookup (List/Describe).
  statement {
    sid = "RegisterModels"
    actions = [
      "sagemaker:AddTags",
      "sagemaker:CreateModelPackage",
      "sagemaker:DescribeModelPackage",
      "sagemaker:ListModelPackages",
    ]
    resources = [
      "${local.arn_prefix}:model-package-group/${var.model_package_group_name}",
      "${local.arn_prefix}:model-package/${var.model_package_group_name}/*",
    ]
  }

  statement {
    sid       = "PassOwnRoleToJobs"
    actions   = ["iam:PassRole"]
    resources = [local.role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = [local.logs_arn, "${local.logs_arn}:*"]
  }

  statement {
    sid       = "Metrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*"]
    }
  }
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name                 = var.name
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = "${var.name}-permissions"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.this.json
}
