variable "create" {
  description = "Whether to create the schedule and its role."
  type        = bool
  default     = true
}

variable "enabled" {
  description = "Whether the schedule fires (ENABLED) or exists switched off (DISABLED)."
  type        = bool
  default     = false
}

variable "name" {
  description = "Name of the schedule (and prefix of its role)."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-zA-Z_.-]{1,54}$", var.name))
    error_message = "Use 1-54 letters, digits, '.', '_' or '-' (the role name adds a suffix)."
  }
}

variable "pipeline_name" {
  description = "Name of the SageMaker pipeline to start (upserted by `invoke pipeline.upsert`, not by Terraform)."
  type        = string
}

variable "schedule_expression" {
  description = "When to retrain: a cron() or rate() expression of EventBridge Scheduler."
  type        = string
  default     = "cron(0 3 ? * MON *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.schedule_expression))
    error_message = "Use cron(...) or rate(...)."
  }
}

variable "schedule_expression_timezone" {
  description = "Time zone of the cron expression."
  type        = string
  default     = "UTC"
}

variable "pipeline_parameters" {
  description = "Pipeline parameters passed on each run (names must exist in the pipeline)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.pipeline_parameters) : can(regex("^[A-Za-z0-9_-]{1,256}$", name))])
    error_message = "Parameter names are 1-256 letters, digits, '-' or '_'."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the schedule's target input."
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
