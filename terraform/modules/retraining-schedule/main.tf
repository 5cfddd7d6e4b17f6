################################################################################
# EventBridge Scheduler: weekly retraining run of the SageMaker pipeline
################################################################################

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  pipeline_arn = "arn:${data.aws_partition.current.partition}:sagemaker:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:pipeline/${var.pipeline_name}"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
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
    sid       = "StartRetraining"
    actions   = ["sagemaker:StartPipelineExecution"]
    resources = [local.pipeline_arn]
  }

  statement {
    sid       = "DecryptInput"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name                 = "${var.name}-scheduler"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = "start-pipeline"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_scheduler_schedule" "this" {
  count = var.create ? 1 : 0

  name                         = var.name
  description                  = "Retrain ${var.pipeline_name} on the current data"
  state                        = var.enabled ? "ENABLED" : "DISABLED"
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.schedule_expression_timezone
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode                      = "FLEXIBLE"
    maximum_window_in_minutes = 60
  }

  target {
    arn      = local.pipeline_arn
    role_arn = aws_iam_role.this[0].arn

    sagemaker_pipeline_parameters {
      dynamic "pipeline_parameter" {
        for_each = var.pipeline_parameters

        content {
          name  = pipeline_parameter.key
          value = pipeline_parameter.value
        }
      }
    }

    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }
  }
}
