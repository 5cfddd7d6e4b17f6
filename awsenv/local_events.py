"""EventBridge, locally: the "SageMaker Model Package State Change" event.

On AWS, approving a model package emits this event and the EventBridge rule of
terraform/main invokes the auto-deploy Lambda. moto emits no such event and cannot run a
Lambda without Docker, so in local mode whoever changes an approval status (the local
executor's RegisterModel, `invoke model.approve --local`) calls `model_package_state_changed`,
which builds the same event shape and runs the Lambda's handler in-process.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from awsenv.config import Config
from awsenv.sessions import aws_session


def model_package_event(cfg: Config, env: str, package: dict[str, Any]) -> dict[str, Any]:
    """The EventBridge event AWS sends for `package` (a DescribeModelPackage response)."""
    detail = {
        key: package[key]
        for key in (
            "ModelPackageGroupName",
            "ModelPackageVersion",
            "ModelPackageArn",
            "ModelPackageDescription",
            "CreationTime",
            "InferenceSpecification",
            "ModelPackageStatus",
            "ModelApprovalStatus",
            "ModelMetrics",
        )
        if key in package
    }
    for key, value in list(detail.items()):
        if isinstance(value, dt.datetime):
            detail[key] = value.isoformat()
    return {
        "version": "0",
        "id": f"local-{package['ModelPackageArn'].rsplit('/', 2)[-2]}-{package.get('ModelPackageVersion', 0)}",
        "detail-type": "SageMaker Model Package State Change",
        "source": "aws.sagemaker",
        "account": cfg.accounts[env],
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": cfg.region,
        "resources": [package["ModelPackageArn"]],
        "detail": detail,
    }


def model_package_state_changed(cfg: Config, env: str, model_package_arn: str) -> dict[str, Any]:
    """Deliver the state-change event of `model_package_arn` to the auto-deploy handler, in-process.

    Returns what the handler returned.
    """
    package = (
        aws_session(cfg, env, local=True).client("sagemaker").describe_model_package(ModelPackageName=model_package_arn)
    )
    event = model_package_event(cfg, env, package)
    from inference.auto_deploy import handle_event

    return handle_event(event, cfg=cfg, env=env, local=True)
