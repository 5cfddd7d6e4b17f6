variable "create" {
  description = "Whether to create the monitor, its schedule, alarm and retraining rule."
  type        = bool
  default     = true
}

variable "function_name" {
  description = "Name of the monitor Lambda function (prefix of its roles and queue)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,54}$", var.function_name))
    error_message = "Use 1-54 letters, digits, '-' or '_' (role names add a suffix)."
  }
}

variable "image_uri" {
  description = "The project's lambda image, tagged by commit SHA (never `latest`)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+:[0-9a-f]{7,64}$", var.image_uri))
    error_message = "image_uri must be an ECR image tagged with a commit SHA; 'latest' is not allowed."
  }
}

variable "endpoint_name" {
  description = "Endpoint whose captured traffic is monitored."
  type        = string
}

variable "model_package_group_name" {
  description = "Model package group of the served packages (their baselines are read)."
  type        = string
}

variable "pipeline_name" {
  description = "Training pipeline the drift alarm starts."
  type        = string
}

variable "retraining_parameters" {
  description = "Pipeline parameters of a drift-triggered run (monitoring/alarm.py retraining_parameters)."
  type        = map(string)
}

variable "bucket_arn" {
  description = "ARN of the data bucket holding capture, baselines and reports."
  type        = string
}

variable "capture_prefix" {
  description = "Key prefix of the endpoint's data capture (ends with '/')."
  type        = string

  validation {
    condition     = endswith(var.capture_prefix, "/") && !startswith(var.capture_prefix, "/")
    error_message = "Use a key prefix ending with '/'."
  }
}

variable "baseline_key_pattern" {
  description = "Key pattern of the baselines the pipeline's Evaluate step writes."
  type        = string
}

variable "reports_prefix" {
  description = "Key prefix the monitor writes its reports and pointer under (ends with '/')."
  type        = string

  validation {
    condition     = endswith(var.reports_prefix, "/") && !startswith(var.reports_prefix, "/")
    error_message = "Use a key prefix ending with '/'."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the monitor's metrics."
  type        = string
}

variable "alarm_name" {
  description = "Name of the drift alarm."
  type        = string
}

variable "alerts_topic_arn" {
  description = "SNS topic the drift alarm notifies."
  type        = string
}

variable "schedule_expression" {
  description = "When the monitor runs (EventBridge Scheduler expression)."
  type        = string
  default     = "rate(1 hour)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.schedule_expression))
    error_message = "Use cron(...) or rate(...)."
  }
}

variable "environment_variables" {
  description = "Environment of the function (monitoring/job.py ENV_VARS)."
  type        = map(string)
}

variable "vpc_id" {
  description = "VPC the function runs in."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR block of the VPC (interface endpoints)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the function runs in."
  type        = list(string)
}

variable "s3_prefix_list_id" {
  description = "Prefix list of the S3 gateway endpoint."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the bucket, logs, queue, schedule and environment variables."
  type        = string
}

variable "data_kms_key_arn" {
  description = "KMS key of the data bucket's objects when it differs from kms_key_arn (null: the same key)."
  type        = string
  default     = null
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the module's three roles (terraform/operations creates the workload boundary)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the function's logs."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
