################################################################################
# SageMaker model package group (model registry of one environment)
################################################################################

resource "aws_sagemaker_model_package_group" "this" {
  count = var.create ? 1 : 0

  model_package_group_name        = var.name
  model_package_group_description = var.description
  tags                            = var.tags
}
