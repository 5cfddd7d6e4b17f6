variable "create" {
  description = "Whether to create the model package group."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the model package group (the model registry of one environment)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", var.name))
    error_message = "Use 1-63 letters, digits or '-', starting with a letter or digit."
  }
}

variable "description" {
  description = "Description of the group."
  type        = string
  default     = "Models trained by this environment's pipeline"
}

variable "tags" {
  description = "Tags for the group."
  type        = map(string)
  default     = {}
}
