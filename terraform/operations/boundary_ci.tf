################################################################################
# <project>-ci-boundary: the permissions boundary of the four CI roles
################################################################################

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
