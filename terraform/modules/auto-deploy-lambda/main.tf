################################################################################
# Auto-deploy Lambda: approved/rejected model packages of one group -> endpoint
################################################################################

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account    = data.aws_caller_identity.current.account_id
  arn_prefix = "arn:${data.aws_partition.current.partition}:sagemaker:${data.aws_region.current.id}:${local.account}"
  log_group  = "/aws/lambda/${var.function_name}"

  alarm_prefix = "arn:${data.aws_partition.current.partition}:cloudwatch:${data.aws_region.current.id}:${local.account}:alarm"
  endpoint_arns = [
    "${local.arn_prefix}:endpoint/${var.endpoint_name}",
    "${local.arn_prefix}:endpoint-config/${var.endpoint_name}-*",
    "${local.arn_prefix}:model/${var.endpoint_name}-*",
  ]
}

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  name              = local.log_group
  retention_in_days = var.settings.log_retention_days
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
# IAM role of the function
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
    sid       = "UseKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  # inference/registry.py: summaries (ListModelPackages) and describe (DescribeModelPackage).
  statement {
    sid     = "ReadModelRegistry"
    actions = ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"]
    resources = [
      "${local.arn_prefix}:model-package-group/${var.model_package_group_name}",
      "${local.arn_prefix}:model-package/${var.model_package_group_name}/*",
    ]
  }

  # inference/deployer.py: the endpoint and the Model/EndpointConfig named `<endpoint>-v<N>-<hash>`;
  # UpdateEndpointWeightsAndCapacities is what SageMaker autoscaling requires of its caller.
  statement {
    sid = "ManageOwnEndpoint"
    actions = [
      "sagemaker:CreateEndpoint",
      "sagemaker:CreateEndpointConfig",
      "sagemaker:CreateModel",
      "sagemaker:DescribeEndpoint",
      "sagemaker:DescribeEndpointConfig",
      "sagemaker:DescribeModel",
      "sagemaker:UpdateEndpoint",
      "sagemaker:UpdateEndpointWeightsAndCapacities",
    ]
    resources = local.endpoint_arns
  }

  # Tags passed to CreateModel/CreateEndpointConfig/CreateEndpoint, and only those.
  statement {
    sid       = "TagOnCreate"
    actions   = ["sagemaker:AddTags"]
    resources = local.endpoint_arns

    condition {
      test     = "StringEquals"
      variable = "sagemaker:TaggingAction"
      values   = ["CreateEndpoint", "CreateEndpointConfig", "CreateModel"]
    }
  }

  statement {
    sid       = "PassModelRole"
    actions   = ["iam:PassRole"]
    resources = [var.sagemaker_execution_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }

  # inference/guardrails.py rollback_alarms (`<endpoint>-...`), and the target-tracking alarms
  # Application Auto Scaling creates for the variant (`TargetTracking-endpoint/<endpoint>/...`).
  statement {
    sid     = "EndpointAlarms"
    actions = ["cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm"]
    resources = [
      "${local.alarm_prefix}:${var.endpoint_name}-*",
      "${local.alarm_prefix}:TargetTracking-endpoint/${var.endpoint_name}/*",
    ]
  }

  # inference/guardrails.py autoscale: only the endpoint variants' instance count.
  statement {
    sid       = "ScaleEndpointVariants"
    actions   = ["application-autoscaling:PutScalingPolicy", "application-autoscaling:RegisterScalableTarget"]
    resources = ["arn:${data.aws_partition.current.partition}:application-autoscaling:${data.aws_region.current.id}:${local.account}:scalable-target/*"]

    condition {
      test     = "StringEquals"
      variable = "application-autoscaling:service-namespace"
      values   = ["sagemaker"]
    }

    condition {
      test     = "StringEquals"
      variable = "application-autoscaling:scalable-dimension"
      values   = ["sagemaker:variant:DesiredInstanceCount"]
    }
  }

  statement {
    sid       = "DescribeScaling"
    actions   = ["application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"]
    resources = ["*"]
  }

  # The first RegisterScalableTarget of a SageMaker variant creates this service-linked role.
  statement {
    sid       = "AutoscalingServiceLinkedRole"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:${data.aws_partition.current.partition}:iam::${local.account}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["sagemaker.application-autoscaling.amazonaws.com"]
    }
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

# Network interfaces in the VPC (AWS managed, scoped to what VPC functions need).
resource "aws_iam_role_policy_attachment" "vpc_access" {
  count = var.create ? 1 : 0

  role       = aws_iam_role.this[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

################################################################################
# Function
################################################################################

resource "aws_security_group" "this" {
  count = var.create ? 1 : 0

  name        = "${var.function_name}-lambda"
  description = "Auto-deploy Lambda: HTTPS to the VPC endpoints only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.function_name}-lambda" })

  egress {
    description = "HTTPS to the interface VPC endpoints (SageMaker API)"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr_block]
  }
}

resource "aws_lambda_function" "this" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV_AWS_272:Code signing is not supported for container-image functions; the image is immutable and pinned by commit SHA
  function_name                  = var.function_name
  description                    = "Deploys approved model packages of ${var.model_package_group_name} to ${var.endpoint_name}"
  package_type                   = "Image"
  image_uri                      = var.image_uri
  role                           = aws_iam_role.this[0].arn
  timeout                        = var.settings.timeout_seconds
  memory_size                    = var.settings.memory_mb
  reserved_concurrent_executions = var.settings.reserved_concurrency
  kms_key_arn                    = var.kms_key_arn

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
# EventBridge rule: only this project's group, only Approved / Rejected
################################################################################

resource "aws_cloudwatch_event_rule" "this" {
  count = var.create ? 1 : 0

  name        = "${var.function_name}-model-approval"
  description = "Approval decisions on model packages of ${var.model_package_group_name}"
  # The same file is the pattern of the local event bus (laptop/events.py): one pattern, two buses.
  event_pattern = templatefile("${path.module}/event-pattern.json.tftpl", {
    model_package_group_name = var.model_package_group_name
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  count = var.create ? 1 : 0

  rule = aws_cloudwatch_event_rule.this[0].name
  arn  = aws_lambda_function.this[0].arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 3
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter[0].arn
  }
}

resource "aws_lambda_permission" "events" {
  count = var.create ? 1 : 0

  statement_id  = "AllowModelApprovalRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this[0].arn
}

# EventBridge may deliver failed events to the dead-letter queue.
data "aws_iam_policy_document" "dead_letter" {
  count = var.create ? 1 : 0

  statement {
    sid       = "EventBridgeDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter[0].arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.this[0].arn]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letter" {
  count = var.create ? 1 : 0

  queue_url = aws_sqs_queue.dead_letter[0].id
  policy    = data.aws_iam_policy_document.dead_letter[0].json
}
