################################################################################
# CI environment roles, EC2: create only with the project tag, change only what carries it
################################################################################

locals {
  # Create action -> the resource type it creates. The new resource must be tagged
  # Project=<project> in the create call itself (tag on create; the provider's default_tags).
  ec2_creates = {
    "ec2:AllocateAddress"       = "elastic-ip"
    "ec2:CreateFlowLogs"        = "vpc-flow-log"
    "ec2:CreateInternetGateway" = "internet-gateway"
    "ec2:CreateNatGateway"      = "natgateway"
    "ec2:CreateRouteTable"      = "route-table"
    "ec2:CreateSecurityGroup"   = "security-group"
    "ec2:CreateSubnet"          = "subnet"
    "ec2:CreateVpc"             = "vpc"
    "ec2:CreateVpcEndpoint"     = "vpc-endpoint"
  }

  # Existing resources a create call names (the VPC of a subnet, the subnet of a NAT gateway...).
  ec2_parents = ["elastic-ip", "route-table", "security-group", "subnet", "vpc"]
}

data "aws_iam_policy_document" "ci_network" {
  for_each = var.environments

  # One statement per create action, on the type it creates only: a tagged request cannot
  # reach into an untagged VPC or subnet through another statement's resource type.
  dynamic "statement" {
    for_each = local.ec2_creates

    content {
      sid       = "Tagged${replace(statement.key, "ec2:", "")}"
      actions   = [statement.key]
      resources = ["arn:aws:ec2:${var.region}:${var.account_ids[each.key]}:${statement.value}/*"]

      condition {
        test     = "StringEquals"
        variable = "aws:RequestTag/Project"
        values   = [var.project]
      }
    }
  }

  statement {
    sid       = "CreateInProjectParents"
    actions   = keys(local.ec2_creates)
    resources = [for type in local.ec2_parents : "arn:aws:ec2:${var.region}:${var.account_ids[each.key]}:${type}/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }

  # Tags in the create call itself (ec2:CreateAction) must carry the project.
  statement {
    sid       = "TagOnCreate"
    actions   = ["ec2:CreateTags"]
    resources = ["arn:aws:ec2:${var.region}:${var.account_ids[each.key]}:*"]

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = [for action in keys(local.ec2_creates) : replace(action, "ec2:", "")]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }
  }

  # aws_default_security_group adopts the default group AWS creates with a VPC (untagged):
  # tag it once, only a group with no Project tag yet. README "Security decisions" lists this.
  statement {
    sid       = "AdoptDefaultSecurityGroup"
    actions   = ["ec2:CreateTags"]
    resources = ["arn:aws:ec2:${var.region}:${var.account_ids[each.key]}:security-group/*"]

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/Project"
      values   = ["true"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }
  }

  statement {
    sid = "ChangeProjectNetwork"
    actions = [
      "ec2:AssociateRouteTable",
      "ec2:AttachInternetGateway",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateRoute",
      "ec2:CreateTags",
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
      "ec2:DescribeAddressesAttribute",
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
    resources = ["arn:aws:ec2:${var.region}:${var.account_ids[each.key]}:*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project]
    }
  }

  # Rules are sub-resources of a (tagged) group; AWS-managed prefix lists carry no tags.
  statement {
    sid = "RulesAndPrefixLists"
    actions = [
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateVpcEndpoint",
      "ec2:ModifyVpcEndpoint",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
    ]
    resources = [
      "arn:aws:ec2:${var.region}:${var.account_ids[each.key]}:security-group-rule/*",
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
