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
        # Offline: no GitHub API calls (the online audits need a token and the network).
        commands.append(f"{VENV_BIN}/zizmor --offline --no-progress .github")
    dockerfiles = _tracked(c, "*Dockerfile*")
    if dockerfiles:
        commands.append(f"{VENV_BIN}/hadolint " + " ".join(dockerfiles))
    if Path(REPO_ROOT / "scripts" / "terraform_gate.py").exists():
        commands.append(f"{VENV_BIN}/python scripts/terraform_gate.py syntax")
        commands.append(f"{VENV_BIN}/python scripts/terraform_gate.py validate")
    return commands


def security_commands(c) -> list[str]:
    commands = []
    if Path(REPO_ROOT / "scripts" / "terraform_gate.py").exists():
        commands.append(f"{VENV_BIN}/python scripts/terraform_gate.py checkov")
    return commands


@task
def lint(c):
    """ruff (lint + format), actionlint, zizmor, hadolint, the Terraform syntax check and terraform validate."""
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


@task(
    help={
        "probe": "only say whether terraform >= 1.10 and an AWS provider are available (exit 1 when not)",
        "keep": "keep the sandbox copies and logs even when everything passed",
        "provider": "require this major version of the AWS provider, e.g. 6 (default: any the roots allow)",
    }
)
def test_infra(c, probe=False, keep=False, provider=""):
    """Apply every Terraform root on a private emulator through the tasks (--local), check what exists,
    re-plan (no changes allowed), destroy. Needs terraform >= 1.10 and an installable AWS provider."""
    from commands.common import user_errors
    from infracheck import prerequisites, run

    with user_errors():
        if probe:
            print(f"test-infra: available: {prerequisites.check(major=provider).summary()}")
            return
        timings = run.execute(keep=keep, major=provider)
    print(run.report(timings))


@task(help={"k": "only tests matching this pytest -k expression", "args": "extra pytest arguments"})
def test(c, k="", args=""):
    """Run the test suite on 2 workers (pytest-xdist; an in-process emulator each; no AWS account needed)."""
    selector = f" -k '{k}'" if k else ""
    with c.cd(str(REPO_ROOT)):
        c.run(f"{VENV_BIN}/python -m pytest -n 2{selector} {args}".rstrip(), pty=False)


@task(help={"upgrade": "re-resolve to the newest allowed versions (default: keep the locked pins)"})
def lock(c, upgrade=False):
    """Resolve requirements/*.in (and extras/*.in) into hashed, universal lock files with uv."""
    with c.cd(str(REPO_ROOT)):
        c.run(f"{VENV_BIN}/python scripts/lock.py" + (" --upgrade" if upgrade else ""))
