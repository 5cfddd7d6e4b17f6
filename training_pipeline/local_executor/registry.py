"""RegisterModel steps against the emulator's model registry, and the approval event."""

from __future__ import annotations

from collections.abc import Callable

from awsenv.config import Config
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
    except ClientError:
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


def notify_approved(cfg: Config, env: str, arn: str, say: Callable[[str], None]) -> None:
    """Deliver the model-package state-change event (EventBridge -> auto-deploy Lambda, in-process)."""
    from awsenv.local_events import model_package_state_changed

    try:
        result = model_package_state_changed(cfg, env, arn)
    except Exception as error:  # as on AWS: a failing Lambda does not fail the pipeline execution
        say(f"  auto-deploy: the handler failed ({type(error).__name__}: {error}); the package stays registered")
        return
    say(f"  auto-deploy: {result}")
