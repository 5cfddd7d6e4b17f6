################################################################################
# One environment (dev, staging or prod) in its own account; one workspace each
################################################################################

check "workspace_matches_environment" {
  assert {
    condition     = terraform.workspace == var.environment
    error_message = "The selected workspace differs from var.environment; run `invoke deploy --env=<env>`, which selects the matching workspace."
  }
}

data "aws_region" "current" {}

locals {
  name         = "${var.project}-${var.environment}"
  ops_account  = var.account_ids.operations
  ecr_registry = "${local.ops_account}.dkr.ecr.${data.aws_region.current.id}.amazonaws.com"
  ecr_arns     = { for image, repo in var.ecr_repositories : image => "arn:aws:ecr:${data.aws_region.current.id}:${local.ops_account}:repository/${repo}" }

  bucket_uri                = "s3://${var.data_bucket_name}/"
  huggingface_training_arn  = "arn:aws:ecr:${data.aws_region.current.id}:${var.huggingface_training_image_repository.account_id}:repository/${var.huggingface_training_image_repository.name}"
  huggingface_inference_arn = "arn:aws:ecr:${data.aws_region.current.id}:${var.huggingface_inference_image_repository.account_id}:repository/${var.huggingface_inference_image_repository.name}"

  data_bucket_arn = "arn:aws:s3:::${var.data_bucket_name}"

  # Created by terraform/operations in this account; every role below must carry it.
  workload_boundary_arn = "arn:aws:iam::${var.account_ids[var.environment]}:policy/${var.project}-workload-boundary"
}

module "key" {
  source = "../modules/kms-key"

  alias                 = local.name
  description           = "Logs, queues, Studio volumes and the Lambda environment of ${local.name}"
  allow_cloudwatch_logs = true
  # budgets and cloudwatch publish to the encrypted alerts topic
  service_principals = ["budgets.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com", "scheduler.amazonaws.com"]
}

################################################################################
# Data and models
################################################################################

# The data bucket and its key are created by terraform/operations (applied by a person), so
# CI can change neither the bucket's policy and public access block nor the key's policy.
data "aws_kms_alias" "data" {
  name = "alias/${var.project}-${var.environment}-data"
}

# Deployments made before the bucket moved: forget it here instead of destroying it; it is
# imported into terraform/operations (terraform/README.md "Upgrading an existing deployment").
removed {
  from = module.data_bucket

  lifecycle {
    destroy = false
  }
}

module "model_registry" {
  source = "../modules/model-package-group"

  name = var.model_package_group_name
}

module "sagemaker_role" {
  source = "../modules/sagemaker-execution-role"

  name       = var.sagemaker_role_name
  bucket_arn = local.data_bucket_arn
  # Prefixes the code uses (tests/terraform/test_iam_vs_code.py): the InputDataUri datasets,
  # the step code (training_pipeline/code.py), training output, step outputs, data capture,
  # and the transformer family's spot-training checkpoints (synced both ways by SageMaker).
  bucket_read_prefixes  = ["datasets/", "${var.pipeline_name}/code/", "models/", "pipeline-runs/", "checkpoints/"]
  bucket_write_prefixes = ["models/", "pipeline-runs/", "data-capture/", "checkpoints/"]
  kms_key_arn           = data.aws_kms_alias.data.target_key_arn
  # Our training and inference images, and the Hugging Face training and inference images (AWS
  # Deep Learning Containers registry) the transformer family's Train and Evaluate steps and its
  # endpoints run in.
  ecr_repository_arns = [
    local.ecr_arns["training"], local.ecr_arns["inference"], local.huggingface_training_arn, local.huggingface_inference_arn,
  ]
  model_package_group_name = module.model_registry.name
  permissions_boundary_arn = local.workload_boundary_arn
}

################################################################################
# Network and Studio
################################################################################

module "vpc" {
  source = "../modules/vpc"

  name               = local.name
  cidr_block         = var.vpc_cidr_block
  enable_nat_gateway = var.enable_nat_gateway
  # The auto-deploy Lambda also calls CloudWatch (rollback alarms) and Application Auto Scaling.
  interface_endpoint_services = ["application-autoscaling", "ecr.api", "ecr.dkr", "logs", "monitoring", "sagemaker.api", "sagemaker.runtime", "sts"]
  kms_key_arn                 = module.key.key_arn
  permissions_boundary_arn    = local.workload_boundary_arn
}

module "studio" {
  source = "../modules/sagemaker-domain"

  name               = local.name
  vpc_id             = module.vpc.vpc_id
  vpc_cidr_block     = module.vpc.vpc_cidr_block
  subnet_ids         = module.vpc.private_subnet_ids
  s3_prefix_list_id  = module.vpc.s3_prefix_list_id
  execution_role_arn = module.sagemaker_role.arn
  kms_key_arn        = module.key.key_arn
}

