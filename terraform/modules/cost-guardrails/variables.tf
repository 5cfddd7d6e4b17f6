variable "create" {
  description = "Whether to create the topic, budget and alarm."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the alerts topic and the budget (`<project>-<env>`)."
  type        = string
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget of the account in USD (alerts at 80% actual and 100% forecast)."
  type        = number

  validation {
    condition     = var.monthly_budget_usd >= 1
    error_message = "The budget is at least 1 USD."
  }
}

variable "endpoint_name" {
  description = "Endpoint watched by the idle alarm."
  type        = string
}

variable "variant_name" {
  description = "Production variant of the endpoint (inference/guardrails.py VARIANT)."
  type        = string
  default     = "AllTraffic"
}

variable "idle_endpoint_days" {
  description = "Days without invocations before the idle alarm (0: no alarm)."
  type        = number
  default     = 0

  validation {
    condition     = var.idle_endpoint_days >= 0 && var.idle_endpoint_days <= 7
    error_message = "Use 0 to 7."
  }
}

variable "alert_email" {
  description = "E-mail address subscribed to the topic (empty: none)."
  type        = string
  default     = ""
}

variable "kms_key_arn" {
  description = "KMS key encrypting the topic (its policy must let budgets and cloudwatch use it)."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
