"""RegisterModel steps against the emulator's model registry, and their state-change event."""

from __future__ import annotations

from collections.abc import Callable

from awsenv.config import Config
from awsenv.errors import is_not_found
from awsenv.event_bus import publish_model_package_change
from training_pipeline.local_executor.errors import StepFailed

# create_model_package fields a RegisterModel step's Arguments may carry (the rest is SDK-only)
_PACKAGE_FIELDS = (
    "ModelPackageGroupName",
    "ModelPackageDescription",
    "InferenceSpecification",
    "ModelMetrics",
    "ModelApprovalStatus",
    "MetadataProperties",
    "CustomerMetadataProperties",
    "DriftCheckBaselines",
    "Domain",
    "Task",
    "SamplePayloadUrl",
    "SkipModelValidation",
)


def ensure_group(sagemaker, group: str, description: str) -> None:
    """Create the model package group when missing (local mode only; terraform does it on AWS)."""
    from botocore.exceptions import ClientError

    try:
        sagemaker.describe_model_package_group(ModelPackageGroupName=group)
    except ClientError as error:
        if not is_not_found(error):
            raise
        sagemaker.create_model_package_group(ModelPackageGroupName=group, ModelPackageGroupDescription=description)


def _drop_empty(value):
    if isinstance(value, dict):
        cleaned = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in ({}, [], None)}
    return value


def register(sagemaker, step_name: str, args: dict) -> dict:
    """create_model_package from a resolved RegisterModel step; return its properties."""
    request = _drop_empty({key: args[key] for key in _PACKAGE_FIELDS if key in args})
    if request.get("SkipModelValidation") not in (None, "All", "None"):
        request.pop("SkipModelValidation")
    if "ModelPackageGroupName" not in request:
        raise StepFailed(step_name, "no ModelPackageGroupName: only versioned model packages are supported locally")
    arn = sagemaker.create_model_package(**request)["ModelPackageArn"]
    return {"ModelPackageArn": arn, "ModelApprovalStatus": request.get("ModelApprovalStatus", "PendingManualApproval")}


def publish_change(sagemaker, cfg: Config, env: str, arn: str, say: Callable[[str], None]) -> None:
    """Put the model package's state-change event on the env's event bus, as SageMaker does on AWS
    (whatever subscribed, e.g. the auto-deploy rule, runs; a failing target does not fail the step)."""
    for delivery in publish_model_package_change(sagemaker, cfg, env, arn):
        say(f"  event -> {delivery.line()}")
