"""The four README tasks run exactly the original README's terraform commands (MockContext)."""

from __future__ import annotations

import json

import pytest
from invoke import Exit, MockContext, Result

import tasks
from awsenv import terraform
from tests.conftest import TEST_ACCOUNTS, TEST_ENVIRON

SHA = "0123456789abcdef0123456789abcdef01234567"
OPS = TEST_ACCOUNTS["OPERATIONS_ACCOUNT_ID"]
BUCKET = f"promote-test-tfstate-{OPS}"
VERSION = "terraform version -json"


def backend_config(key, profile=True):
    config = [
        f"-backend-config=bucket={BUCKET}",
        f"-backend-config=key={key}",
        "-backend-config=region=eu-west-1",
        "-backend-config=use_lockfile=true",
    ]
    return " ".join(config + (["-backend-config=profile=operations"] if profile else []))


def init(root, key=None, profile=True):
    base = f"terraform -chdir=terraform/{root} init -input=false"
    return base if key is None else f"{base} -reconfigure {backend_config(key, profile)}"


class FakeTerraform:
    """Stands in for the terraform binary: remembers workspaces, answers probes."""

    def __init__(self, workspaces=("default",), version="1.10.5"):
        self.workspaces = list(workspaces)
        self.version = version
        self.commands: list[str] = []

    def __call__(self, command, **kwargs):
        self.commands.append(command)
        if command == VERSION:
            return Result(stdout=json.dumps({"terraform_version": self.version}))
        if command.endswith("workspace list"):
            return Result(stdout="".join(f"  {name}\n" for name in self.workspaces))
        if " workspace new " in command:
            self.workspaces.append(command.rsplit(" ", 1)[1])
        return Result()


