variable "create" {
  description = "Whether to create the function, its rule and everything around them."
  type        = bool
  default     = true
}

variable "function_name" {
  description = "Name of the Lambda function."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.function_name))
    error_message = "Lambda function names are 1-64 letters, digits, '-' or '_'."
  }
}

variable "image_uri" {
  description = "Container image of the function, tagged by commit SHA (never `latest`)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+:[0-9a-f]{7,64}$", var.image_uri))
    error_message = "image_uri must be an ECR image tagged with a commit SHA (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<sha>); 'latest' is not allowed."
  }
}

variable "model_package_group_name" {
  description = "The rule only matches state changes of packages in this group."
  type        = string
}

variable "endpoint_name" {
  description = "Endpoint the function creates or updates; it may only touch resources named after it."
  type        = string
}

variable "sagemaker_execution_role_arn" {
  description = "Role the endpoint's model runs as (passed to SageMaker by the function)."
  type        = string
}

variable "environment_variables" {
  description = "Environment variables of the function (configuration, no secrets)."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC the function runs in."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR block of the VPC (the function reaches the SageMaker API through interface endpoints there)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the function runs in."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for the environment variables, logs and the dead-letter queue."
  type        = string
}

variable "settings" {
  description = "Runtime settings of the function."
  type = object({
    timeout_seconds      = optional(number, 300)
    memory_mb            = optional(number, 512)
    reserved_concurrency = optional(number, 2)
    log_retention_days   = optional(number, 365)
  })
  default = {}
}

variable "tags" {
  description = "Tags for every resource."
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
