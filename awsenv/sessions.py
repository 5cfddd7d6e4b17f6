"""The one place that builds AWS sessions.

`aws_session(cfg, env, local=...)` returns a boto3 session for an account:

* **AWS, on a laptop**: the named profile of that account (`AWS_PROFILE_<ACCOUNT>` in .env,
  by default the original README's profile names).
* **AWS, in CI** (`CI=true`): the ambient credentials (GitHub OIDC role), no profile.
* **emulator** (`local=True`): an STS assume-role into the account id on the moto server at
  127.0.0.1, so each account's resources stay separate. Every client and resource made from
  that session talks to the emulator; nothing else on the network is ever contacted.

`sagemaker_session(cfg, env, local=...)` wraps it in a SageMaker SDK `PipelineSession` with an
explicit default bucket and role and telemetry switched off (imported lazily: `import
sagemaker` costs seconds).
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import TYPE_CHECKING, Any

from awsenv.config import ACCOUNTS, REPO_ROOT, Config, ConfigError

if TYPE_CHECKING:
    import boto3

EMULATOR_KEY = "testing"  # moto accepts any credentials; these never leave 127.0.0.1
SAGEMAKER_SDK_CONFIG = REPO_ROOT / "awsenv" / "sagemaker-sdk.yaml"


def _check_account(account: str) -> str:
    if account not in ACCOUNTS:
        raise ConfigError([f"account: '{account}' is not an account; use one of: {', '.join(ACCOUNTS)}"])
    return account


def _emulator_session_class():
    import boto3

    class EmulatorSession(boto3.Session):
        """A boto3 session whose clients and resources all point at the local emulator."""

        endpoint_url: str = ""

        def client(self, *args: Any, **kwargs: Any):
            kwargs.setdefault("endpoint_url", self.endpoint_url)
            return super().client(*args, **kwargs)

        def resource(self, *args: Any, **kwargs: Any):
            kwargs.setdefault("endpoint_url", self.endpoint_url)
            return super().resource(*args, **kwargs)

    return EmulatorSession


@cache
def _shared_loader():
    """One botocore data loader for every emulator session: service models are parsed once per
    process, not once per session (sessions are rebuilt after each emulator reset)."""
    from botocore.loaders import create_loader

    return create_loader()


def _botocore_session():
    import botocore.session

    session = botocore.session.get_session()
    session.register_component("data_loader", _shared_loader())
    return session


@cache
def _emulator_session(endpoint_url: str, region: str, account_id: str) -> boto3.Session:
    session_class = _emulator_session_class()
    root = session_class(
        botocore_session=_botocore_session(),
        aws_access_key_id=EMULATOR_KEY,
        aws_secret_access_key=EMULATOR_KEY,
        region_name=region,
    )
    root.endpoint_url = endpoint_url
    creds = root.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/emulator-admin", RoleSessionName="aws-promote-code"
    )["Credentials"]
    session = session_class(
        botocore_session=_botocore_session(),
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )
    session.endpoint_url = endpoint_url
    return session


def forget_emulator_sessions() -> None:
    """Drop cached assumed-role sessions (needed after the emulator is reset)."""
    _emulator_session.cache_clear()


def aws_session(cfg: Config, account: str, *, local: bool = False, endpoint_url: str | None = None) -> boto3.Session:
    """boto3 session for `account` (operations, dev, staging, prod) on AWS or the emulator."""
    _check_account(account)
    if local:
        return _emulator_session(endpoint_url or cfg.emulator_url, cfg.region, cfg.accounts[account])
    import boto3

    if cfg.ci:
        return boto3.Session(region_name=cfg.region)
    return boto3.Session(profile_name=cfg.profiles[account], region_name=cfg.region)


def ambient_session(region: str | None = None) -> boto3.Session:
    """boto3 session with the runtime's own credentials and region, for code that runs inside AWS
    without a `.env` (the auto-deploy Lambda: its execution role, its AWS_REGION)."""
    import boto3

    return boto3.Session(region_name=region or os.environ.get("AWS_REGION"))


def disable_sagemaker_telemetry() -> None:
    """Point the SageMaker SDK at our config file (TelemetryOptOut) before it is imported."""
    os.environ.setdefault("SAGEMAKER_USER_CONFIG_OVERRIDE", str(SAGEMAKER_SDK_CONFIG))
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    # The SDK logs config-file notices at INFO to stdout unless a level is set already.
    logging.getLogger("sagemaker.config").setLevel(logging.WARNING)


def _validate_sdk_config_once() -> None:
    """The SDK re-validates its (unchanged) config file against a JSON schema on every config
    lookup: ~0.2 s each, ~10 s per pipeline definition. Validate each distinct config once."""
    import json

    import sagemaker.utils

    original = sagemaker.utils.validate_sagemaker_config
    if getattr(original, "_validated_once", False):
        return
    seen: set[str] = set()

    def validate_once(sagemaker_config: dict | None = None):
        key = json.dumps(sagemaker_config, sort_keys=True, default=str)
        if key not in seen:
            original(sagemaker_config)
            seen.add(key)

    validate_once._validated_once = True
    sagemaker.utils.validate_sagemaker_config = validate_once


def _import_sdk_keeping_root_logging() -> None:
    """`sagemaker.experiments._metrics`, imported while a pipeline is built, calls
    `logging.basicConfig(level=INFO)`, which would print every library's INFO lines. Import it
    here, once, and put the root logger back as it was."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    import sagemaker.experiments._metrics  # noqa: F401

    root.setLevel(level)
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)


def _pipeline_session(cfg: Config, env: str, boto_session):
    """PipelineSession over `boto_session` with explicit default bucket and role (no STS lookups)."""
    disable_sagemaker_telemetry()
    _validate_sdk_config_once()
    _import_sdk_keeping_root_logging()
    from sagemaker.workflow.pipeline_context import PipelineSession

    session = PipelineSession(
        boto_session=boto_session,
        sagemaker_client=boto_session.client("sagemaker"),
        default_bucket=cfg.data_bucket(env),
    )
    session.execution_role_arn = cfg.sagemaker_role_arn(env)
    return session


def sagemaker_session(cfg: Config, env: str, *, local: bool = False, endpoint_url: str | None = None):
    """SageMaker SDK `PipelineSession` for `env` with explicit default bucket (no STS lookups)."""
    return _pipeline_session(cfg, env, aws_session(cfg, env, local=local, endpoint_url=endpoint_url))


OFFLINE_ENDPOINT = "http://127.0.0.1:9"  # the discard port: a stray call fails at once, locally
OFFLINE_KEY = "offline"  # dummy credentials of the definition-only session


def offline_sagemaker_session(cfg: Config, env: str):
    """`PipelineSession` for building definitions only: no credentials, no AWS call possible.

    Building a pipeline definition needs a session object but no service call; this one has
    dummy credentials and points every client at a closed loopback port, so
    `invoke pipeline.definition` works without a profile or a running emulator.
    """
    boto_session = _emulator_session_class()(
        aws_access_key_id=OFFLINE_KEY, aws_secret_access_key=OFFLINE_KEY, region_name=cfg.region
    )
    boto_session.endpoint_url = OFFLINE_ENDPOINT
    return _pipeline_session(cfg, env, boto_session)
