"""Deploy an approved model package to an environment's endpoint, safely and idempotently.

    deploy(session, target, version=None)

1. picks the package (the given version, else the newest Approved) and refuses anything not
   Approved, or registered without artifact digests, with a one-line error, before changing
   anything; the container gets the registered content digest (MODEL_CONTENT_SHA256) and checks
   the files SageMaker extracted against it before loading them (`inference.integrity`); the
   Model gets the package's image and container Environment as registered (tfidf: our inference
   image; transformer: the Hugging Face inference image running our handler from code/), plus
   the digest, which the registered environment cannot override;
2. derives the Model / EndpointConfig name from the package version and a hash of everything
   deployed (image, model data, variant, data capture), so the same deployment always has the
   same name: re-deploying what is already serving does nothing;
3. creates the Model and EndpointConfig if absent (data capture on for real-time variants);
4. creates the endpoint if absent, else UpdateEndpoint with a blue/green DeploymentConfig
   that rolls back automatically on CloudWatch alarms (real-time variants);
5. waits with the `endpoint_in_service` waiter, then verifies that the endpoint now serves the
   new config (a rolled-back update is an error, not a success);
6. registers target-tracking autoscaling for real-time variants.

The same code runs against AWS and the emulator (moto + `awsenv.emulator_ext`).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from awsenv.errors import UserError, is_not_found
from inference import registry
from inference.guardrails import VARIANT, autoscale, deployment_config, rollback_alarms
from inference.integrity import CONTENT_ENV, IntegrityError, recorded

ENV_VARS = {  # Lambda environment variable -> Target field (set by terraform on the auto-deploy Lambda)
    "ENV_NAME": "env",
    "ENDPOINT_NAME": "endpoint_name",
    "MODEL_PACKAGE_GROUP": "model_package_group",
    "SAGEMAKER_ROLE_ARN": "role_arn",
    "DATA_CAPTURE_S3_URI": "capture_uri",
    "INSTANCE_TYPE": "instance_type",
    "INSTANCE_COUNT": "instance_count",
    "MAX_INSTANCE_COUNT": "max_instance_count",
    "SERVERLESS": "serverless",
}
REQUIRED_ENV_VARS = ("ENV_NAME", "ENDPOINT_NAME", "MODEL_PACKAGE_GROUP", "SAGEMAKER_ROLE_ARN", "DATA_CAPTURE_S3_URI")


class NotApproved(UserError):
    """The package to deploy is not Approved: nothing was changed."""


class DeployError(UserError):
    """The endpoint did not end up serving the new config (failed or rolled back)."""


@dataclass(frozen=True)
class Target:
    """Where and how an environment's model is served."""

    env: str
    endpoint_name: str
    model_package_group: str
    role_arn: str
    capture_uri: str
    instance_type: str = "ml.m5.large"
    instance_count: int = 1
    max_instance_count: int = 2
    serverless: bool = False
    local: bool = False

    @classmethod
    def from_config(cls, cfg, env: str, *, local: bool = False, serverless: bool | None = None) -> Target:
        """The env's target; instance type and serverless from configuration unless `serverless` is given."""
        endpoint = cfg.endpoint_name(env)
        return cls(
            env=env,
            endpoint_name=endpoint,
            model_package_group=cfg.model_package_group(env),
            role_arn=cfg.sagemaker_role_arn(env),
            capture_uri=cfg.data_capture_uri(env),
            instance_type=cfg.endpoint_instance_type(env),
            serverless=cfg.endpoint_serverless(env) if serverless is None else serverless,
            local=local,
        )

    @classmethod
    def from_session(cls, session, *, serverless: bool | None = None) -> Target:
        """The target of an `awsenv.sessions.EnvSession`'s env (its config, emulator or AWS)."""
        return cls.from_config(session.cfg, session.env, local=session.local, serverless=serverless)

    @classmethod
    def from_environ(cls, environ: dict[str, str]) -> Target:
        """The Lambda's view: every value from its environment variables (see ENV_VARS)."""
        required = [key for key in REQUIRED_ENV_VARS if not environ.get(key)]
        if required:
            raise UserError(f"auto-deploy: environment variables missing: {', '.join(required)}; set them in terraform")
        values: dict[str, Any] = {field: environ[key] for key, field in ENV_VARS.items() if environ.get(key)}
        for field in ("instance_count", "max_instance_count"):
            if field in values:
                values[field] = int(values[field])
        values["serverless"] = str(values.get("serverless", "")).lower() in ("1", "true", "yes")
        return cls(**values)


