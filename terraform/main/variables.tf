variable "project" {
  description = "Project name, the prefix of every resource name (PROJECT_NAME in .env)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.project))
    error_message = "Use 3-24 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "region" {
  description = "AWS region of every account (AWS_REGION in .env)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2,4}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]{1,2}$", var.region))
    error_message = "Use an AWS region code (AWS_REGION in .env)."
  }
}

variable "account_ids" {
  description = "Account ids of the four accounts (*_ACCOUNT_ID in .env)."
  type = object({
    operations = string
    dev        = string
    staging    = string
    prod       = string
  })

  validation {
    condition     = alltrue([for id in values(var.account_ids) : can(regex("^[0-9]{12}$", id))])
    error_message = "Account ids are 12 digits."
  }
}

variable "environment" {
  description = "Environment deployed by this workspace: dev, staging or prod (the workspace has the same name)."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "image_tag" {
  description = "Commit SHA the images were built from and tagged with (never `latest`)."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{40}$", var.image_tag))
    error_message = "image_tag must be a full 40-character commit SHA."
  }
}

variable "ecr_repositories" {
  description = "ECR repository names (operations account) by image: training, inference, lambda."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["training", "inference", "lambda"], keys(var.ecr_repositories))) == 0
    error_message = "Name a repository for each of training, inference and lambda."
  }
}

variable "data_bucket_name" {
  description = "Data and artifact bucket of the environment (Config.data_bucket(env))."
  type        = string
}

variable "model_package_group_name" {
  description = "Model package group of the environment (Config.model_package_group(env))."
  type        = string
}

variable "pipeline_name" {
  description = "SageMaker pipeline of the environment (Config.pipeline_name(env)); upserted by the pipeline task."
  type        = string
}

variable "endpoint_name" {
  description = "Endpoint the auto-deploy Lambda manages (Config.endpoint_name(env))."
  type        = string
}

variable "data_capture_s3_uri" {
  description = "Where the endpoint's data capture goes (s3://<data bucket>/data-capture/<endpoint>, as inference.deployer.Target.from_config)."
  type        = string

  validation {
    condition     = startswith(var.data_capture_s3_uri, "s3://") && !endswith(var.data_capture_s3_uri, "/")
    error_message = "Use an s3:// prefix without a trailing '/'."
  }
}

variable "huggingface_training_image_repository" {
  description = "Registry account and repository of the Hugging Face PyTorch training image the transformer family runs in (awsenv/images.py: the SageMaker SDK's image table, per region); the SageMaker role may pull it."
  type = object({
    account_id = string
    name       = string
  })

  validation {
    condition     = can(regex("^[0-9]{12}$", var.huggingface_training_image_repository.account_id)) && can(regex("^[a-z0-9][a-z0-9._/-]*$", var.huggingface_training_image_repository.name))
    error_message = "Give the image's registry account (12 digits) and repository name, as awsenv.images.huggingface_training_repository returns them."
  }
}

variable "huggingface_inference_image_repository" {
  description = "Registry account and repository of the Hugging Face PyTorch inference image that serves the transformer family's model packages (awsenv/images.py); the SageMaker role (the endpoint's execution role) may pull it."
  type = object({
    account_id = string
    name       = string
  })

  validation {
    condition     = can(regex("^[0-9]{12}$", var.huggingface_inference_image_repository.account_id)) && can(regex("^[a-z0-9][a-z0-9._/-]*$", var.huggingface_inference_image_repository.name))
    error_message = "Give the image's registry account (12 digits) and repository name, as awsenv.images.huggingface_inference_repository returns them."
  }
}

variable "sagemaker_role_name" {
  description = "Name of the SageMaker execution role (Config.sagemaker_role_arn(env))."
  type        = string
}

variable "lambda_function_name" {
  description = "Name of the auto-deploy Lambda function (`<project>-auto-deploy`)."
  type        = string
}

variable "retraining_schedule_enabled" {
  description = "Whether the weekly retraining schedule fires (true in prod only)."
  type        = bool
  default     = false
}

variable "retraining_schedule_name" {
  description = "Name of the retraining schedule (`<project>-<env>-retraining`, from awsenv.config.Config); its role is `<name>-scheduler`."
  type        = string
}

