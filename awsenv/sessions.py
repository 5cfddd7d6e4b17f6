"""The one place that builds AWS sessions.

`EnvSession(cfg, env, local=...)` is one environment on one target for one run: config, env,
emulator-or-AWS, the boto3 session and its clients (each made once) and the SageMaker SDK
session (made lazily, once). Tasks make one per env and pass it down.

`aws_session(cfg, env, local=...)` returns a boto3 session for an account:

* **AWS, on a laptop**: the named profile of that account (`AWS_PROFILE_<ACCOUNT>` in .env,
  by default the original README's profile names).
* **AWS, in CI** (`CI=true`): the ambient credentials (GitHub OIDC role), no profile.
* **emulator** (`local=True`): an STS assume-role into the account id on the moto server at
  127.0.0.1, so each account's resources stay separate. Every client and resource made from
  that session talks to the emulator; nothing else on the network is ever contacted.

The SageMaker SDK (v3) session the pipeline definition is built with lives in
`awsenv/sagemaker_sdk.py` (imported lazily: importing the SDK costs seconds).
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from awsenv.config import ACCOUNTS, Config, ConfigError

if TYPE_CHECKING:
    import boto3

EMULATOR_KEY = "testing"  # moto accepts any credentials; these never leave 127.0.0.1


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
    process, not once per session (sessions are rebuilt after each emulator reset). Its loads
    take one lock: botocore's cache has none, so threads that make their first clients at once
    (the demo's environments) would each parse the same description, one GIL between them."""
    import threading

    from botocore.loaders import create_loader

    loader = create_loader()
    lock = threading.RLock()  # re-entrant: load_service_model calls load_data_with_path
    for name in ("load_service_model", "load_data", "load_data_with_path"):
        method = getattr(loader, name)

        def locked(*args, _method=method, **kwargs):
            with lock:
                return _method(*args, **kwargs)

        setattr(loader, name, locked)
    return loader


@cache
def _loader_for(search_path: str | None):
    from botocore.loaders import create_loader

    return _shared_loader() if search_path is None else create_loader(search_path)


def share_botocore_loaders() -> None:
    """Every botocore session made from now on in this process (also the ones libraries make
    for themselves, e.g. the SageMaker SDK's one per processing step) shares one data loader
    per data path: a service description is parsed once per process (~0.1 s each), not once
    per session. The files read and the models built are the same."""
    import botocore.session

    botocore.session.create_loader = _loader_for


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


def forget_sessions() -> None:
    """Drop every cached session (emulator and AWS), e.g. after credentials or profiles changed."""
    _emulator_session.cache_clear()
    _aws_session.cache_clear()


def aws_session(cfg: Config, account: str, *, local: bool = False, endpoint_url: str | None = None) -> boto3.Session:
    """boto3 session for `account` (operations, dev, staging, prod) on AWS or the emulator, built
    once per process (a thin cached function; new code takes an `EnvSession`)."""
    _check_account(account)
    if local:
        return _emulator_session(endpoint_url or cfg.emulator_url, cfg.region, cfg.accounts[account])
    return _aws_session(None if cfg.ci else cfg.profiles[account], cfg.region)


@cache
def _aws_session(profile: str | None, region: str) -> boto3.Session:
    """A named profile's session (laptop), or the ambient credentials' (CI, profile None)."""
    import boto3

    return boto3.Session(profile_name=profile, region_name=region)


class Clients:
    """A boto3 session and its clients, each made once (`client(name)`, `s3`, `sagemaker`).

    The code below the tasks takes one of these (usually an `EnvSession`) and calls `client(name)`
    on it; a subclass decides how the boto3 session is made (`_make_boto`)."""

    def __init__(self, boto: boto3.Session | None = None):
        self._boto = boto
        self._clients: dict[str, Any] = {}

    def _make_boto(self) -> boto3.Session:
        raise NotImplementedError

    @property
    def boto(self) -> boto3.Session:
        if self._boto is None:
            self._boto = self._make_boto()
        return self._boto

    def client(self, service: str):
        """The boto3 client for `service`, created once per session."""
        if service not in self._clients:
            self._clients[service] = self.boto.client(service)
        return self._clients[service]

    @property
    def s3(self):
        return self.client("s3")

    @property
    def sagemaker(self):
        return self.client("sagemaker")

    @property
    def region(self) -> str:
        return self.boto.region_name or ""

    @property
    def endpoint_url(self) -> str | None:
        """Where the clients send requests: the emulator's URL, or None (AWS's own endpoints)."""
        return getattr(self.boto, "endpoint_url", None) or None

    def credentials_environ(self) -> dict[str, str]:
        """AWS_* variables giving a subprocess this session's identity, region and endpoint."""
        frozen = self.boto.get_credentials().get_frozen_credentials()
        values = {
            "AWS_ACCESS_KEY_ID": frozen.access_key,
            "AWS_SECRET_ACCESS_KEY": frozen.secret_key,
            "AWS_SESSION_TOKEN": frozen.token or "",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }
        if self.endpoint_url:
            values["AWS_ENDPOINT_URL"] = self.endpoint_url
        return values


class EnvSession(Clients):
    """One environment (or account) on one target for one run: what code below the tasks needs.

    Holds the configuration, the env, whether the target is the emulator, and builds once, on
    first use: the boto3 session (`boto`, from `aws_session`), each client (`client(name)`,
    `s3`, `sagemaker`) and the SageMaker SDK session the pipeline definition is built with
    (`sdk`, definition-only: see `offline_sagemaker_session`). Pass it down instead of
    `(cfg, env, local)`; a task makes one per env it works on.
    """

    def __init__(self, cfg: Config, env: str, *, local: bool = False, endpoint_url: str | None = None):
        super().__init__()
        self.cfg, self.env, self.local = cfg, _check_account(env), local
        self._endpoint_url = endpoint_url

    def __repr__(self) -> str:
        return f"EnvSession({self.env}, {'emulator' if self.local else 'AWS'})"

    def _make_boto(self) -> boto3.Session:
        return aws_session(self.cfg, self.env, local=self.local, endpoint_url=self._endpoint_url)

    @property
    def region(self) -> str:
        return self.cfg.region

    @property
    def sdk(self):
        """The SageMaker SDK `PipelineSession` for building this env's definition (built once)."""
        from awsenv.sagemaker_sdk import offline_sagemaker_session

        return offline_sagemaker_session(self.cfg, self.env)


def ambient_session(region: str | None = None) -> Clients:
    """The runtime's own credentials and region, clients made once, for code that runs inside AWS
    without a `.env` (the auto-deploy Lambda: its execution role, its AWS_REGION)."""
    import boto3

    return Clients(boto3.Session(region_name=region or os.environ.get("AWS_REGION")))
