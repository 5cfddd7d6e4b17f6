variable "create" {
  description = "Whether to create the repository."
  type        = bool
  default     = true
}

variable "name" {
  description = "Repository name, e.g. `my-project/training`."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.name))
    error_message = "Repository names are lowercase letters, digits, '.', '_', '-' and '/' separators."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the images."
  type        = string
}

variable "pull_account_ids" {
  description = "Account ids whose principals (and whose SageMaker and Lambda services) may pull images."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.pull_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "Account ids are 12 digits."
  }
}

variable "lifecycle_rules" {
  description = "How many commit-tagged images to keep and after how many days untagged images are expired."
  type = object({
    keep_tagged_images   = optional(number, 200)
    untagged_expiry_days = optional(number, 7)
  })
  default = {}
}

variable "tags" {
  description = "Tags for the repository."
  type        = map(string)
  default     = {}
}
