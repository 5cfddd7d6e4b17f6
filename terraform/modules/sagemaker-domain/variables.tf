variable "create" {
  description = "Whether to create the Studio domain."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the SageMaker Studio domain."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", var.name))
    error_message = "Use 1-63 letters, digits or '-', starting with a letter or digit."
  }
}

variable "vpc_id" {
  description = "VPC of the domain."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR block of the VPC (Studio reaches the interface endpoints there)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the domain (VpcOnly: no traffic leaves the VPC except through its endpoints or NAT)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "Give at least one private subnet."
  }
}

variable "s3_prefix_list_id" {
  description = "Prefix list of the VPC's S3 gateway endpoint, allowed as HTTPS egress."
  type        = string
}

variable "execution_role_arn" {
  description = "Default execution role of Studio users."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the domain's EFS and EBS volumes."
  type        = string
}

variable "tags" {
  description = "Tags for the domain and its security group."
  type        = map(string)
  default     = {}
}
