################################################################################
# <project>-workload-boundary: the permissions boundary of every role terraform/main creates
################################################################################

# Ceiling of every role CI creates (SageMaker execution, auto-deploy Lambda, scheduler, flow
# logs, the drift monitor, its schedule and its retraining target): exactly the actions those
# roles' policies use, in this account (plus the pull of the Hugging Face training image; spot
# training and the checkpoints/ prefix need nothing beyond CreateTrainingJob and the data
# bucket). No IAM write except the Application Auto Scaling service-linked role the deployer's
# first scaling call creates.
data "aws_iam_policy_document" "workload_boundary" {
  for_each = var.environments

  statement {
    sid       = "DataBucket"
    actions   = ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]
    resources = ["arn:aws:s3:::${each.value.data_bucket}", "arn:aws:s3:::${each.value.data_bucket}/*"]
  }

  statement {
    sid       = "UseKeys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["arn:aws:kms:${var.region}:${var.account_ids[each.key]}:key/*"]
  }

  statement {
    sid       = "PullImages"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = ["arn:aws:ecr:${var.region}:${var.account_ids.operations}:repository/${var.project}/*"]
  }

  # The transformer family's Train and Evaluate steps run in the Hugging Face PyTorch training
  # image, its endpoints in the Hugging Face PyTorch inference image, both pulled from the AWS
  # Deep Learning Containers registry (awsenv/images.py): these two repositories only.
  statement {
    sid     = "PullHuggingFaceImages"
    actions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [
      "arn:aws:ecr:${var.region}:${var.huggingface_training_image_repository.account_id}:repository/${var.huggingface_training_image_repository.name}",
      "arn:aws:ecr:${var.region}:${var.huggingface_inference_image_repository.account_id}:repository/${var.huggingface_inference_image_repository.name}",
    ]
  }

  statement {
    sid = "SageMaker"
    actions = [
      "sagemaker:AddTags",
      "sagemaker:CreateEndpoint",
      "sagemaker:CreateEndpointConfig",
      "sagemaker:CreateModel",
      "sagemaker:CreateModelPackage",
      "sagemaker:CreateProcessingJob",
      "sagemaker:CreateTrainingJob",
      "sagemaker:DescribeEndpoint",
      "sagemaker:DescribeEndpointConfig",
      "sagemaker:DescribeModel",
      "sagemaker:DescribeModelPackage",
      "sagemaker:DescribeProcessingJob",
      "sagemaker:DescribeTrainingJob",
      "sagemaker:ListModelPackages",
      "sagemaker:StartPipelineExecution",
      "sagemaker:StopProcessingJob",
      "sagemaker:StopTrainingJob",
      "sagemaker:UpdateEndpoint",
      "sagemaker:UpdateEndpointWeightsAndCapacities",
    ]
    resources = ["arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:*"]
  }

  statement {
    sid       = "PassProjectRolesToSageMaker"
    actions   = ["iam:PassRole"]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/${var.project}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }

  statement {
    sid       = "AutoscalingServiceLinkedRole"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["sagemaker.application-autoscaling.amazonaws.com"]
    }
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = ["arn:aws:logs:${var.region}:${var.account_ids[each.key]}:log-group:*"]
  }

  statement {
    sid       = "Alarms"
    actions   = ["cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm"]
    resources = ["arn:aws:cloudwatch:${var.region}:${var.account_ids[each.key]}:alarm:*"]
  }

  statement {
    sid       = "ScaleEndpoints"
    actions   = ["application-autoscaling:PutScalingPolicy", "application-autoscaling:RegisterScalableTarget"]
    resources = ["arn:aws:application-autoscaling:${var.region}:${var.account_ids[each.key]}:scalable-target/*"]
  }

  statement {
    sid       = "DeadLetterQueues"
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:${var.region}:${var.account_ids[each.key]}:${var.project}-*"]
  }

  # Lambda creates the function's network interfaces with the function's role.
  statement {
    sid = "LambdaNetworkInterfaces"
    actions = [
      "ec2:AssignPrivateIpAddresses",
      "ec2:CreateNetworkInterface",
      "ec2:DeleteNetworkInterface",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = ["arn:aws:ec2:${var.region}:${var.account_ids[each.key]}:*"]
  }

  statement {
    sid = "UnscopedReads"
    actions = [
      "application-autoscaling:DescribeScalableTargets",
      "application-autoscaling:DescribeScalingPolicies",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ecr:GetAuthorizationToken",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "SageMakerAndDriftMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*", "${var.project}/DriftMonitor"] # Config.drift_metrics_namespace
    }
  }

  # The drift monitor's schedule invokes its function (terraform/modules/drift-monitor).
  statement {
    sid       = "InvokeProjectFunctions"
    actions   = ["lambda:InvokeFunction"]
    resources = ["arn:aws:lambda:${var.region}:${var.account_ids[each.key]}:function:${var.project}-*"]
  }
}
