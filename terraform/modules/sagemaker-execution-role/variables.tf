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

variable "bucket_read_prefixes" {
  description = "Key prefixes of the bucket the role may read (each ends with '/')."
  type        = list(string)

  validation {
    condition     = length(var.bucket_read_prefixes) > 0 && alltrue([for p in var.bucket_read_prefixes : endswith(p, "/") && !startswith(p, "/") && !strcontains(p, "*")])
    error_message = "Give key prefixes such as \"models/\": no leading '/', a trailing '/', no wildcards."
  }
}

variable "bucket_write_prefixes" {
  description = "Key prefixes of the bucket the role may write (each ends with '/')."
  type        = list(string)

  validation {
    condition     = length(var.bucket_write_prefixes) > 0 && alltrue([for p in var.bucket_write_prefixes : endswith(p, "/") && !startswith(p, "/") && !strcontains(p, "*")])
    error_message = "Give key prefixes such as \"models/\": no leading '/', a trailing '/', no wildcards."
  }
}

variable "kms_key_arn" {
  description = "ARN of the KMS key encrypting the bucket."
  type        = string
}

variable "ecr_repository_arns" {
  description = "ARNs of the ECR repositories (in the operations account) the role may pull from (training and inference images)."
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

variable "permissions_boundary_arn" {
  description = "ARN of the permissions boundary the role must carry (created by terraform/operations; the CI policy refuses a role without it)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:policy/", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>)."
  }
}
