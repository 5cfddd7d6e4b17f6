################################################################################
# Permissions boundaries and account-wide S3 public access block, in all four accounts.
# Applied by a person (`invoke operations`, administrator profiles); no CI role may edit them.
################################################################################

locals {
  accounts = ["operations", "dev", "staging", "prod"]

  ci_boundary_name       = "${var.project}-ci-boundary"
  workload_boundary_name = "${var.project}-workload-boundary"

  # Names, not references: the CI policies and terraform/main compute the same ARNs.
  boundary_arns = {
    for account in local.accounts : account => {
      ci       = "arn:aws:iam::${var.account_ids[account]}:policy/${local.ci_boundary_name}"
      workload = "arn:aws:iam::${var.account_ids[account]}:policy/${local.workload_boundary_name}"
    }
  }
}

# Explicit denies in every CI role's inline policy and in the CI boundary: an Allow added
# later to either cannot lift them.
data "aws_iam_policy_document" "ci_guardrails" {
  for_each = toset(local.accounts)

  statement {
    sid       = "NeverTouchTheCiRoleOrOidc"
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/${var.ci_role_name}", "arn:aws:iam::${var.account_ids[each.key]}:oidc-provider/*"]
  }

  statement {
    sid       = "NeverRemoveABoundary"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]
    resources = ["*"]
  }

  statement {
    sid    = "NeverEditTheBoundaries"
    effect = "Deny"
    actions = [
      "iam:CreatePolicyVersion",
      "iam:DeletePolicy",
      "iam:DeletePolicyVersion",
      "iam:SetDefaultPolicyVersion",
      "iam:TagPolicy",
      "iam:UntagPolicy",
    ]
    resources = values(local.boundary_arns[each.key])
  }

  statement {
    sid    = "NeverChangePublicAccess"
    effect = "Deny"
    actions = [
      "s3:DeleteBucketPolicy",
      "s3:PutAccessPointPublicAccessBlock",
      "s3:PutAccountPublicAccessBlock",
      "s3:PutBucketAcl",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutObjectAcl",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "NeverOrganizationsOrAccountSettings"
    effect    = "Deny"
    actions   = ["account:*", "organizations:*"]
    resources = ["*"]
  }
}

# Ceiling of every CI role: the services the project uses, in its accounts and region, on
# project-named resources; roles only with the workload boundary. The inline policies are the
# exact lists (policies.tf, policies_network.tf); this bounds them should one grow.
data "aws_iam_policy_document" "ci_boundary" {
  for_each = toset(local.accounts)

  source_policy_documents = [data.aws_iam_policy_document.ci_guardrails[each.key].json]

  statement {
    sid       = "ProjectBucketsAndObjects"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]
    resources = ["arn:aws:s3:::${var.project}-*"]
  }

  statement {
    sid = "ProjectImages"
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
    resources = ["arn:aws:ecr:${var.region}:${var.account_ids.operations}:repository/${var.project}/*"]
  }

  statement {
    sid = "Keys"
    actions = [
      "kms:CreateAlias",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:DeleteAlias",
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
      "kms:UpdateAlias",
      "kms:UpdateKeyDescription",
    ]
    resources = [
      "arn:aws:kms:${var.region}:${var.account_ids[each.key]}:key/*",
      "arn:aws:kms:${var.region}:${var.account_ids[each.key]}:alias/${var.project}-*",
      "arn:aws:kms:${var.region}:${var.account_ids.operations}:key/*",
    ]
  }

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
    sid = "ProjectRoles"
    actions = [
      "iam:DeleteRole",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:PassRole",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
    ]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/${var.project}-*"]
  }

  statement {
    sid = "RolesCarryTheWorkloadBoundary"
    actions = [
      "iam:AttachRolePolicy",
      "iam:CreateRole",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
    ]
    resources = ["arn:aws:iam::${var.account_ids[each.key]}:role/${var.project}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arns[each.key].workload]
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
    sid     = "ProjectServices"
    actions = ["events:*", "lambda:*", "logs:*", "sagemaker:*", "scheduler:*", "sqs:*"]
    resources = [
      "arn:aws:events:${var.region}:${var.account_ids[each.key]}:rule/${var.project}-*",
      "arn:aws:lambda:${var.region}:${var.account_ids[each.key]}:function:${var.project}-*",
      "arn:aws:logs:${var.region}:${var.account_ids[each.key]}:log-group:/aws/lambda/${var.project}-*",
      "arn:aws:logs:${var.region}:${var.account_ids[each.key]}:log-group:/vpc/${var.project}-*",
      "arn:aws:sagemaker:${var.region}:${var.account_ids[each.key]}:*",
      "arn:aws:scheduler:${var.region}:${var.account_ids[each.key]}:schedule/default/${var.project}-*",
      "arn:aws:sqs:${var.region}:${var.account_ids[each.key]}:${var.project}-*",
    ]
  }

  statement {
    sid       = "Network"
    actions   = ["ec2:*"]
    resources = ["arn:aws:ec2:${var.region}:${var.account_ids[each.key]}:*", "arn:aws:ec2:${var.region}::prefix-list/*"]
  }

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

# Ceiling of every role CI creates (SageMaker execution, auto-deploy Lambda, scheduler, flow
# logs): exactly the actions those roles' policies use, in this account. No IAM write except
# the Application Auto Scaling service-linked role the deployer's first scaling call creates.
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
    sid       = "SageMakerMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*"]
    }
  }
}

module "baseline_operations" {
  source = "../modules/account-baseline"

  boundaries = {
    (local.ci_boundary_name) = { description = "Boundary of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_boundary["operations"].json }
  }

  # S3 Control addresses <account id>.<endpoint>, which the emulator cannot answer.
  block_public_s3 = !var.use_emulator
}

module "baseline_dev" {
  source    = "../modules/account-baseline"
  providers = { aws = aws.dev }

  boundaries = {
    (local.ci_boundary_name)       = { description = "Boundary of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_boundary["dev"].json }
    (local.workload_boundary_name) = { description = "Boundary of every role terraform/main creates", policy_json = data.aws_iam_policy_document.workload_boundary["dev"].json }
  }

  # S3 Control addresses <account id>.<endpoint>, which the emulator cannot answer.
  block_public_s3 = !var.use_emulator
}

module "baseline_staging" {
  source    = "../modules/account-baseline"
  providers = { aws = aws.staging }

  boundaries = {
    (local.ci_boundary_name)       = { description = "Boundary of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_boundary["staging"].json }
    (local.workload_boundary_name) = { description = "Boundary of every role terraform/main creates", policy_json = data.aws_iam_policy_document.workload_boundary["staging"].json }
  }

  # S3 Control addresses <account id>.<endpoint>, which the emulator cannot answer.
  block_public_s3 = !var.use_emulator
}

module "baseline_prod" {
  source    = "../modules/account-baseline"
  providers = { aws = aws.prod }

  boundaries = {
    (local.ci_boundary_name)       = { description = "Boundary of the GitHub CI role", policy_json = data.aws_iam_policy_document.ci_boundary["prod"].json }
    (local.workload_boundary_name) = { description = "Boundary of every role terraform/main creates", policy_json = data.aws_iam_policy_document.workload_boundary["prod"].json }
  }

  # S3 Control addresses <account id>.<endpoint>, which the emulator cannot answer.
  block_public_s3 = !var.use_emulator
}
