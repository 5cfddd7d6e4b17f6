"""Auto-deploy: the Lambda behind the EventBridge rule "SageMaker Model Package State Change".

    handler(event, context)                   on AWS (function `<project>-auto-deploy`)
    handle_event(event, session)         in-process: the local event bus rule (laptop.events)

Both call `process(event, session, target)`:
- events of another model package group (or another detail-type) -> ignored;
- Approved  -> deploy that version (nothing happens if it is already serving);
- Rejected of the version the endpoint serves -> redeploy the newest other Approved version
  (if there is none, the endpoint keeps serving and the result says so);
- anything else (Rejected of a version not serving, PendingManualApproval) -> ignored.
An event it cannot act on (not an object, `detail` not an object, a version that is missing,
not a number or not in the registry, a package that is not Approved or has no registered
artifact digests) is ignored too, with the reason: retrying it cannot help. It raises only
for AWS errors (throttling, outages), where EventBridge's retry can.
Every decision is one log line; the return value is a small dict describing the action.

On AWS the Lambda has no `.env`: its settings come from environment variables that terraform
sets (see `inference.deployer.ENV_VARS`): ENV_NAME, ENDPOINT_NAME, MODEL_PACKAGE_GROUP,
SAGEMAKER_ROLE_ARN, DATA_CAPTURE_S3_URI (required), INSTANCE_TYPE, INSTANCE_COUNT,
MAX_INSTANCE_COUNT, SERVERLESS (optional); AWS_REGION is set by Lambda itself.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from awsenv.errors import UserError
from inference import registry
from inference.deployer import DeployError, NotApproved, Target, deploy, serving

log = logging.getLogger("inference.auto_deploy")
DETAIL_TYPE = "SageMaker Model Package State Change"


def _ignored(reason: str, **extra: Any) -> dict[str, Any]:
    log.info("auto-deploy: ignored: %s", reason)
    return {"action": "ignored", "reason": reason, **extra}


def _version(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def process(event: Any, session, target: Target) -> dict[str, Any]:
    """Decide and act on one model-package state-change event; see module docstring."""
    if not isinstance(event, dict):
        return _ignored(f"event is {type(event).__name__}, not an object")
    detail = event.get("detail")
    if not isinstance(detail, dict):
        return _ignored(f"event detail is {type(detail).__name__}, not an object")
    if event.get("detail-type") != DETAIL_TYPE:
        return _ignored(f"detail-type '{event.get('detail-type')}' is not '{DETAIL_TYPE}'")
    group = detail.get("ModelPackageGroupName")
    if group != target.model_package_group:
        return _ignored(f"model package group '{group}' is not this project's '{target.model_package_group}'")
    status = detail.get("ModelApprovalStatus")
    version = detail.get("ModelPackageVersion")
    if status == "Approved":
        return _approved(session, target, version)
    if status == "Rejected":
        return _rejected(session, target, version, detail.get("ModelPackageArn"))
    return _ignored(f"status '{status}' of version {version} needs no deployment", version=version)


def _approved(session, target: Target, version: Any) -> dict[str, Any]:
    number = _version(version)
    if number is None:
        return _ignored(f"ModelPackageVersion {str(version)[:40]!r} is not a version number")
    try:
        result = deploy(session, target, version=number)
    except NotApproved:  # a stale event: the version was rejected again since
        return _ignored(f"version {version} is no longer Approved", version=version)
    except DeployError:
        raise  # the endpoint did not take the new config: fail loudly (alarms on Lambda errors)
    except UserError as error:  # no such version, no digests...: retrying cannot help
        return _ignored(str(error), version=number)
    log.info("auto-deploy: %s", result.line())
    return {"action": "deployed" if result.action != "unchanged" else "unchanged", "version": result.version,
            "endpoint": result.endpoint, "config": result.config}  # fmt: skip


def _rejected(session, target: Target, version: Any, arn: str | None) -> dict[str, Any]:
    sm = session.client("sagemaker")
    current = serving(sm, target)
    if current is None or current["package_arn"] != arn:
        return _ignored(f"version {version} was rejected but is not serving on {target.endpoint_name}", version=version)
    previous = registry.latest_approved(sm, target.model_package_group, exclude_arn=arn)
    if previous is None:
        log.warning("auto-deploy: version %s rejected while serving; no other Approved version: kept", version)
        return {"action": "kept", "reason": "no other Approved version to roll back to", "version": version}
    try:
        result = deploy(session, target, version=previous.version)
    except DeployError:
        raise
    except UserError as error:
        log.warning("auto-deploy: version %s rejected while serving; cannot roll back: %s", version, error)
        return {"action": "kept", "reason": f"cannot roll back to version {previous.version}: {error}",
                "version": version}  # fmt: skip
    log.info("auto-deploy: version %s rejected; rolled back: %s", version, result.line())
    return {"action": "rolled-back", "rejected": version, "version": result.version,
            "endpoint": result.endpoint, "config": result.config}  # fmt: skip


def handle_event(event: dict[str, Any], session) -> dict[str, Any]:
    """Run the handler in-process for `session`'s env (an `EnvSession`: local mode, tests)."""
    return process(event, session, Target.from_session(session))


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """AWS Lambda entry point: settings from the function's environment variables."""
    from awsenv.sessions import ambient_session

    logging.getLogger().setLevel(logging.INFO)
    return process(event, ambient_session(), Target.from_environ(dict(os.environ)))
