################################################################################
# Permissions of the CI roles (least privilege, scoped by name prefix and account)
################################################################################

locals {
  p = var.project
}

# Operations: push commit-tagged images to the three repositories, write release manifests.
data "aws_iam_policy_document" "ci_operations" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [for repo in module.ecr : repo.repository_arn]
  }

  # release/manifest.py write_manifest: GetObject (unchanged?) then PutObject; ListBucket makes
  # a missing manifest a 404 (NoSuchKey) instead of a 403.
  statement {
    sid       = "ListReleases"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.release_bucket_name}"]
  }

  statement {
    sid       = "WriteReleases"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:aws:s3:::${var.release_bucket_name}/releases/*"]
  }

  # SSE-KMS of the release bucket (ECR needs no caller KMS permissions to push).
  statement {
    sid       = "UseArtifactsKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [module.artifacts_key.key_arn]
  }
}

# Environment accounts: terraform apply of terraform/main in the env's workspace, pipeline
# upsert/run and the endpoint smoke test. Every mutating statement is limited to resources
# named with the project prefix in this account and region.
data "aws_iam_policy_document" "ci_environment" {
  for_each = var.environments

  # -- Terraform state (operations account): this workspace only --------------------------
  statement {
    sid       = "ListState"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.state_bucket_name}"]
  }

  statement {
    sid       = "WorkspaceState"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = ["arn:aws:s3:::${var.state_bucket_name}/env:/${each.key}/*"]
  }

  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [data.aws_kms_alias.state.target_key_arn]
  }

  # -- Release manifests and images (operations account), read only -----------------------
  # release/manifest.py require_manifest (the bucket policy in terraform/operations allows it).
  statement {
    sid       = "ReadReleases"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.release_bucket_name}", "arn:aws:s3:::${var.release_bucket_name}/releases/*"]
  }

  statement {
    sid       = "ReadImages"
    actions   = ["ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer"]
    resources = [for repo in module.ecr : repo.repository_arn]
  }

  statement {
    sid       = "ArtifactsKey"
    actions   = ["kms:Decrypt"]
    resources = [module.artifacts_key.key_arn]
  }

  # -- IAM: project roles only, never the CI role itself (see the Deny below) -------------
  statement {
    sid = "ProjectRoles"
    actions = [
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:PutRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
    ]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/${local.p}-*"]
  }

  statement {
    sid       = "AttachOnlyLambdaVpcPolicy"
    actions   = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/${local.p}-*"]

    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values   = ["arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"]
    }
  }

  statement {
    sid       = "PassProjectRoles"
    actions   = ["iam:PassRole"]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/${local.p}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["events.amazonaws.com", "lambda.amazonaws.com", "sagemaker.amazonaws.com", "scheduler.amazonaws.com", "vpc-flow-logs.amazonaws.com"]
    }
  }

  statement {
    sid       = "SageMakerServiceLinkedRole"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/aws-service-role/sagemaker.amazonaws.com/*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["sagemaker.amazonaws.com"]
    }
  }

  statement {
    sid       = "NeverTouchTheCiRole"
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/${var.ci_role_name}", "arn:aws:iam::${var.account_ids[each.key]}:oidc-provider/*"]
  }

  # -- KMS: keys tagged with the project, aliases with the project prefix -----------------
  statement {
    sid       = "CreateProjectKeys"
    actions   = ["kms:CreateKey"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }
  }

  statement {
    sid       = "TagProjectKeys"
    actions   = ["kms:TagResource"]
    resources = ["arn:aws:kms:${var.region}:${var.account_ids[each.key]}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }
  }

  statement {
    sid = "ManageProjectKeys"
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:EnableKeyRotation",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListResourceTags",
      "kms:PutKeyPolicy",
      "kms:RotateKeyOnDemand",
      "kms:ScheduleKeyDeletion",
      "kms:UntagResource",
      "kms:UpdateKeyDescription",
    ]
    resources = ["arn:aws:kms:${var.region}:${var.account_ids[each.key]}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }

  # SageMaker (Studio volumes), Lambda (environment) and CloudWatch Logs use the key through grants.
  statement {
    sid       = "GrantsForAwsServices"
    actions   = ["kms:CreateGrant"]
    resources = ["arn:aws:kms:${var.region}:${var.account_ids[each.key]}:key/*"]

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }

  statement {
    sid     = "ProjectAliases"
    actions = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = [
      "arn:aws:kms:${var.region}:${var.account_ids[each.key]}:alias/${local.p}-*",
      "arn:aws:kms:${var.region}:${var.account_ids[each.key]}:key/*",
    ]
  }

  # -- S3: the environment's data bucket ----------------------------------------------------
  statement {
    sid = "DataBucket"
    actions = [
      "s3:CreateBucket",
      "s3:DeleteBucket",
      "s3:DeleteBucketPolicy",
      "s3:GetAccelerateConfiguration",
      "s3:GetBucket*",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:ListBucket",
      "s3:ListBucketVersions",
      "s3:PutBucketOwnershipControls",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketTagging",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
    ]
    resources = ["arn:aws:s3:::${each.value.data_bucket}"]
  }

  # training_pipeline/code.py upload_code: HeadObject (s3:GetObject) + PutObject of the step code.
  statement {
    sid       = "StepCode"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:aws:s3:::${each.value.data_bucket}/${each.value.pipeline_name}/code/*"]
  }

  # inference/smoke.py -> inference/artifacts.py: the served model.tar.gz (its label set).
  statement {
    sid       = "ReadModelArtifacts"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${each.value.data_bucket}/models/*"]
  }

  # -- SageMaker ---------------------------------------------------------------------------
  # terraform/main: Studio domain and model package group (create/read/tag/delete).
  statement {
    sid = "SageMakerTerraformResources"
    actions = [
      "sagemaker:AddTags",
      "sagemaker:CreateDomain",
      "sagemaker:CreateModelPackageGroup",
      "sagemaker:DeleteDomain",
      "sagemaker:DeleteModelPackageGroup",
      "sagemaker:DeleteTags",
      "sagemaker:DescribeDomain",
      "sagemaker:DescribeModelPackageGroup",
      "sagemaker:ListTags",
      "sagemaker:UpdateDomain",
    ]
    resources = [
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:domain/*",
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:model-package-group/${each.value.model_package_group}",
    ]
  }

  # training_pipeline/pipeline.py: upsert_pipeline (Create/UpdatePipeline; iam:PassRole of the
  # SageMaker role is PassProjectRoles) and start_execution (`invoke pipeline.run`, prod).
  statement {
    sid = "Pipeline"
    actions = [
      "sagemaker:CreatePipeline",
      "sagemaker:DescribePipeline",
      "sagemaker:DescribePipelineExecution",
      "sagemaker:ListPipelineExecutionSteps",
      "sagemaker:StartPipelineExecution",
      "sagemaker:UpdatePipeline",
    ]
    resources = [
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:pipeline/${each.value.pipeline_name}",
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:pipeline/${each.value.pipeline_name}/execution/*",
    ]
  }

  # inference/smoke.py (`invoke endpoint.test`): endpoint -> config -> model, and calls.
  statement {
    sid = "SmokeTest"
    actions = [
      "sagemaker:DescribeEndpoint",
      "sagemaker:DescribeEndpointConfig",
      "sagemaker:DescribeModel",
      "sagemaker:InvokeEndpoint",
    ]
    resources = [
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:endpoint/${each.value.endpoint_name}",
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:endpoint-config/${each.value.endpoint_name}-*",
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:model/${each.value.endpoint_name}-*",
    ]
  }

  # -- Lambda, EventBridge, Scheduler, SQS, CloudWatch Logs: project-prefixed names --------
  statement {
    sid = "ProjectFunctions"
    actions = [
      "lambda:AddPermission",
      "lambda:CreateFunction",
      "lambda:DeleteFunction",
      "lambda:DeleteFunctionConcurrency",
      "lambda:GetFunction",
      "lambda:GetFunctionCodeSigningConfig",
      "lambda:GetFunctionConcurrency",
      "lambda:GetFunctionConfiguration",
      "lambda:GetFunctionRecursionConfig",
      "lambda:GetPolicy",
      "lambda:GetRuntimeManagementConfig",
      "lambda:ListTags",
      "lambda:ListVersionsByFunction",
      "lambda:PutFunctionConcurrency",
      "lambda:RemovePermission",
      "lambda:TagResource",
      "lambda:UntagResource",
      "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration",
    ]
    resources = ["arn:aws:lambda:${var.region}:${var.account_ids[each.key]}:function:${local.p}-*"]
  }

  statement {
    sid = "ProjectRulesSchedulesQueues"
    actions = [
      "events:DeleteRule",
      "events:DescribeRule",
      "events:ListTagsForResource",
      "events:ListTargetsByRule",
      "events:PutRule",
      "events:PutTargets",
      "events:RemoveTargets",
      "events:TagResource",
      "events:UntagResource",
      "scheduler:CreateSchedule",
      "scheduler:DeleteSchedule",
      "scheduler:GetSchedule",
      "scheduler:ListTagsForResource",
      "scheduler:TagResource",
      "scheduler:UpdateSchedule",
      "sqs:CreateQueue",
      "sqs:DeleteQueue",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ListQueueTags",
      "sqs:SetQueueAttributes",
      "sqs:TagQueue",
      "sqs:UntagQueue",
    ]
    resources = [
      "arn:aws:events:${var.region}:${var.account_ids[each.key]}:rule/${local.p}-*",
      "arn:aws:scheduler:${var.region}:${var.account_ids[each.key]}:schedule/default/${local.p}-*",
      "arn:aws:sqs:${var.region}:${var.account_ids[each.key]}:${local.p}-*",
    ]
  }

  # terraform/main cost guardrails and drift monitor: alerts topic, budget, alarms
  statement {
    sid = "ProjectAlertsBudgetsAlarms"
    actions = [
      "budgets:ListTagsForResource",
      "budgets:ModifyBudget",
      "budgets:TagResource",
      "budgets:UntagResource",
      "budgets:ViewBudget",
      "cloudwatch:DeleteAlarms",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:ListTagsForResource",
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
      "sns:CreateTopic",
      "sns:DeleteTopic",
      "sns:GetSubscriptionAttributes",
      "sns:GetTopicAttributes",
      "sns:ListTagsForResource",
      "sns:SetTopicAttributes",
      "sns:Subscribe",
      "sns:TagResource",
      "sns:Unsubscribe",
      "sns:UntagResource",
    ]
    resources = [
      "arn:aws:budgets::${var.account_ids[each.key]}:budget/${local.p}-*",
      "arn:aws:cloudwatch:${var.region}:${var.account_ids[each.key]}:alarm:${local.p}-*",
      "arn:aws:sns:${var.region}:${var.account_ids[each.key]}:${local.p}-*",
    ]
  }

  statement {
    sid = "ProjectLogGroups"
    actions = [
      "logs:AssociateKmsKey",
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:DisassociateKmsKey",
      "logs:ListTagsForResource",
      "logs:PutRetentionPolicy",
      "logs:TagResource",
      "logs:UntagResource",
    ]
    resources = [
      "arn:aws:logs:${var.region}:${var.account_ids[each.key]}:log-group:/aws/lambda/${local.p}-*",
      "arn:aws:logs:${var.region}:${var.account_ids[each.key]}:log-group:/vpc/${local.p}-*",
    ]
  }

  # -- Network: EC2/VPC actions of terraform/main in this account and region ---------------
  statement {
    sid = "Network"
    actions = [
      "ec2:AllocateAddress",
      "ec2:AssociateRouteTable",
      "ec2:AttachInternetGateway",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateFlowLogs",
      "ec2:CreateInternetGateway",
      "ec2:CreateNatGateway",
      "ec2:CreateRoute",
      "ec2:CreateRouteTable",
      "ec2:CreateSecurityGroup",
      "ec2:CreateSubnet",
      "ec2:CreateTags",
      "ec2:CreateVpc",
      "ec2:CreateVpcEndpoint",
      "ec2:DeleteFlowLogs",
      "ec2:DeleteInternetGateway",
      "ec2:DeleteNatGateway",
      "ec2:DeleteRoute",
      "ec2:DeleteRouteTable",
      "ec2:DeleteSecurityGroup",
      "ec2:DeleteSubnet",
      "ec2:DeleteTags",
      "ec2:DeleteVpc",
      "ec2:DeleteVpcEndpoints",
      "ec2:DescribeVpcAttribute",
      "ec2:DetachInternetGateway",
      "ec2:DisassociateAddress",
      "ec2:DisassociateRouteTable",
      "ec2:ModifySubnetAttribute",
      "ec2:ModifyVpcAttribute",
      "ec2:ModifyVpcEndpoint",
      "ec2:ReleaseAddress",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
    ]
    resources = [
      "arn:aws:ec2:${var.region}:${var.account_ids[each.key]}:*",
      "arn:aws:ec2:${var.region}::prefix-list/*",
    ]
  }

  # -- Read-only calls that IAM cannot scope to a resource ---------------------------------
  statement {
    sid = "Describe"
    actions = [
      "ec2:DescribeAddresses",
      "ec2:DescribeAvailabilityZones",
      "ec2:DescribeFlowLogs",
      "ec2:DescribeInternetGateways",
      "ec2:DescribeNatGateways",
      "ec2:DescribeNetworkAcls",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribePrefixLists",
      "ec2:DescribeRouteTables",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSubnets",
      "ec2:DescribeTags",
      "ec2:DescribeVpcEndpointServices",
      "ec2:DescribeVpcEndpoints",
      "ec2:DescribeVpcs",
      "ecr:GetAuthorizationToken",
      "kms:ListAliases",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }
}
