variable "create" {
  description = "Whether to create the role."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the SageMaker execution role."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "IAM role names are 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "bucket_arn" {
  description = "ARN of the environment's data/artifact bucket (the only bucket the role can use)."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the KMS key encrypting the bucket."
  type        = string
}

variable "ecr_repository_arns" {
  description = "ARNs of the ECR repositories (in the operations account) the role may pull from."
  type        = list(string)
}

variable "model_package_group_name" {
  description = "Name of the model package group the pipeline registers into."
  type        = string
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}
