################################################################################
# Drift monitor: hourly Lambda (monitoring/handler.py) -> metrics -> alarm -> retraining
################################################################################

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account      = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  region       = data.aws_region.current.id
  arn_prefix   = "arn:${local.partition}:sagemaker:${local.region}:${local.account}"
  pipeline_arn = "${local.arn_prefix}:pipeline/${var.pipeline_name}"
  log_group    = "/aws/lambda/${var.function_name}"
}

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  name              = local.log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sqs_queue" "dead_letter" {
  count = var.create ? 1 : 0

  name                      = "${var.function_name}-dlq"
  kms_master_key_id         = var.kms_key_arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

################################################################################
# The monitor's role: reads capture + baselines, writes its reports and metrics
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "this" {
  count = var.create ? 1 : 0

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this[0].arn}:*"]
  }

  statement {
    sid       = "DeadLetterQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter[0].arn]
  }

  statement {
    sid       = "UseKeys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = distinct([var.kms_key_arn, coalesce(var.data_kms_key_arn, var.kms_key_arn)])
  }

  # monitoring/captured.py lists hour folders of the capture; job.py reads its own pointer.
  statement {
    sid       = "ListCaptureAndReports"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.capture_prefix}*", "${var.reports_prefix}*"]
    }
  }

  statement {
    sid     = "ReadCaptureBaselinesReports"
    actions = ["s3:GetObject"]
    resources = [
      "${var.bucket_arn}/${var.capture_prefix}*",
      "${var.bucket_arn}/${var.baseline_key_pattern}",
      "${var.bucket_arn}/${var.reports_prefix}*",
    ]
  }

  statement {
    sid       = "WriteReports"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arn}/${var.reports_prefix}*"]
  }

  statement {
    sid       = "PublishDriftMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # PutMetricData has no resource type; the namespace condition scopes it

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.metrics_namespace]
    }
  }

  # inference/deployer.py serving(): what the endpoint serves, and its package's baseline.
  statement {
    sid     = "ReadServingModel"
    actions = ["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:DescribeModel", "sagemaker:DescribeModelPackage"]
    resources = [
      "${local.arn_prefix}:endpoint/${var.endpoint_name}",
      "${local.arn_prefix}:endpoint-config/${var.endpoint_name}-*",
      "${local.arn_prefix}:model/${var.endpoint_name}-*",
      "${local.arn_prefix}:model-package/${var.model_package_group_name}/*",
    ]
  }
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name                 = var.function_name
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = "${var.function_name}-permissions"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.this[0].json
}

resource "aws_iam_role_policy_attachment" "vpc_access" {
  count = var.create ? 1 : 0

  role       = aws_iam_role.this[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

################################################################################
# Function (the project's lambda image, monitor entry point)
################################################################################

resource "aws_security_group" "this" {
  count = var.create ? 1 : 0

  name        = "${var.function_name}-lambda"
  description = "Drift monitor: HTTPS to the VPC endpoints and the S3 gateway only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.function_name}-lambda" })

  egress {
    description = "HTTPS to the interface VPC endpoints (SageMaker API, CloudWatch)"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr_block]
  }

  egress {
    description     = "HTTPS to S3 through the gateway endpoint"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    prefix_list_ids = [var.s3_prefix_list_id]
  }
}

resource "aws_lambda_function" "this" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_272:Code signing is not supported for container-image functions; the image is immutable and pinned by commit SHA
  function_name                  = var.function_name
  description                    = "Drift of ${var.endpoint_name}'s captured traffic against its model's baseline"
  package_type                   = "Image"
  image_uri                      = var.image_uri
  role                           = aws_iam_role.this[0].arn
  timeout                        = 300
  memory_size                    = 512
  reserved_concurrent_executions = 1
  kms_key_arn                    = var.kms_key_arn

  image_config {
    command = ["monitoring.handler.handler"]
  }

  environment {
    variables = var.environment_variables
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.this[0].id]
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letter[0].arn
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this, aws_iam_role_policy_attachment.vpc_access]
}

