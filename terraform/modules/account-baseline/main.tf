################################################################################
# Account baseline applied by a person: permissions boundaries, account-wide S3 PAB
################################################################################

# Managed policies used only as permissions boundaries. They are created here, by the root a
# person applies with an administrator profile; every CI policy denies editing or deleting them.
resource "aws_iam_policy" "this" {
  for_each = var.create ? var.boundaries : {}

  name        = each.key
  description = each.value.description
  policy      = each.value.policy_json
  tags        = var.tags
}

# No bucket of the account can become public, whatever its own policy or settings say.
resource "aws_s3_account_public_access_block" "this" {
  count = var.create && var.block_public_s3 ? 1 : 0

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
