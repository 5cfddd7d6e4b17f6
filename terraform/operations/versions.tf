terraform {
  # S3 native state locking (use_lockfile) needs Terraform 1.10.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # Partial configuration: `invoke operations` passes bucket, key, region and use_lockfile
  # with -backend-config (values from .env; no bucket name in code).
  backend "s3" {}
}

# Operations account: state key lookup, ECR, releases, its OIDC provider and CI role.
provider "aws" {
  region                      = var.region
  profile                     = var.enable_profile ? var.profiles["operations"] : null
  allowed_account_ids         = [var.account_ids.operations]
  skip_credentials_validation = var.use_emulator
  skip_metadata_api_check     = var.use_emulator
  s3_use_path_style           = var.use_emulator
  # Emulator only: a call the emulator does not implement fails within seconds instead of
  # being retried for minutes (on AWS the provider's defaults apply).
  max_retries            = var.use_emulator ? 5 : null
  retry_mode             = var.use_emulator ? "standard" : null
  skip_region_validation = var.use_emulator

  dynamic "assume_role" {
    for_each = var.use_emulator ? [var.account_ids.operations] : []

    content {
      role_arn = "arn:aws:iam::${assume_role.value}:role/emulator-admin"
    }
  }

  default_tags {
    tags = merge(var.tags, { Project = var.project, Account = "operations", ManagedBy = "terraform" })
  }
}

# dev account: OIDC provider and CI role only.
provider "aws" {
  alias = "dev"

  region                      = var.region
  profile                     = var.enable_profile ? var.profiles["dev"] : null
  allowed_account_ids         = [var.account_ids.dev]
  skip_credentials_validation = var.use_emulator
  skip_metadata_api_check     = var.use_emulator
  s3_use_path_style           = var.use_emulator
  # Emulator only: a call the emulator does not implement fails within seconds instead of
  # being retried for minutes (on AWS the provider's defaults apply).
  max_retries            = var.use_emulator ? 5 : null
  retry_mode             = var.use_emulator ? "standard" : null
  skip_region_validation = var.use_emulator

  dynamic "assume_role" {
    for_each = var.use_emulator ? [var.account_ids.dev] : []

    content {
      role_arn = "arn:aws:iam::${assume_role.value}:role/emulator-admin"
    }
  }

  default_tags {
    tags = merge(var.tags, { Project = var.project, Account = "dev", ManagedBy = "terraform" })
  }
}

# staging account: OIDC provider and CI role only.
provider "aws" {
  alias = "staging"

  region                      = var.region
  profile                     = var.enable_profile ? var.profiles["staging"] : null
  allowed_account_ids         = [var.account_ids.staging]
  skip_credentials_validation = var.use_emulator
  skip_metadata_api_check     = var.use_emulator
  s3_use_path_style           = var.use_emulator
  # Emulator only: a call the emulator does not implement fails within seconds instead of
  # being retried for minutes (on AWS the provider's defaults apply).
  max_retries            = var.use_emulator ? 5 : null
  retry_mode             = var.use_emulator ? "standard" : null
  skip_region_validation = var.use_emulator

  dynamic "assume_role" {
    for_each = var.use_emulator ? [var.account_ids.staging] : []

    content {
      role_arn = "arn:aws:iam::${assume_role.value}:role/emulator-admin"
    }
  }

  default_tags {
    tags = merge(var.tags, { Project = var.project, Account = "staging", ManagedBy = "terraform" })
  }
}

# prod account: OIDC provider and CI role only.
provider "aws" {
  alias = "prod"

  region                      = var.region
  profile                     = var.enable_profile ? var.profiles["prod"] : null
  allowed_account_ids         = [var.account_ids.prod]
  skip_credentials_validation = var.use_emulator
  skip_metadata_api_check     = var.use_emulator
  s3_use_path_style           = var.use_emulator
  # Emulator only: a call the emulator does not implement fails within seconds instead of
  # being retried for minutes (on AWS the provider's defaults apply).
  max_retries            = var.use_emulator ? 5 : null
  retry_mode             = var.use_emulator ? "standard" : null
  skip_region_validation = var.use_emulator

  dynamic "assume_role" {
    for_each = var.use_emulator ? [var.account_ids.prod] : []

    content {
      role_arn = "arn:aws:iam::${assume_role.value}:role/emulator-admin"
    }
  }

  default_tags {
    tags = merge(var.tags, { Project = var.project, Account = "prod", ManagedBy = "terraform" })
  }
}