@pytest.fixture
def project(monkeypatch, tmp_path):
    """Test configuration via .env, var files written under tmp_path, terraform 'installed'."""
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in TEST_ENVIRON.items()))
    monkeypatch.setenv("PROMOTE_ENV_FILE", str(env_file))
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(terraform, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(terraform, "find_terraform", lambda: "/usr/bin/terraform")
    return tmp_path


@pytest.fixture
def fake():
    return FakeTerraform()


@pytest.fixture
def built(monkeypatch):
    """The commit counts as built by CI, and the pipeline upsert is recorded, not performed
    (tests/test_deploy.py runs both for real against the emulator)."""
    upserts = []
    monkeypatch.setattr("release.manifest.require_manifest", lambda cfg, commit, **_: None)
    monkeypatch.setattr("release.manifest.check_pipeline_definition", lambda *_: None)
    monkeypatch.setattr("training_pipeline.pipeline.definition", lambda *_: "{}")
    monkeypatch.setattr(
        "training_pipeline.pipeline.upsert_pipeline", lambda session, tag: upserts.append((session.env, tag))
    )
    return upserts


@pytest.fixture
def ctx(fake):
    c = MockContext(run=True)
    c.run.side_effect = fake
    return c


def test_backend_runs_init_and_apply_with_the_operations_profile(project, ctx, fake):
    tasks.backend(ctx)
    assert fake.commands == [
        VERSION,
        init("backend"),
        "terraform -chdir=terraform/backend apply -var-file=environment/backend.tfvars.json -var=enable_profile=true",
    ]
    written = json.loads((project / "terraform/backend/environment/backend.tfvars.json").read_text())
    assert written["state_bucket_name"] == BUCKET


def test_operations_inits_with_backend_config_and_applies(project, ctx, fake):
    tasks.operations(ctx)
    assert fake.commands == [
        VERSION,
        init("operations", "operations/terraform.tfstate"),
        "terraform -chdir=terraform/operations apply -var-file=environment/operations.tfvars.json -var=enable_profile=true",
    ]


def test_workspaces_creates_the_missing_ones_then_nothing(project, ctx, fake):
    tasks.workspaces(ctx)
    list_cmd = "terraform -chdir=terraform/main workspace list"
    assert fake.commands == [
        VERSION,
        init("main", "main/terraform.tfstate"),
        list_cmd,
        "terraform -chdir=terraform/main workspace new dev",
        "terraform -chdir=terraform/main workspace new staging",
        "terraform -chdir=terraform/main workspace new prod",
    ]
    fake.commands.clear()
    tasks.workspaces(ctx)
    assert fake.commands == [VERSION, init("main", "main/terraform.tfstate"), list_cmd]
    probe = next(call for call in ctx.run.call_args_list if call.args[0] == list_cmd)
    assert probe.kwargs["hide"] is True and probe.kwargs["warn"] is True


def test_deploy_selects_the_workspace_and_applies_with_profile(project, ctx, fake, built, monkeypatch):
    monkeypatch.setattr("awsenv.gitinfo.head_sha", lambda *a, **k: SHA)
    tasks.deploy(ctx, env="staging")
    assert fake.commands == [
        VERSION,
        init("main", "main/terraform.tfstate"),
        "terraform -chdir=terraform/main workspace select staging",
        "terraform -chdir=terraform/main apply -var-file=environment/staging.tfvars.json -var=enable_profile=true",
    ]
    variables = json.loads((project / "terraform/main/environment/staging.tfvars.json").read_text())
    assert variables["environment"] == "staging" and variables["image_tag"] == SHA
    assert variables["account_ids"]["staging"] == TEST_ACCOUNTS["STAGING_ACCOUNT_ID"]
    assert built == [("staging", SHA)]


def test_deploy_in_ci_dry_run_prints_commands_without_profile(project, ctx, fake, monkeypatch, capsys):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(terraform, "find_terraform", lambda: None)  # not needed for a dry run
    tasks.deploy(ctx, env="staging", dry_run=True, image_tag=SHA)
    assert fake.commands == []
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("#")]
    assert lines == [
        init("main", "main/terraform.tfstate", profile=False),
        "terraform -chdir=terraform/main workspace select staging",
        "terraform -chdir=terraform/main apply -var-file=environment/staging.tfvars.json -input=false -auto-approve",
    ]
    assert "profile" not in "\n".join(lines)


def test_deploy_local_points_terraform_at_the_emulator(project, ctx, fake, built):
    tasks.deploy(ctx, env="dev", local=True, image_tag=SHA)
    init_call = next(call for call in ctx.run.call_args_list if " init " in call.args[0])
    assert init_call.kwargs["env"]["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert "-backend-config=use_path_style=true" in init_call.args[0]
    assert "profile" not in init_call.args[0]
    assert fake.commands[-1].endswith("-var-file=environment/dev.tfvars.json -var=use_emulator=true")


def test_missing_terraform_is_one_line(project, ctx, fake, monkeypatch):
    monkeypatch.setattr(terraform, "find_terraform", lambda: None)
    with pytest.raises(Exit) as error:
        tasks.backend(ctx)
    message = str(error.value.message)
    assert len(message.splitlines()) == 1
    assert message.startswith("error: terraform: not found on PATH;") and ">= 1.10" in message
    assert fake.commands == []


def test_old_terraform_is_refused(project, monkeypatch):
    old = FakeTerraform(version="1.9.8")
    c = MockContext(run=True)
    c.run.side_effect = old
    with pytest.raises(Exit) as error:
        tasks.operations(c)
    assert "version 1.9.8 is too old" in str(error.value.message)
    assert old.commands == [VERSION]


def test_version_parsing():
    assert terraform.parse_version('{"terraform_version": "1.10.5"}') == (1, 10, 5)
    assert terraform.parse_version("Terraform v1.11.0\non linux_amd64") == (1, 11, 0)
    assert terraform.parse_version("garbage") == ()
    assert terraform.parse_workspaces("  default\n* dev\n  prod\n") == {"default", "dev", "prod"}
