"""The acceptance lines, through the real command line (`python -m invoke ...`)."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_ACCOUNTS
from tests.test_cli import run_invoke

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def env_file(tmp_path):
    from tests.conftest import TEST_ENVIRON

    path = tmp_path / ".env"
    path.write_text("".join(f"{k}={v}\n" for k, v in TEST_ENVIRON.items()))
    return path


def commands(stdout):
    return [line for line in stdout.splitlines() if line.startswith("terraform ")]


def test_ci_deploy_dry_run_prints_init_select_apply_without_profile(repo_root, env_file):
    result = run_invoke(
        repo_root,
        "deploy",
        "--env=staging",
        "--dry-run",
        f"--image-tag={SHA}",
        env_file=env_file,
        extra_env={"CI": "true"},
    )
    assert result.returncode == 0, result.stderr
    init, select, apply = commands(result.stdout)
    bucket = f"promote-test-tfstate-{TEST_ACCOUNTS['OPERATIONS_ACCOUNT_ID']}"
    assert init.startswith("terraform -chdir=terraform/main init -input=false -reconfigure")
    for setting in (f"bucket={bucket}", "key=main/terraform.tfstate", "region=eu-west-1", "use_lockfile=true"):
        assert f"-backend-config={setting}" in init
    assert select == "terraform -chdir=terraform/main workspace select staging"
    assert (
        apply
        == "terraform -chdir=terraform/main apply -var-file=environment/staging.tfvars.json -input=false -auto-approve"
    )
    assert "profile" not in result.stdout


def test_local_deploy_dry_run_uses_the_staging_profile(repo_root, env_file):
    result = run_invoke(
        repo_root, "deploy", "--env=staging", "--dry-run", f"--image-tag={SHA}", env_file=env_file, extra_env={"CI": ""}
    )
    assert result.returncode == 0, result.stderr
    init, _, apply = commands(result.stdout)
    assert "-backend-config=profile=operations" in init
    assert apply.endswith("-var=enable_profile=true")


def test_without_terraform_the_task_exits_with_one_line(repo_root, env_file):
    result = run_invoke(repo_root, "backend", env_file=env_file, extra_env={"PATH": "/nonexistent"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: terraform: not found on PATH; terraform >= 1.10 is required (S3 native state locking); "
        "install it from https://developer.hashicorp.com/terraform/install or with tfenv/asdf, then retry"
    ]
