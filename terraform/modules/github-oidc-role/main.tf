################################################################################
# IAM role assumed by GitHub Actions (OIDC), limited to exact sub claims
################################################################################

data "aws_iam_policy_document" "assume" {
  count = var.create ? 1 : 0

  statement {
    sid     = "GitHubActions"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.oidc_provider_url}:aud"
      values   = ["sts.amazonaws.com"]
    }

    # StringEquals, not StringLike: each allowed workflow context is spelled out.
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_provider_url}:sub"
      values   = var.subjects
    }
  }
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name                 = var.name
  description          = var.description
  assume_role_policy   = data.aws_iam_policy_document.assume[0].json
  permissions_boundary = var.permissions_boundary_arn
  max_session_duration = var.max_session_duration
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = "${var.name}-permissions"
  role   = aws_iam_role.this[0].id
  policy = var.policy_json
}

# Customer managed policies (created with the role, by the same root) for what does not fit
# the 10,240-character limit of a role's inline policies.
resource "aws_iam_policy" "managed" {
  for_each = var.create ? var.managed_policies : {}

  name        = each.key
  description = each.value.description
  policy      = each.value.policy_json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each = var.create ? var.managed_policies : {}

  role       = aws_iam_role.this[0].name
  policy_arn = aws_iam_policy.managed[each.key].arn
}