################################################################################
# Schedule: EventBridge Scheduler invokes the monitor
################################################################################

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

data "aws_iam_policy_document" "scheduler" {
  count = var.create ? 1 : 0

  statement {
    sid       = "InvokeMonitor"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.this[0].arn]
  }

  statement {
    sid       = "DecryptInput"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role" "scheduler" {
  count = var.create ? 1 : 0

  name                 = "${var.function_name}-scheduler"
  assume_role_policy   = data.aws_iam_policy_document.scheduler_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "scheduler" {
  count = var.create ? 1 : 0

  name   = "invoke-monitor"
  role   = aws_iam_role.scheduler[0].id
  policy = data.aws_iam_policy_document.scheduler[0].json
}

resource "aws_scheduler_schedule" "this" {
  count = var.create ? 1 : 0

  name                = var.function_name
  description         = "Run the drift monitor of ${var.endpoint_name}"
  schedule_expression = var.schedule_expression
  kms_key_arn         = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.this[0].arn
    role_arn = aws_iam_role.scheduler[0].arn

    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 2
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letter[0].arn
    }
  }
}

################################################################################
# Alarm on drift -> alerts topic, and -> EventBridge rule -> retraining pipeline
# (monitoring/alarm.py holds the same values; tests/terraform/test_monitoring.py compares)
################################################################################

resource "aws_cloudwatch_metric_alarm" "drift" {
  count = var.create ? 1 : 0

  alarm_name          = var.alarm_name
  alarm_description   = "Traffic of ${var.endpoint_name} drifted from its model's baseline"
  namespace           = var.metrics_namespace
  metric_name         = "Drift"
  dimensions          = { EndpointName = var.endpoint_name }
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alerts_topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_event_rule" "retrain" {
  count = var.create ? 1 : 0

  name        = "${var.alarm_name}-retrain"
  description = "Drift alarm of ${var.endpoint_name} -> retrain ${var.pipeline_name}"
  event_pattern = jsonencode({
    source      = ["aws.cloudwatch"]
    detail-type = ["CloudWatch Alarm State Change"]
    detail = {
      alarmName = [var.alarm_name]
      state     = { value = ["ALARM"] }
    }
  })
  tags = var.tags
}

data "aws_iam_policy_document" "events_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

data "aws_iam_policy_document" "retrain" {
  statement {
    sid       = "StartRetraining"
    actions   = ["sagemaker:StartPipelineExecution"]
    resources = [local.pipeline_arn]
  }
}

resource "aws_iam_role" "retrain" {
  count = var.create ? 1 : 0

  name                 = "${var.function_name}-retrain"
  assume_role_policy   = data.aws_iam_policy_document.events_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "retrain" {
  count = var.create ? 1 : 0

  name   = "start-pipeline"
  role   = aws_iam_role.retrain[0].id
  policy = data.aws_iam_policy_document.retrain.json
}

resource "aws_cloudwatch_event_target" "retrain" {
  count = var.create ? 1 : 0

  rule     = aws_cloudwatch_event_rule.retrain[0].name
  arn      = local.pipeline_arn
  role_arn = aws_iam_role.retrain[0].arn

  sagemaker_pipeline_target {
    dynamic "pipeline_parameter_list" {
      for_each = var.retraining_parameters

      content {
        name  = pipeline_parameter_list.key
        value = pipeline_parameter_list.value
      }
    }
  }

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 3
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter[0].arn
  }
}

# EventBridge and Scheduler may deliver failed events to the dead-letter queue.
data "aws_iam_policy_document" "dead_letter" {
  count = var.create ? 1 : 0

  statement {
    sid       = "UndeliverableEvents"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter[0].arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letter" {
  count = var.create ? 1 : 0

  queue_url = aws_sqs_queue.dead_letter[0].id
  policy    = data.aws_iam_policy_document.dead_letter[0].json
}
