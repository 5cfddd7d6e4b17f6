variable "create" {
  description = "Whether to create the key (and its alias)."
  type        = bool
  default     = true
}

variable "alias" {
  description = "Alias name without the `alias/` prefix, e.g. `my-project-tfstate`."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]{1,250}$", var.alias)) && !startswith(var.alias, "aws/")
    error_message = "The alias may contain letters, digits, '/', '_' and '-', and must not start with 'aws/'."
  }
}

variable "description" {
  description = "Description of the key."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Waiting period before a key scheduled for deletion is deleted (7-30 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "The deletion window must be between 7 and 30 days."
  }
}

variable "user_principal_arns" {
  description = "IAM principal ARNs (roles or account roots) allowed to use the key for encryption and decryption."
  type        = list(string)
  default     = []
}

variable "user_principal_conditions" {
  description = "Extra conditions on the key-user statement, e.g. `aws:PrincipalArn` for cross-account roles that may not exist yet."
  type = list(object({
    test     = string
    variable = string
    values   = list(string)
  }))
  default = []
}

variable "service_principals" {
  description = "AWS service principals (e.g. `events.amazonaws.com`) allowed to use the key, each limited to the calling account by `aws:SourceAccount`."
  type        = list(string)
  default     = []
}

variable "allow_cloudwatch_logs" {
  description = "Let CloudWatch Logs of this account and region encrypt log groups with the key."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
}
