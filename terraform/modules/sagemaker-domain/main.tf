################################################################################
# SageMaker Studio domain in private subnets (VpcOnly), KMS-encrypted
################################################################################

resource "aws_security_group" "this" {
  count = var.create ? 1 : 0

  #checkov:skip=CKV2_AWS_5:Attached through aws_sagemaker_domain.default_user_settings.security_groups, which checkov does not follow
  name        = "${var.name}-studio"
  description = "SageMaker Studio apps: traffic between apps, HTTPS to VPC endpoints and S3"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-studio" })

  ingress {
    description = "Studio apps talk to each other (Jupyter server, kernels, EFS)"
    from_port   = 0
    to_port     = 65535
    protocol    = "tcp"
    self        = true
  }

  egress {
    description = "Studio apps talk to each other (Jupyter server, kernels, EFS)"
    from_port   = 0
    to_port     = 65535
    protocol    = "tcp"
    self        = true
  }

  egress {
    description = "HTTPS to the interface VPC endpoints"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr_block]
  }

  egress {
    description     = "HTTPS to S3 through the gateway endpoint"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    prefix_list_ids = [var.s3_prefix_list_id]
  }
}

resource "aws_sagemaker_domain" "this" {
  count = var.create ? 1 : 0

  domain_name             = var.name
  auth_mode               = "IAM"
  vpc_id                  = var.vpc_id
  subnet_ids              = var.subnet_ids
  app_network_access_type = "VpcOnly"
  kms_key_id              = var.kms_key_arn

  default_user_settings {
    execution_role  = var.execution_role_arn
    security_groups = [aws_security_group.this[0].id]
  }

  # Destroying the domain also deletes its home EFS, so `terraform destroy` leaves nothing behind.
  retention_policy {
    home_efs_file_system = "Delete"
  }

  tags = var.tags
}