################################################################################
# Auto-deploy on approval, and the retraining schedule
################################################################################

module "auto_deploy" {
  source = "../modules/auto-deploy-lambda"

  function_name                = var.lambda_function_name
  image_uri                    = "${local.ecr_registry}/${var.ecr_repositories["lambda"]}:${var.image_tag}"
  model_package_group_name     = module.model_registry.name
  endpoint_name                = var.endpoint_name
  sagemaker_execution_role_arn = module.sagemaker_role.arn
  vpc_id                       = module.vpc.vpc_id
  vpc_cidr_block               = module.vpc.vpc_cidr_block
  subnet_ids                   = module.vpc.private_subnet_ids
  kms_key_arn                  = module.key.key_arn
  permissions_boundary_arn     = local.workload_boundary_arn

  # Exactly what the handler reads (inference.deployer.ENV_VARS, Target.from_environ);
  # tests/terraform/test_lambda_environment.py keeps the two in agreement.
  environment_variables = {
    ENV_NAME            = var.environment
    ENDPOINT_NAME       = var.endpoint_name
    MODEL_PACKAGE_GROUP = module.model_registry.name
    SAGEMAKER_ROLE_ARN  = module.sagemaker_role.arn
    DATA_CAPTURE_S3_URI = var.data_capture_s3_uri
    INSTANCE_TYPE       = var.endpoint_instance_type
    SERVERLESS          = var.endpoint_serverless
  }
}

module "retraining" {
  source = "../modules/retraining-schedule"

  name                     = var.retraining_schedule_name
  enabled                  = var.retraining_schedule_enabled
  pipeline_name            = var.pipeline_name
  schedule_expression      = var.retraining_schedule_expression
  kms_key_arn              = module.key.key_arn
  permissions_boundary_arn = local.workload_boundary_arn

  # Names of parameters of the training pipeline (training_pipeline/pipeline.py; a test checks).
  pipeline_parameters = {
    InputDataUri        = var.retraining_input_data_uri
    ModelApprovalStatus = var.retraining_model_approval_status
  }
}

################################################################################
# Operate: cost guardrails, drift monitor -> alarm -> retraining
################################################################################

module "cost_guardrails" {
  source = "../modules/cost-guardrails"

  name               = local.name
  monthly_budget_usd = var.monthly_budget_usd
  endpoint_name      = var.endpoint_name
  idle_endpoint_days = var.idle_endpoint_alarm_days
  alert_email        = var.alert_email
  kms_key_arn        = module.key.key_arn
}

module "drift_monitor" {
  source = "../modules/drift-monitor"

  function_name            = var.monitor_function_name
  image_uri                = "${local.ecr_registry}/${var.ecr_repositories["lambda"]}:${var.image_tag}"
  endpoint_name            = var.endpoint_name
  model_package_group_name = module.model_registry.name
  pipeline_name            = var.pipeline_name
  bucket_arn               = local.data_bucket_arn
  data_kms_key_arn         = data.aws_kms_alias.data.target_key_arn
  permissions_boundary_arn = local.workload_boundary_arn
  # Keys the code uses (monitoring/job.py, inference/capture.py, steps/evaluate.py; a test checks)
  capture_prefix       = "${trimprefix(var.data_capture_s3_uri, local.bucket_uri)}/"
  baseline_key_pattern = "pipeline-runs/*/evaluate/evaluation/baseline.json"
  reports_prefix       = "${trimprefix(var.monitoring_s3_uri, local.bucket_uri)}/"
  metrics_namespace    = var.drift_metrics_namespace
  alarm_name           = var.drift_alarm_name
  alerts_topic_arn     = module.cost_guardrails.topic_arn
  schedule_expression  = var.monitor_schedule_expression
  vpc_id               = module.vpc.vpc_id
  vpc_cidr_block       = module.vpc.vpc_cidr_block
  subnet_ids           = module.vpc.private_subnet_ids
  s3_prefix_list_id    = module.vpc.s3_prefix_list_id
  kms_key_arn          = module.key.key_arn

  # Parameters of a drift-triggered run (monitoring/alarm.py retraining_parameters; a test checks).
  retraining_parameters = {
    InputDataUri        = var.retraining_input_data_uri
    ModelApprovalStatus = "PendingManualApproval"
  }

  # Exactly what monitoring/job.py MonitorTarget.from_environ reads.
  environment_variables = {
    ENV_NAME            = var.environment
    ENDPOINT_NAME       = var.endpoint_name
    DATA_CAPTURE_S3_URI = var.data_capture_s3_uri
    MONITORING_S3_URI   = var.monitoring_s3_uri
    METRICS_NAMESPACE   = var.drift_metrics_namespace
  }
}
