################################################################################
# GitHub Actions OIDC identity provider (one per account)
################################################################################

# No thumbprint_list: since provider v5.81 it is optional, and AWS validates GitHub's
# certificate against its own trusted CA library.
resource "aws_iam_openid_connect_provider" "this" {
  count = var.create ? 1 : 0

  url            = var.url
  client_id_list = var.client_id_list
  tags           = var.tags
}
