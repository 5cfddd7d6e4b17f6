"""The SageMaker Python SDK (v3), as the pipeline definition is built with it: offline.

`offline_sagemaker_session(cfg, env)` is the `PipelineSession` the definition is built with:
explicit default bucket and role, telemetry off (awsenv/sagemaker-sdk.yaml), every client
pointed at a closed loopback port. SDK code runs inside `sdk_environment(region)`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from awsenv.config import REPO_ROOT, Config
from awsenv.sessions import _botocore_session, _emulator_session_class, share_botocore_loaders

SAGEMAKER_SDK_CONFIG = REPO_ROOT / "awsenv" / "sagemaker-sdk.yaml"


def disable_sagemaker_telemetry() -> None:
    """Point the SageMaker SDK at our config file (TelemetryOptOut) before it is imported."""
    os.environ.setdefault("SAGEMAKER_USER_CONFIG_OVERRIDE", str(SAGEMAKER_SDK_CONFIG))


# What the SDK sees while it is imported and while a definition is built: it makes boto3
# sessions and clients of its own from the *default* configuration (at import,
# `sagemaker.ai_registry.air_hub` builds a client; each ProcessingStep builds a LocalSession),
# which need a region and resolve credentials, and without credentials probe the EC2 instance
# metadata host. Inside `sdk_environment` they get the region, dummy credentials and no metadata
# lookup; the process environment is put back afterwards. None of those objects is used to call.
# SAGEMAKER_VALIDATE_ROLE=false: `ModelTrainer(role=...)` would check the execution role with
# iam:SimulatePrincipalPolicy, an AWS call while building; the role is terraform's, and
# tests/terraform/test_iam_vs_code.py checks its policy against what the steps do.
_SDK_ENVIRON = {
    "SAGEMAKER_VALIDATE_ROLE": "false",
    "AWS_ACCESS_KEY_ID": "offline",
    "AWS_SECRET_ACCESS_KEY": "offline",
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_DEFAULT_PROFILE": None,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@contextmanager
def sdk_environment(region: str) -> Iterator[None]:
    """Run SageMaker SDK code with a region, dummy credentials and no instance-metadata lookup."""
    disable_sagemaker_telemetry()
    wanted = {**_SDK_ENVIRON, "AWS_DEFAULT_REGION": region}
    saved = {key: os.environ.get(key) for key in wanted}
    try:
        _set_environ(wanted)
        yield
    finally:
        _set_environ(saved)


def _set_environ(values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@cache
def import_sagemaker_sdk(region: str) -> None:
    """Import the SageMaker SDK (v3) once per process, inside `sdk_environment`, and undo or
    speed up two things it does:

    * `sagemaker.core.experiments._metrics` calls `logging.basicConfig(level=INFO)` at import,
      which would make every library print its INFO lines from then on. During the import the
      root logger holds Python's own last-resort handler (what prints WARNING and above when no
      handler is set), which makes that call a no-op and prints what would be printed anyway.
    * every config lookup (and every session the SDK makes, one per processing step) re-validates
      the (unchanged) config file against its JSON schema, ~50 validations of ~0.2 s per
      definition: each distinct config is validated once per validator;
    * each of those sessions parses botocore's service descriptions anew: they share one loader
      (`share_botocore_loaders`).
    """
    share_botocore_loaders()
    root = logging.getLogger()
    added = logging.lastResort is not None and not root.handlers
    if added:
        root.addHandler(logging.lastResort)
    try:
        with sdk_environment(region):
            import sagemaker.core.experiments._metrics
            import sagemaker.mlops.workflow.pipeline  # noqa: F401
    finally:
        if added:
            root.removeHandler(logging.lastResort)
    _validate_sdk_config_once()


# Where the SDK binds its config validator: the class method and, imported by name, the function.
_VALIDATOR_MODULES = ("sagemaker.core.config.config", "sagemaker.core.helper.session_helper",
                      "sagemaker.core.local.local_session")  # fmt: skip


def _validate_sdk_config_once() -> None:
    import importlib
    import json

    from sagemaker.core.config.config_manager import SageMakerConfig

    seen: set[tuple[int, str]] = set()

    def once(original):
        def validate_once(sagemaker_config: dict | None = None) -> None:
            key = (id(original), json.dumps(sagemaker_config, sort_keys=True, default=str))
            if key not in seen:
                original(sagemaker_config)
                seen.add(key)

        return validate_once

    SageMakerConfig.validate_sagemaker_config = staticmethod(once(SageMakerConfig.validate_sagemaker_config))
    for name in _VALIDATOR_MODULES:
        module = importlib.import_module(name)
        module.validate_sagemaker_config = once(module.validate_sagemaker_config)


OFFLINE_ENDPOINT = "http://127.0.0.1:9"  # the discard port: a stray call fails at once, locally
OFFLINE_KEY = "offline"  # dummy credentials of the definition-only session


def offline_sagemaker_session(cfg: Config, env: str):
    """SageMaker SDK `PipelineSession` for building definitions: no credentials, no call possible.

    Building a pipeline definition needs a session object but no service call: this one has
    dummy credentials, an explicit default bucket (the SDK would otherwise look it up) and points
    every client at a closed loopback port, so a stray call fails at once and locally, and
    `invoke pipeline.definition` works without a profile or a running emulator. Built once per
    configuration and env. Upserts and executions go through boto3 (`training_pipeline.pipeline`).
    """
    return _offline_session(cfg.region, cfg.data_bucket(env), cfg.sagemaker_role_arn(env))


@cache
def _offline_session(region: str, bucket: str, role_arn: str):
    import_sagemaker_sdk(region)
    from sagemaker.core.workflow.pipeline_context import PipelineSession

    boto_session = _emulator_session_class()(
        botocore_session=_botocore_session(),
        aws_access_key_id=OFFLINE_KEY,
        aws_secret_access_key=OFFLINE_KEY,
        region_name=region,
    )
    boto_session.endpoint_url = OFFLINE_ENDPOINT
    with sdk_environment(region):
        session = PipelineSession(
            boto_session=boto_session, sagemaker_client=boto_session.client("sagemaker"), default_bucket=bucket
        )
    session.execution_role_arn = role_arn
    return session
