terraform {
  # S3 native state locking (use_lockfile) needs Terraform 1.10.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # Partial configuration: `invoke deploy --env=X` passes bucket, key, region and
  # use_lockfile with -backend-config; each environment is a workspace (env:/X/...).
  backend "s3" {}
}

provider "aws" {
  region                      = var.region
  profile                     = var.enable_profile ? var.profiles[var.environment] : null
  allowed_account_ids         = [var.account_ids[var.environment]]
  skip_credentials_validation = var.use_emulator
  skip_metadata_api_check     = var.use_emulator
  s3_use_path_style           = var.use_emulator
  # Emulator only: a call the emulator does not implement fails within seconds instead of
  # being retried for minutes (on AWS the provider's defaults apply).
  max_retries            = var.use_emulator ? 5 : null
  retry_mode             = var.use_emulator ? "standard" : null
  skip_region_validation = var.use_emulator

  dynamic "assume_role" {
    for_each = var.use_emulator ? [var.account_ids[var.environment]] : []

    content {
      role_arn = "arn:aws:iam::${assume_role.value}:role/emulator-admin"
    }
  }

  default_tags {
    tags = merge(var.tags, { Project = var.project, Environment = var.environment, ManagedBy = "terraform" })
  }
}