variable "retraining_schedule_expression" {
  description = "When the retraining runs (EventBridge Scheduler expression; awsenv.config.RETRAINING_SCHEDULE)."
  type        = string
  default     = "cron(0 3 ? * MON *)"
}

variable "retraining_input_data_uri" {
  description = "Pipeline parameter InputDataUri of scheduled runs: the dataset pointer (s3://<data bucket>/datasets/current.json), resolved once per execution by the Preprocess step."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]+/.+\\.json$", var.retraining_input_data_uri))
    error_message = "Use the s3:// URI of the dataset pointer object, e.g. s3://<data bucket>/datasets/current.json."
  }
}

variable "retraining_model_approval_status" {
  description = "Pipeline parameter ModelApprovalStatus of scheduled runs (Approved deploys automatically once the evaluation gate passes)."
  type        = string
  default     = "Approved"

  validation {
    condition     = contains(["Approved", "PendingManualApproval"], var.retraining_model_approval_status)
    error_message = "Use Approved or PendingManualApproval."
  }
}

variable "vpc_cidr_block" {
  description = "CIDR block of the environment's VPC."
  type        = string
  default     = "10.20.0.0/16"
}

variable "enable_nat_gateway" {
  description = "Give the private subnets internet egress through a NAT gateway (off: VPC endpoints only)."
  type        = bool
  default     = false
}

variable "enable_profile" {
  description = "Use the environment's named AWS profile (on a laptop); false in CI, where GitHub OIDC credentials are ambient."
  type        = bool
  default     = false
}

variable "profiles" {
  description = "Named AWS profiles of the accounts (AWS_PROFILE_* in .env), used when enable_profile is true."
  type        = map(string)
  default     = {}
}

variable "use_emulator" {
  description = "Point the provider at the local emulator (AWS_ENDPOINT_URL): skip credential checks, path-style S3, assume a role into the account. Best effort."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

################################################################################
# Cost guardrails and drift monitoring (values from .env through awsenv/config.py)
################################################################################

variable "endpoint_instance_type" {
  description = "Instance type of the endpoint's real-time variant (ENDPOINT_INSTANCE_TYPE_<ENV>; ml.m5.large when serverless)."
  type        = string

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.endpoint_instance_type))
    error_message = "Use a SageMaker instance type such as ml.m5.large."
  }
}

variable "endpoint_serverless" {
  description = "Whether the endpoint is serverless (ENDPOINT_INSTANCE_TYPE_<ENV>=serverless; serverless endpoints have no data capture)."
  type        = bool
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget of this environment's account in USD (BUDGET_<ENV>_USD)."
  type        = number

  validation {
    condition     = var.monthly_budget_usd >= 1
    error_message = "The budget is at least 1 USD."
  }
}

variable "idle_endpoint_alarm_days" {
  description = "Alarm when the endpoint has had no invocation for this many days (IDLE_ENDPOINT_DAYS; 0: no alarm, as in prod)."
  type        = number

  validation {
    condition     = var.idle_endpoint_alarm_days >= 0 && var.idle_endpoint_alarm_days <= 7
    error_message = "Use 0 (off) to 7 days (CloudWatch evaluates at most 7 days of daily periods)."
  }
}

variable "alert_email" {
  description = "E-mail address subscribed to the alerts topic (ALERT_EMAIL; empty: no subscription)."
  type        = string
  default     = ""
}

variable "monitor_function_name" {
  description = "Name of the drift-monitor Lambda (Config.monitor_function_name())."
  type        = string
}

variable "monitor_schedule_expression" {
  description = "When the drift monitor runs (EventBridge Scheduler expression)."
  type        = string
  default     = "rate(1 hour)"
}

variable "monitoring_s3_uri" {
  description = "Where the drift monitor writes its reports (Config.monitoring_prefix(env))."
  type        = string

  validation {
    condition     = startswith(var.monitoring_s3_uri, "s3://") && !endswith(var.monitoring_s3_uri, "/")
    error_message = "Use an s3:// prefix without a trailing '/'."
  }
}

variable "drift_metrics_namespace" {
  description = "CloudWatch namespace of the drift metrics (Config.drift_metrics_namespace())."
  type        = string
}

variable "drift_alarm_name" {
  description = "Name of the drift alarm (Config.drift_alarm_name(env))."
  type        = string
}
