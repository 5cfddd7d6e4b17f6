################################################################################
# Permissions of the CI roles (least privilege, scoped by name prefix and account)
################################################################################

locals {
  p    = var.project
  name = { for env in keys(var.environments) : env => "${var.project}-${env}" }
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

  # EC2 (policies_network.tf) and the explicit denies (boundaries.tf) are managed policies
  # attached to the same role (main.tf): an inline policy holds at most 10,240 characters.

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

  # -- IAM: project roles, only with the workload boundary (terraform/operations/boundaries.tf)
  # Reads and changes that IAM cannot condition on the boundary. A role's trust can be changed,
  # but its permissions stay inside the workload boundary (README "Security decisions").
  statement {
    sid = "ProjectRoles"
    actions = [
      "iam:DeleteRole",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
    ]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/${local.p}-*"]
  }

  # Create a role or change its permissions only when it carries the workload boundary.
  statement {
    sid = "RolesCarryTheWorkloadBoundary"
    actions = [
      "iam:CreateRole",
      "iam:DeleteRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
    ]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/${local.p}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arns[each.key].workload]
    }
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

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arns[each.key].workload]
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

  # -- KMS: only keys terraform/main created in this environment (tags Project and Environment
  # set at CreateKey). TagResource checks the key's existing tags too, so a key made elsewhere
  # (the person-applied data key, any other key of the account) cannot be adopted.
  statement {
    sid       = "CreateProjectKeys"
    actions   = ["kms:CreateKey"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
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
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateKeyDescription",
    ]
    resources = ["arn:aws:kms:${var.region}:${var.account_ids[each.key]}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
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

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  # An alias action needs both the alias and the key: names with the prefix, keys of this env.
  statement {
    sid       = "ProjectAliasNames"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["arn:aws:kms:${var.region}:${var.account_ids[each.key]}:alias/${local.name[each.key]}"]
  }

  statement {
    sid       = "AliasProjectKeys"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["arn:aws:kms:${var.region}:${var.account_ids[each.key]}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  # -- S3: the data bucket and its key belong to terraform/operations (data_buckets.tf); CI
  # only reads and writes the objects below, and can change no bucket setting.
  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [local.data_key_arns[each.key]]
  }

  statement {
    sid       = "ListDataBucket"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${each.value.data_bucket}"]
  }

  # training_pipeline/code.py upload_code: ListObjectsV2 of the code prefix (ListDataBucket above) +
  # PutObject of the step code.
  statement {
    sid       = "StepCode"
    actions   = ["s3:PutObject"]
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

  # inference/smoke.py (`invoke endpoint.test`): endpoint -> config -> model, and calls;
  # the model package's registered artifact digests (checked before metadata.json is read).
  statement {
    sid = "SmokeTest"
    actions = [
      "sagemaker:DescribeEndpoint",
      "sagemaker:DescribeEndpointConfig",
      "sagemaker:DescribeModel",
      "sagemaker:DescribeModelPackage",
      "sagemaker:InvokeEndpoint",
    ]
    resources = [
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:endpoint/${each.value.endpoint_name}",
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:endpoint-config/${each.value.endpoint_name}-*",
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:model/${each.value.endpoint_name}-*",
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:model-package/${each.value.model_package_group}/*",
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
}
