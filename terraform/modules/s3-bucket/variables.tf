variable "create" {
  description = "Whether to create the bucket and its settings."
  type        = bool
  default     = true
}

variable "bucket" {
  description = "Name of the bucket (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "Bucket names are 3-63 lowercase letters, digits, '.' or '-'."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key used for default encryption (SSE-KMS, bucket keys on)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-zA-Z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "Use at least one day."
  }
}

variable "newer_noncurrent_versions" {
  description = "Number of newest noncurrent versions kept regardless of age (null: expire by age only)."
  type        = number
  default     = null
}

variable "policy_json" {
  description = "Additional bucket policy statements (JSON from an aws_iam_policy_document); merged with the TLS-only statement."
  type        = string
  default     = null
}

variable "deny_insecure_transport" {
  description = "Deny every request not made over TLS. Only the local emulator (plain HTTP) turns this off."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Delete all objects when the bucket is destroyed (keep false for state and data)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the bucket."
  type        = map(string)
  default     = {}
}
