"""Shared fixtures: a configuration with four test accounts and an in-process emulator.

One moto server (with the project's emulator extensions) runs per test session on a free
loopback port; each test that asks for `emulator` gets it freshly reset, with the four
accounts' roles assumed again (moto forgets assumed roles on reset).
"""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Iterator
from types import ModuleType

import pytest

from awsenv.config import REPO_ROOT, Config, load_config


def load_step(name: str) -> ModuleType:
    """A step script of training_pipeline/steps as a module (they ship alone: not a package)."""
    from training_pipeline.code import STEPS_DIR

    spec = importlib.util.spec_from_file_location(f"step_{name}", STEPS_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TEST_ACCOUNTS = {
    "OPERATIONS_ACCOUNT_ID": "100000000001",
    "DEV_ACCOUNT_ID": "200000000002",
    "STAGING_ACCOUNT_ID": "300000000003",
    "PROD_ACCOUNT_ID": "400000000004",
}
TEST_ENVIRON = {
    **TEST_ACCOUNTS,
    "AWS_REGION": "eu-west-1",
    "GITHUB_REPO": "example-org/example-repo",
    "PROJECT_NAME": "promote-test",
    # dev and staging default to serverless endpoints; the tests exercise the real-time path
    # (blue/green, data capture, autoscaling) there, and serverless where they ask for it.
    "ENDPOINT_INSTANCE_TYPE_DEV": "ml.m5.large",
    "ENDPOINT_INSTANCE_TYPE_STAGING": "ml.m5.large",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test may reach real AWS or read the developer's credentials, profiles or .env."""
    for key in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(key, raising=False)
    home = tmp_path_factory.getbasetemp() / "aws-home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True)
def _fresh_event_buses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with empty local event buses (no rule of another test fires)."""
    from awsenv import event_bus

    monkeypatch.setattr(event_bus, "_BUSES", {})


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    """URL of a session-wide moto server with the project's extensions installed."""
    from moto.server import ThreadedMotoServer

    from awsenv.emulator_ext import install

    install()
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def cfg(emulator_url: str) -> Config:
    """Validated test configuration whose emulator port is the test server's."""
    port = emulator_url.rsplit(":", 1)[1]
    return load_config(env_file=None, environ={**TEST_ENVIRON, "EMULATOR_PORT": port})


@pytest.fixture
def emulator(emulator_url: str, cfg: Config) -> Config:
    """A freshly reset emulator; returns the configuration pointing at it."""
    from awsenv.emulator import reset

    reset(emulator_url)
    return cfg


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT
