################################################################################
# Cost guardrails of one environment account: alerts topic, budget, idle endpoint
################################################################################

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account = data.aws_caller_identity.current.account_id
}

resource "aws_sns_topic" "alerts" {
  count = var.create ? 1 : 0

  name              = var.name
  display_name      = "Alerts of ${var.name}"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

# AWS Budgets and CloudWatch alarms of this account may publish to the topic.
data "aws_iam_policy_document" "alerts" {
  count = var.create ? 1 : 0

  statement {
    sid       = "BudgetsAndAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts[0].arn]

    principals {
      type        = "Service"
      identifiers = ["budgets.amazonaws.com", "cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_sns_topic_policy" "alerts" {
  count = var.create ? 1 : 0

  arn    = aws_sns_topic.alerts[0].arn
  policy = data.aws_iam_policy_document.alerts[0].json
}

resource "aws_sns_topic_subscription" "email" {
  count = var.create && var.alert_email != "" ? 1 : 0

  topic_arn = aws_sns_topic.alerts[0].arn
  protocol  = "email"
  endpoint  = var.alert_email
}

resource "aws_budgets_budget" "this" {
  count = var.create ? 1 : 0

  name         = var.name
  budget_type  = "COST"
  limit_amount = format("%.2f", var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  dynamic "notification" {
    for_each = { ACTUAL = 80, FORECASTED = 100 }

    content {
      comparison_operator       = "GREATER_THAN"
      threshold                 = notification.value
      threshold_type            = "PERCENTAGE"
      notification_type         = notification.key
      subscriber_sns_topic_arns = [aws_sns_topic.alerts[0].arn]
    }
  }

  tags = var.tags
}

# An endpoint nobody calls still costs its instances: alarm after N days without invocations.
resource "aws_cloudwatch_metric_alarm" "idle_endpoint" {
  count = var.create && var.idle_endpoint_days > 0 ? 1 : 0

  alarm_name          = "${var.endpoint_name}-idle"
  alarm_description   = "${var.endpoint_name} had no invocation for ${var.idle_endpoint_days} day(s): delete it or scale it to zero"
  namespace           = "AWS/SageMaker"
  metric_name         = "Invocations"
  dimensions          = { EndpointName = var.endpoint_name, VariantName = var.variant_name }
  statistic           = "Sum"
  period              = 86400
  evaluation_periods  = var.idle_endpoint_days
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alerts[0].arn]
  tags                = var.tags
}
