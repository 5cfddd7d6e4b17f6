"""Session selection (profile / CI / emulator) and per-account isolation in the emulator."""

from __future__ import annotations

import pytest

from awsenv.config import ConfigError, load_config
from awsenv.sagemaker_sdk import offline_sagemaker_session
from awsenv.sessions import aws_session
from tests.conftest import TEST_ENVIRON


def test_laptop_session_uses_the_accounts_named_profile(tmp_path, monkeypatch):
    config_file = tmp_path / "config"
    config_file.write_text("[profile staging]\nregion = us-west-2\n[profile my-dev]\nregion = us-west-2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    cfg = load_config(env_file=None, environ={**TEST_ENVIRON, "AWS_PROFILE_DEV": "my-dev"})
    assert aws_session(cfg, "staging").profile_name == "staging"
    assert aws_session(cfg, "dev").profile_name == "my-dev"
    assert aws_session(cfg, "dev").region_name == "eu-west-1"


def test_ci_session_uses_ambient_credentials_and_no_profile(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ambient")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "ambient")
    cfg = load_config(env_file=None, environ={**TEST_ENVIRON, "CI": "true"})
    session = aws_session(cfg, "prod")
    assert session.profile_name == "default"
    assert session.get_credentials().access_key == "ambient"


def test_unknown_account_is_refused(cfg):
    with pytest.raises(ConfigError, match="'qa' is not an account; use one of: operations, dev, staging, prod"):
        aws_session(cfg, "qa")


def test_emulator_session_is_an_assumed_role_in_that_account(emulator):
    for account, account_id in emulator.accounts.items():
        identity = aws_session(emulator, account, local=True).client("sts").get_caller_identity()
        assert identity["Account"] == account_id
        assert ":assumed-role/" in identity["Arn"]


def test_emulator_clients_never_leave_loopback(emulator):
    session = aws_session(emulator, "dev", local=True)
    for service in ("s3", "sagemaker", "sts", "ecr", "events"):
        assert session.client(service).meta.endpoint_url == emulator.emulator_url
    assert session.resource("s3").meta.client.meta.endpoint_url == emulator.emulator_url


def test_a_bucket_created_as_dev_is_invisible_to_staging(emulator):
    dev = aws_session(emulator, "dev", local=True).client("s3")
    staging = aws_session(emulator, "staging", local=True).client("s3")
    dev.create_bucket(Bucket="only-in-dev", CreateBucketConfiguration={"LocationConstraint": emulator.region})
    assert [b["Name"] for b in dev.list_buckets()["Buckets"]] == ["only-in-dev"]
    assert staging.list_buckets()["Buckets"] == []


def test_model_registry_is_per_account(emulator):
    dev = aws_session(emulator, "dev", local=True).client("sagemaker")
    prod = aws_session(emulator, "prod", local=True).client("sagemaker")
    dev.create_model_package_group(ModelPackageGroupName="g")
    assert [g["ModelPackageGroupName"] for g in dev.list_model_package_groups()["ModelPackageGroupSummaryList"]] == [
        "g"
    ]
    assert prod.list_model_package_groups()["ModelPackageGroupSummaryList"] == []


def test_reset_empties_accounts_and_roles_are_assumed_again(emulator):
    from awsenv.emulator import reset

    aws_session(emulator, "dev", local=True).client("s3").create_bucket(
        Bucket="wiped", CreateBucketConfiguration={"LocationConstraint": emulator.region}
    )
    reset(emulator.emulator_url)
    session = aws_session(emulator, "dev", local=True)
    assert session.client("sts").get_caller_identity()["Account"] == emulator.accounts["dev"]
    assert session.client("s3").list_buckets()["Buckets"] == []


def test_sdk_session_has_explicit_bucket_role_no_telemetry_and_no_reachable_endpoint(cfg):
    import os

    from awsenv.sagemaker_sdk import OFFLINE_ENDPOINT, sdk_environment

    session = offline_sagemaker_session(cfg, "staging")
    assert offline_sagemaker_session(cfg, "staging") is session  # built once
    from botocore.exceptions import EndpointConnectionError

    with pytest.raises(EndpointConnectionError, match=r"127\.0\.0\.1:9"):  # any call fails, locally
        session.default_bucket()  # (the SDK checks the bucket exists; building never asks)
    assert session.execution_role_arn == cfg.sagemaker_role_arn("staging")
    assert session.sagemaker_client.meta.endpoint_url == OFFLINE_ENDPOINT
    assert session.boto_session.client("s3").meta.endpoint_url == OFFLINE_ENDPOINT
    assert os.environ["SAGEMAKER_USER_CONFIG_OVERRIDE"].endswith("sagemaker-sdk.yaml")
    from sagemaker.core.common_utils import resolve_value_from_config
    from sagemaker.core.config.config_schema import TELEMETRY_OPT_OUT_PATH

    assert resolve_value_from_config(config_path=TELEMETRY_OPT_OUT_PATH, sagemaker_session=session) is True
    before = dict(os.environ)
    with sdk_environment("eu-west-1"):
        assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
        assert os.environ["SAGEMAKER_VALIDATE_ROLE"] == "false"
    assert dict(os.environ) == before  # the process environment is put back


def test_building_a_pipeline_leaves_root_logging_alone(repo_root):
    import subprocess
    import sys

    probe = (
        "import logging; from awsenv.config import load_config; from training_pipeline.pipeline import definition; "
        "from tests.conftest import TEST_ENVIRON; "
        "definition(load_config(env_file=None, environ=TEST_ENVIRON), 'dev', 'a' * 40); "
        "root = logging.getLogger(); print(root.level, len(root.handlers))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=repo_root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["30", "0"]  # WARNING, no handler: the SDK's basicConfig(INFO) was undone


def test_ambient_and_env_sessions_make_each_client_once(emulator):
    from awsenv.sessions import EnvSession, ambient_session

    ambient = ambient_session("eu-west-1")
    assert ambient.client("sagemaker") is ambient.client("sagemaker") and ambient.region == "eu-west-1"
    session = EnvSession(emulator, "dev", local=True)
    assert session.s3 is session.client("s3") and session.s3 is not session.sagemaker
    environ = session.credentials_environ()
    assert environ["AWS_ENDPOINT_URL"] == emulator.emulator_url and environ["AWS_REGION"] == emulator.region


CODE_ABOVE_SESSIONS = ("commands", "laptop", "release", "inference", "monitoring", "training_pipeline", "scripts")


def test_code_above_awsenv_takes_an_env_session_not_aws_session(repo_root):
    """`aws_session(cfg, env, local)` is awsenv's own building block: the layers above pass an
    `EnvSession` down (infracheck, the emulator's own checks, keeps its per-account sessions)."""
    import ast

    callers = []
    for package in CODE_ABOVE_SESSIONS:
        for path in sorted((repo_root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                name = node.id if isinstance(node, ast.Name) else node.name if isinstance(node, ast.alias) else ""
                if name == "aws_session":
                    callers.append(f"{path.relative_to(repo_root)}:{node.lineno}")
    assert callers == []


def test_shared_botocore_loaders_parse_each_service_description_once(monkeypatch):
    import botocore.session

    from awsenv.sessions import share_botocore_loaders

    monkeypatch.setattr(botocore.session, "create_loader", botocore.session.create_loader)  # restored afterwards
    share_botocore_loaders()
    first, second = botocore.session.get_session(), botocore.session.get_session()
    assert first.get_component("data_loader") is second.get_component("data_loader")
    own_path = botocore.session.get_session({"data_path": ("data_path", None, None, None)})
    own_path.set_config_variable("data_path", "/nonexistent/models")
    assert own_path.get_component("data_loader") is not first.get_component("data_loader")
    assert "/nonexistent/models" in own_path.get_component("data_loader").search_paths


def test_the_sdk_validates_each_distinct_config_once_and_still_refuses_a_bad_one(monkeypatch):
    import jsonschema

    from awsenv.sagemaker_sdk import import_sagemaker_sdk

    import_sagemaker_sdk("eu-west-1")
    from sagemaker.core.config import config as sdk_config
    from sagemaker.core.helper import session_helper

    calls = []
    original = jsonschema.validate
    monkeypatch.setattr(jsonschema, "validate", lambda *a, **k: calls.append(a) or original(*a, **k))
    config = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}
    for _ in range(3):
        sdk_config.validate_sagemaker_config(config)
        session_helper.validate_sagemaker_config(config)
    assert len(calls) <= 2  # once per validator at most (another test may have validated it already)
    with pytest.raises(jsonschema.ValidationError):
        sdk_config.validate_sagemaker_config({"SchemaVersion": "1.0", "SageMaker": {"NoSuchKey": 1}})


def test_threads_making_their_first_clients_at_once_parse_each_description_once(monkeypatch):
    import threading

    import botocore.loaders

    from awsenv import sessions

    sessions._shared_loader.cache_clear()
    monkeypatch.setattr(sessions, "_shared_loader", sessions._shared_loader)  # the fresh one is dropped afterwards
    parsed = []
    load_file = botocore.loaders.JSONFileLoader.load_file

    def counting(self, file_path):
        parsed.append(file_path)
        return load_file(self, file_path)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", counting)
    start = threading.Barrier(3)

    def make_client():
        session = sessions._botocore_session()
        start.wait()
        session.create_client("sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")

    threads = [threading.Thread(target=make_client) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sagemaker_models = [path for path in parsed if "/sagemaker/" in str(path) and str(path).endswith("/service-2")]
    assert len(sagemaker_models) == 1, sagemaker_models
    sessions._shared_loader.cache_clear()
