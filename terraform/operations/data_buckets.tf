################################################################################
# Each environment's data bucket and its key, in that environment's account. Here, in the
# root a person applies, so that no CI role can change the bucket's policy, public access
# block, encryption or versioning, nor the key's policy (terraform/main only reads them).
################################################################################

locals {
  data_key_arns = {
    dev     = module.data_key_dev.key_arn
    staging = module.data_key_staging.key_arn
    prod    = module.data_key_prod.key_arn
  }
}

module "data_key_dev" {
  source    = "../modules/kms-key"
  providers = { aws = aws.dev }

  alias       = "${var.project}-dev-data"
  description = "Data bucket of ${var.project}-dev"
}

module "data_bucket_dev" {
  source    = "../modules/s3-bucket"
  providers = { aws = aws.dev }

  bucket                             = var.environments.dev.data_bucket
  kms_key_arn                        = module.data_key_dev.key_arn
  noncurrent_version_expiration_days = 180
  deny_insecure_transport            = !var.use_emulator
}

module "data_key_staging" {
  source    = "../modules/kms-key"
  providers = { aws = aws.staging }

  alias       = "${var.project}-staging-data"
  description = "Data bucket of ${var.project}-staging"
}

module "data_bucket_staging" {
  source    = "../modules/s3-bucket"
  providers = { aws = aws.staging }

  bucket                             = var.environments.staging.data_bucket
  kms_key_arn                        = module.data_key_staging.key_arn
  noncurrent_version_expiration_days = 180
  deny_insecure_transport            = !var.use_emulator
}

module "data_key_prod" {
  source    = "../modules/kms-key"
  providers = { aws = aws.prod }

  alias       = "${var.project}-prod-data"
  description = "Data bucket of ${var.project}-prod"
}

module "data_bucket_prod" {
  source    = "../modules/s3-bucket"
  providers = { aws = aws.prod }

  bucket                             = var.environments.prod.data_bucket
  kms_key_arn                        = module.data_key_prod.key_arn
  noncurrent_version_expiration_days = 180
  deny_insecure_transport            = !var.use_emulator
}
