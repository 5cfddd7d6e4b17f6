variable "create" {
  description = "Whether to create the role."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the role."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "IAM role names are 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "description" {
  description = "Description of the role."
  type        = string
  default     = "Assumed by GitHub Actions through OIDC"
}

variable "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider in this account."
  type        = string
}

variable "oidc_provider_url" {
  description = "Issuer host of the provider, e.g. `token.actions.githubusercontent.com`."
  type        = string
  default     = "token.actions.githubusercontent.com"
}

variable "subjects" {
  description = "Exact `sub` claims allowed to assume the role, e.g. `repo:org/name:ref:refs/heads/main` or `repo:org/name:environment:prod`. Wildcards and tag subjects are refused."
  type        = list(string)

  # A tag subject would let a job without `environment:` (no reviewers) assume the role.
  validation {
    condition     = length(var.subjects) > 0 && alltrue([for s in var.subjects : can(regex("^repo:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+:(ref:refs/heads/[A-Za-z0-9_./-]+|environment:[A-Za-z0-9_.-]+)$", s))])
    error_message = "Each subject must be an exact GitHub sub claim (repo:OWNER/NAME:ref:refs/heads/BRANCH or :environment:NAME); '*' and refs/tags/ subjects are not allowed."
  }
}

variable "policy_json" {
  description = "The role's permissions: JSON of an aws_iam_policy_document, attached as an inline policy."
  type        = string
}

variable "max_session_duration" {
  description = "Maximum session duration in seconds (1-12 hours)."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "Use 3600 to 43200 seconds."
  }
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

variable "managed_policies" {
  description = "More permissions as customer managed policies attached to the role, by policy name: a description and the JSON of an aws_iam_policy_document (each at most 6,144 characters)."
  type = map(object({
    description = string
    policy_json = string
  }))
  default = {}
}
