variable "create" {
  description = "Whether to create the baseline."
  type        = bool
  default     = true
}

variable "boundaries" {
  description = "Permissions-boundary policies to create, by policy name: a description and the JSON of an aws_iam_policy_document."
  type = map(object({
    description = string
    policy_json = string
  }))

  validation {
    condition     = alltrue([for name in keys(var.boundaries) : can(regex("^[a-zA-Z0-9+=,.@_-]{1,128}$", name))])
    error_message = "Policy names are 1-128 characters of letters, digits and +=,.@_-."
  }
}

variable "block_public_s3" {
  description = "Turn on all four settings of the account-level S3 public access block."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the policies."
  type        = map(string)
  default     = {}
}
