variable "create" {
  description = "Whether to create the VPC and everything in it."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name prefix of the VPC resources."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.cidr_block))
    error_message = "cidr_block must be an IPv4 CIDR block such as 10.20.0.0/16."
  }
}

variable "az_count" {
  description = "Number of availability zones (one private subnet in each)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "Use 2 to 4 availability zones."
  }
}

variable "enable_nat_gateway" {
  description = "Create public subnets, an internet gateway and one NAT gateway so private subnets reach the internet (e.g. pip in Studio). Off: private subnets reach AWS only through VPC endpoints."
  type        = bool
  default     = false
}

variable "interface_endpoint_services" {
  description = "Short service names of the interface VPC endpoints to create, e.g. `sagemaker.api`, `sts`, `logs`."
  type        = list(string)
  default     = []
}

variable "kms_key_arn" {
  description = "KMS key ARN encrypting the flow-log log group."
  type        = string
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow logs in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "Use a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 365, 400, 545, 731, ... 3653)."
  }
}

variable "tags" {
  description = "Tags for every resource."
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
