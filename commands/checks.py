"""`invoke checks.*`: the gates behind `make lint`, `make security` and `make test` (= CI)."""

from __future__ import annotations

from pathlib import Path

from awsenv.config import REPO_ROOT
from commands.common import task

VENV_BIN = REPO_ROOT / ".venv" / "bin"


def _tracked(c, *patterns: str) -> list[str]:
    result = c.run("git ls-files -- " + " ".join(f"'{p}'" for p in patterns), hide=True, warn=True)
    return [line for line in result.stdout.splitlines() if line and (REPO_ROOT / line).exists()]


def lint_commands(c) -> list[str]:
    """Every lint command, in order (each must exit 0 with zero findings)."""
    commands = [f"{VENV_BIN}/ruff check .", f"{VENV_BIN}/ruff format --check ."]
    workflows = _tracked(c, ".github/workflows/*.yml", ".github/workflows/*.yaml")
    if workflows:
        commands.append(f"{VENV_BIN}/actionlint " + " ".join(workflows))
    dockerfiles = _tracked(c, "*Dockerfile*")
    if dockerfiles:
        commands.append(f"{VENV_BIN}/hadolint " + " ".join(dockerfiles))
    if Path(REPO_ROOT / "scripts" / "terraform_gate.py").exists():
        commands.append(f"{VENV_BIN}/python scripts/terraform_gate.py syntax")
    return commands


def security_commands(c) -> list[str]:
    commands = []
    if Path(REPO_ROOT / "scripts" / "terraform_gate.py").exists():
        commands.append(f"{VENV_BIN}/python scripts/terraform_gate.py checkov")
    return commands


@task
def lint(c):
    """ruff (lint + format), actionlint, hadolint and the Terraform syntax check."""
    with c.cd(str(REPO_ROOT)):
        for command in lint_commands(c):
            print(f"+ {command}", flush=True)
            c.run(command)


@task
def security(c):
    """checkov over each Terraform root (offline, zero failed checks allowed)."""
    with c.cd(str(REPO_ROOT)):
        for command in security_commands(c):
            print(f"+ {command}", flush=True)
            c.run(command)


TERRAFORM_ROOTS = ("backend", "operations", "main")


def terraform_validate_commands() -> list[str]:
    """Offline validation of each root: no backend, no credentials (needs terraform >= 1.10)."""
    commands = []
    for root in TERRAFORM_ROOTS:
        commands.append(f"terraform -chdir=terraform/{root} init -backend=false -input=false")
        commands.append(f"terraform -chdir=terraform/{root} validate")
    return commands


def _terraform(c, commands: list[str]) -> None:
    from awsenv import terraform
    from commands.common import user_errors

    with user_errors():
        terraform.check_terraform(c)
    with c.cd(str(REPO_ROOT)):
        for command in commands:
            print(f"+ {command}", flush=True)
            c.run(command)


@task
def tf_fmt(c):
    """terraform fmt -check -recursive over terraform/ (needs terraform; run in CI)."""
    _terraform(c, ["terraform fmt -check -recursive -diff terraform"])


@task
def tf_validate(c):
    """terraform init -backend=false + validate for each root (needs terraform; run in CI)."""
    _terraform(c, terraform_validate_commands())


@task(help={"k": "only tests matching this pytest -k expression", "args": "extra pytest arguments"})
def test(c, k="", args=""):
    """Run the test suite on 2 workers (pytest-xdist; an in-process emulator each; no AWS account needed)."""
    selector = f" -k '{k}'" if k else ""
    with c.cd(str(REPO_ROOT)):
        c.run(f"{VENV_BIN}/python -m pytest -n 2{selector} {args}".rstrip(), pty=False)


@task
def lock(c):
    """Re-resolve requirements/requirements.lock and checkov.lock from the package index."""
    import tempfile

    header = {
        "requirements.lock": "# Resolved from requirements.in by `make lock`; install with `make bootstrap`.",
        "checkov.lock": "# checkov in its own environment (its boto3 pin conflicts with sagemaker). `make lock` regenerates it.",
    }
    sources = {"requirements.lock": "-r requirements/requirements.in", "checkov.lock": "'checkov==3.3.*'"}
    with c.cd(str(REPO_ROOT)):
        for lock_name, source in sources.items():
            with tempfile.TemporaryDirectory() as tmp:
                c.run(f"python3 -m venv {tmp}/venv && {tmp}/venv/bin/pip install --quiet {source}")
                frozen = c.run(f"{tmp}/venv/bin/pip freeze --exclude-editable", hide=True).stdout
            (REPO_ROOT / "requirements" / lock_name).write_text(header[lock_name] + "\n" + frozen)
            print(f"lock: wrote requirements/{lock_name}")
