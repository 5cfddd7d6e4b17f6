variable "create" {
  description = "Whether to create the OIDC provider."
  type        = bool
  default     = true
}

variable "url" {
  description = "Issuer URL of GitHub Actions' OIDC tokens."
  type        = string
  default     = "https://token.actions.githubusercontent.com"

  validation {
    condition     = startswith(var.url, "https://")
    error_message = "The issuer URL must start with https://."
  }
}

variable "client_id_list" {
  description = "Audiences accepted in the tokens (`aud`)."
  type        = list(string)
  default     = ["sts.amazonaws.com"]
}

variable "tags" {
  description = "Tags for the provider."
  type        = map(string)
  default     = {}
}
