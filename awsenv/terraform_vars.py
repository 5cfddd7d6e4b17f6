"""Terraform input variables of each root, derived from the project configuration only.

`.env` (through `Config`) is the single source of account ids, region, repository and names;
these functions turn it into the variables `terraform/backend`, `terraform/operations` and
`terraform/main` declare. The tasks write them to a git-ignored
`terraform/<root>/environment/<name>.tfvars.json` and pass it with `-var-file` (as the
original README's `-var-file="environment/dev.tfvars"`); `scripts/terraform_gate.py` feeds
the same values to checkov, and the tests check that each root declares exactly these.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from awsenv.config import ACCOUNTS, ENVIRONMENTS, RETRAINING_SCHEDULE, Config, check_env
from awsenv.images import huggingface_inference_repository, huggingface_training_repository

ROOTS = ("backend", "operations", "main")
IMAGES = ("training", "inference", "lambda")

# Variables set on the command line rather than in the file, so printed commands show them.
COMMAND_LINE_VARIABLES = ("enable_profile", "use_emulator")


def ci_role_name(cfg: Config) -> str:
    """Name of the GitHub CI role, the same in every account (from Config.ci_role_arn)."""
    return cfg.ci_role_arn("operations").rsplit("/", 1)[1]


def sagemaker_role_name(cfg: Config, env: str) -> str:
    return cfg.sagemaker_role_arn(env).rsplit("/", 1)[1]


def _common(cfg: Config) -> dict[str, Any]:
    return {
        "project": cfg.project,
        "region": cfg.region,
        "account_ids": {name: cfg.accounts[name] for name in ACCOUNTS},
        "profiles": {name: cfg.profiles[name] for name in ACCOUNTS},
    }


def backend_variables(cfg: Config) -> dict[str, Any]:
    return {**_common(cfg), "state_bucket_name": cfg.state_bucket(), "ci_role_name": ci_role_name(cfg)}


def operations_variables(cfg: Config) -> dict[str, Any]:
    return {
        **_common(cfg),
        "github_repository": cfg.repository,
        "state_bucket_name": cfg.state_bucket(),
        "ci_role_name": ci_role_name(cfg),
        "ecr_repositories": {image: cfg.ecr_repository(image) for image in IMAGES},
        "release_bucket_name": cfg.release_bucket(),
        "huggingface_training_image_repository": huggingface_training_repository(cfg.region),
        "huggingface_inference_image_repository": huggingface_inference_repository(cfg.region),
        "environments": {
            env: {
                "data_bucket": cfg.data_bucket(env),
                "endpoint_name": cfg.endpoint_name(env),
                "model_package_group": cfg.model_package_group(env),
                "pipeline_name": cfg.pipeline_name(env),
            }
            for env in ENVIRONMENTS
        },
    }


def main_variables(cfg: Config, env: str, image_tag: str) -> dict[str, Any]:
    check_env(env)
    return {
        **_common(cfg),
        "environment": env,
        "image_tag": image_tag,
        "ecr_repositories": {image: cfg.ecr_repository(image) for image in IMAGES},
        "data_bucket_name": cfg.data_bucket(env),
        "model_package_group_name": cfg.model_package_group(env),
        "pipeline_name": cfg.pipeline_name(env),
        "endpoint_name": cfg.endpoint_name(env),
        "data_capture_s3_uri": cfg.data_capture_uri(env),
        "sagemaker_role_name": sagemaker_role_name(cfg, env),
        "lambda_function_name": cfg.auto_deploy_function_name(),
        "retraining_schedule_enabled": env == "prod",
        "retraining_schedule_name": cfg.retraining_schedule_name(env),
        "retraining_schedule_expression": RETRAINING_SCHEDULE,
        "retraining_input_data_uri": cfg.dataset_pointer_uri(env),
        "endpoint_instance_type": cfg.endpoint_instance_type(env),
        "endpoint_serverless": cfg.endpoint_serverless(env),
        "monthly_budget_usd": cfg.budgets_usd[env],
        "idle_endpoint_alarm_days": cfg.idle_endpoint_days if env != "prod" else 0,
        "alert_email": cfg.alert_email,
        "monitor_function_name": cfg.monitor_function_name(),
        "monitoring_s3_uri": cfg.monitoring_prefix(env),
        "drift_metrics_namespace": cfg.drift_metrics_namespace(),
        "drift_alarm_name": cfg.drift_alarm_name(env),
        "huggingface_training_image_repository": huggingface_training_repository(cfg.region),
        "huggingface_inference_image_repository": huggingface_inference_repository(cfg.region),
    }


def root_variables(cfg: Config, root: str, env: str | None = None, image_tag: str = "0" * 40) -> dict[str, Any]:
    """Variables of `root`; `main` needs `env` (and the image tag, a commit SHA)."""
    if root == "backend":
        return backend_variables(cfg)
    if root == "operations":
        return operations_variables(cfg)
    if root == "main":
        return main_variables(cfg, env or "dev", image_tag)
    raise ValueError(f"unknown Terraform root: {root}")


def var_file_name(root: str, env: str | None = None) -> str:
    """Path of the generated variables file, relative to the root directory."""
    name = {"backend": "backend", "operations": "operations"}.get(root) or check_env(env or "")
    return f"environment/{name}.tfvars.json"


def render_json(variables: dict[str, Any]) -> str:
    """Byte-stable JSON variables file."""
    return json.dumps(variables, indent=2, sort_keys=True) + "\n"


def render_hcl(variables: dict[str, Any]) -> str:
    """The same variables as HCL (`.tfvars`), for tools that only read HCL var files."""
    return "".join(f"{name} = {_hcl(value)}\n" for name, value in sorted(variables.items()))


def _hcl(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_hcl(v)}" for k, v in sorted(value.items())) + " }"
    raise TypeError(f"cannot render {value!r} as HCL")


def write_var_file(root_dir: Path, relative: str, variables: dict[str, Any]) -> Path:
    path = root_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_json(variables))
    return path
