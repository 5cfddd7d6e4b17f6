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

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the CI roles (GITHUB_REPO in .env)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "Write the repository as owner/name."
  }
}

variable "state_bucket_name" {
  description = "Name of the Terraform state bucket created by the backend root (Config.state_bucket())."
  type        = string
}

variable "ci_role_name" {
  description = "Name of the GitHub CI role created in each of the four accounts."
  type        = string
}

variable "ecr_repositories" {
  description = "ECR repository names by image (training, inference, lambda)."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["training", "inference", "lambda"], keys(var.ecr_repositories))) == 0
    error_message = "Name a repository for each of training, inference and lambda."
  }
}

variable "release_bucket_name" {
  description = "Bucket (operations account) holding the release manifests CI writes after pushing images."
  type        = string
}

variable "huggingface_training_image_repository" {
  description = "Registry account and repository of the Hugging Face PyTorch training image the transformer family runs in (awsenv/images.py); the workload boundary lets the SageMaker role pull it."
  type = object({
    account_id = string
    name       = string
  })

  validation {
    condition     = can(regex("^[0-9]{12}$", var.huggingface_training_image_repository.account_id)) && can(regex("^[a-z0-9][a-z0-9._/-]*$", var.huggingface_training_image_repository.name))
    error_message = "Give the image's registry account (12 digits) and repository name, as awsenv.images.huggingface_training_repository returns them."
  }
}

variable "huggingface_inference_image_repository" {
  description = "Registry account and repository of the Hugging Face PyTorch inference image that serves the transformer family's models (awsenv/images.py); the workload boundary lets the SageMaker role pull it."
  type = object({
    account_id = string
    name       = string
  })

  validation {
    condition     = can(regex("^[0-9]{12}$", var.huggingface_inference_image_repository.account_id)) && can(regex("^[a-z0-9][a-z0-9._/-]*$", var.huggingface_inference_image_repository.name))
    error_message = "Give the image's registry account (12 digits) and repository name, as awsenv.images.huggingface_inference_repository returns them."
  }
}

variable "environments" {
  description = "Names the CI role of each environment account may manage (resources of terraform/main and the pipeline)."
  type = map(object({
    data_bucket         = string
    endpoint_name       = string
    model_package_group = string
    pipeline_name       = string
  }))

  validation {
    condition     = length(setsubtract(["dev", "staging", "prod"], keys(var.environments))) == 0
    error_message = "Describe each of dev, staging and prod."
  }
}

variable "enable_profile" {
  description = "Use the named AWS profiles of the four accounts (on a laptop). The operations root configures all four accounts, so it is applied with profiles, not from CI."
  type        = bool
  default     = false
}

variable "profiles" {
  description = "Named AWS profiles of the accounts (AWS_PROFILE_* in .env), used when enable_profile is true."
  type        = map(string)
  default     = {}
}

variable "use_emulator" {
  description = "Point the providers at the local emulator (AWS_ENDPOINT_URL): skip credential checks, path-style S3, assume a role into each account. Best effort."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
