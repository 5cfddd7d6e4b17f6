variable "project" {
  description = "Project name, the prefix of every resource name (PROJECT_NAME in .env)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.project))
    error_message = "Use 3-24 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "region" {
  description = "AWS region of every account (AWS_REGION in .env)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2,4}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]{1,2}$", var.region))
    error_message = "Use an AWS region code (AWS_REGION in .env)."
  }
}

variable "account_ids" {
  description = "Account ids of the four accounts (*_ACCOUNT_ID in .env)."
  type = object({
    operations = string
    dev        = string
    staging    = string
    prod       = string
  })

  validation {
    condition     = alltrue([for id in values(var.account_ids) : can(regex("^[0-9]{12}$", id))])
    error_message = "Account ids are 12 digits."
  }
}

variable "state_bucket_name" {
  description = "Name of the Terraform state bucket (Config.state_bucket())."
  type        = string
}

variable "ci_role_name" {
  description = "Name of the GitHub CI role in each account; the env accounts' roles get access to their own workspace's state."
  type        = string
}

variable "enable_profile" {
  description = "Use the named AWS profiles (on a laptop); false in CI, where GitHub OIDC credentials are ambient."
  type        = bool
  default     = false
}

variable "profiles" {
  description = "Named AWS profiles of the accounts (AWS_PROFILE_* in .env), used when enable_profile is true."
  type        = map(string)
  default     = {}
}

variable "use_emulator" {
  description = "Point the provider at the local emulator (AWS_ENDPOINT_URL): skip credential checks, path-style S3, assume a role into the account. Best effort."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