@dataclass(frozen=True)
class DeployResult:
    action: str  # created | updated | unchanged
    endpoint: str
    config: str
    version: int
    package_arn: str
    seconds: float

    def line(self) -> str:
        what = {
            "created": "created, now serving",
            "updated": "updated (blue/green), now serving",
            "unchanged": "already serving",
        }[self.action]
        return f"endpoint {self.endpoint}: {what} model package version {self.version} (config {self.config})"


def deployment_spec(target: Target, package: registry.Package) -> dict[str, Any]:
    """Everything that defines a deployment; its hash names the Model and EndpointConfig."""
    if target.serverless:
        variant: dict[str, Any] = {"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}
        capture = None  # serverless endpoints do not support data capture
    else:
        variant = {
            "InstanceType": target.instance_type,
            "InitialInstanceCount": target.instance_count,
            "InitialVariantWeight": 1.0,
        }
        capture = {
            "EnableCapture": True,
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": target.capture_uri,
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
            "CaptureContentTypeHeader": {"JsonContentTypes": ["application/json"], "CsvContentTypes": ["text/csv"]},
        }
    _, content_digest = recorded(package.metadata)
    container = {
        "Image": package.image,
        "ModelDataUrl": package.model_data_url,
        "Environment": {
            **(package.environment or {}),  # the registered image's settings (transformer: Hugging Face image)
            "MODEL_PACKAGE_ARN": package.arn,
            "MODEL_PACKAGE_VERSION": str(package.version),
            CONTENT_ENV: content_digest or "",
        },
    }
    return {"container": container, "variant": variant, "capture": capture, "role": target.role_arn}


def deployment_name(target: Target, package: registry.Package) -> str:
    digest = hashlib.sha256(json.dumps(deployment_spec(target, package), sort_keys=True).encode()).hexdigest()
    return f"{target.endpoint_name}-v{package.version}-{digest[:8]}"


def describe_endpoint(sm, name: str) -> dict[str, Any] | None:
    """The endpoint's description, or None if it does not exist (any other error propagates)."""
    try:
        return sm.describe_endpoint(EndpointName=name)
    except sm.exceptions.ClientError as error:
        if is_not_found(error):
            return None
        raise


def resolve_package(sm, target: Target, version: int | None) -> registry.Package:
    if version is None:
        package = registry.latest_approved(sm, target.model_package_group)
        if package is None:
            raise registry.NoSuchPackage(
                f"model.deploy: no Approved model package in group '{target.model_package_group}' ({target.env}); "
                f"run the training pipeline, then `invoke model.approve --env={target.env} --version N`"
            )
        return package
    return registry.find(sm, target.model_package_group, version)


def _wait_in_service(sm, target: Target) -> None:
    from botocore.exceptions import WaiterError

    waiter = sm.get_waiter("endpoint_in_service")
    delay, attempts = (1, 30) if target.local else (30, 120)
    try:
        waiter.wait(EndpointName=target.endpoint_name, WaiterConfig={"Delay": delay, "MaxAttempts": attempts})
    except WaiterError as error:  # Failed status or timeout
        raise DeployError(
            f"endpoint {target.endpoint_name}: not InService ({error}); see its FailureReason in the SageMaker console"
        ) from None


def _ensure_model_and_config(sm, target: Target, package: registry.Package, name: str) -> list[dict[str, str]]:
    """The Model and EndpointConfig `name` of `package` (created when missing); their tags."""
    spec = deployment_spec(target, package)
    tags = [{"Key": "model-package-arn", "Value": package.arn}, {"Key": "env", "Value": target.env}]
    try:
        sm.describe_model(ModelName=name)
    except sm.exceptions.ClientError as error:
        if not is_not_found(error):
            raise
        sm.create_model(ModelName=name, ExecutionRoleArn=target.role_arn, PrimaryContainer=spec["container"], Tags=tags)
    try:
        sm.describe_endpoint_config(EndpointConfigName=name)
    except sm.exceptions.ClientError as error:
        if not is_not_found(error):
            raise
        config: dict[str, Any] = {
            "EndpointConfigName": name,
            "ProductionVariants": [{"VariantName": VARIANT, "ModelName": name, **spec["variant"]}],
            "Tags": tags,
        }
        if spec["capture"]:
            config["DataCaptureConfig"] = spec["capture"]
        sm.create_endpoint_config(**config)
    return tags


def check_deployable(package: registry.Package, target: Target) -> None:
    """Refuse, before changing anything, a package that is not Approved or has no artifact digests."""
    if package.status != "Approved":
        raise NotApproved(
            f"model.deploy: model package version {package.version} of '{package.group}' is {package.status}, "
            f"not Approved; nothing deployed. Approve it with `invoke model.approve --env={target.env} --version {package.version}`"
        )
    if not all(recorded(package.metadata)):
        raise IntegrityError(
            f"model.deploy: model package version {package.version} of '{package.group}' has no registered artifact "
            "checksums (model-archive-sha256, model-content-sha256); nothing deployed. Register it with the pipeline"
        )


def deploy(session, target: Target, version: int | None = None) -> DeployResult:
    """Deploy package `version` (default: newest Approved) to `target`'s endpoint; see module docstring."""
    started = time.monotonic()
    sm = session.client("sagemaker")
    package = resolve_package(sm, target, version)
    check_deployable(package, target)
    name = deployment_name(target, package)
    endpoint = describe_endpoint(sm, target.endpoint_name)
    if endpoint and endpoint["EndpointStatus"] in ("Creating", "Updating", "SystemUpdating"):
        _wait_in_service(sm, target)
        endpoint = describe_endpoint(sm, target.endpoint_name)
    if endpoint and endpoint["EndpointConfigName"] == name and endpoint["EndpointStatus"] == "InService":
        return DeployResult("unchanged", target.endpoint_name, name, package.version, package.arn, 0.0)
    if endpoint and endpoint["EndpointStatus"] != "InService":
        raise DeployError(
            f"endpoint {target.endpoint_name}: status {endpoint['EndpointStatus']} cannot be updated; "
            "delete it (aws sagemaker delete-endpoint) and deploy again"
        )

    tags = _ensure_model_and_config(sm, target, package, name)
    if endpoint is None:
        sm.create_endpoint(EndpointName=target.endpoint_name, EndpointConfigName=name, Tags=tags)
        action = "created"
    else:
        kwargs: dict[str, Any] = {"EndpointName": target.endpoint_name, "EndpointConfigName": name}
        if not target.serverless:  # blue/green guardrails are for real-time variants
            kwargs["DeploymentConfig"] = deployment_config(rollback_alarms(session.client("cloudwatch"), target))
        sm.update_endpoint(**kwargs)
        action = "updated"
    _wait_in_service(sm, target)
    serving = describe_endpoint(sm, target.endpoint_name) or {}
    if serving.get("EndpointConfigName") != name:
        raise DeployError(
            f"endpoint {target.endpoint_name}: serves config {serving.get('EndpointConfigName')}, not {name}: "
            "the update was rolled back (see the rollback alarms); the previous model is still serving"
        )
    if not target.serverless:
        if action == "created":  # an update created/refreshed them before UpdateEndpoint
            rollback_alarms(session.client("cloudwatch"), target)
        autoscale(session.client("application-autoscaling"), target)
    return DeployResult(action, target.endpoint_name, name, package.version, package.arn, time.monotonic() - started)


def serving(sm, target: Target) -> dict[str, Any] | None:
    """What the endpoint serves now: endpoint config, model, package ARN/version, model data URL."""
    endpoint = describe_endpoint(sm, target.endpoint_name)
    if endpoint is None:
        return None
    config = sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    model_name = config["ProductionVariants"][0]["ModelName"]
    container = sm.describe_model(ModelName=model_name).get("PrimaryContainer", {})
    environment = container.get("Environment", {})
    return {
        "endpoint": target.endpoint_name,
        "status": endpoint["EndpointStatus"],
        "config": endpoint["EndpointConfigName"],
        "model": model_name,
        "package_arn": environment.get("MODEL_PACKAGE_ARN"),
        "version": int(environment.get("MODEL_PACKAGE_VERSION", 0)) or None,
        "model_data_url": container.get("ModelDataUrl"),
        "serverless": "ServerlessConfig" in config["ProductionVariants"][0],
    }
