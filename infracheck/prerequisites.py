"""Is `make test-infra` possible here? terraform >= 1.10 and an AWS provider terraform can install.

The provider is probed exactly as the roots will install it: `terraform init` of a scratch
configuration with the roots' own version constraint, through whatever installation sources
the user's terraform CLI configuration names (the registry, or a mirror). Nothing here names a
path on any machine.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from awsenv import terraform
from awsenv.config import REPO_ROOT
from awsenv.errors import UserError

PROVIDER = "registry.terraform.io/hashicorp/aws"
PROBE_TIMEOUT_S = 600


class Unavailable(UserError):
    """terraform or the AWS provider is missing: the infrastructure test cannot run (not a pass)."""


@dataclass(frozen=True)
class Prerequisites:
    terraform_version: str
    provider_version: str
    constraint: str

    def summary(self) -> str:
        return (
            f"terraform {self.terraform_version}, hashicorp/aws {self.provider_version} (roots allow {self.constraint})"
        )


def provider_constraint(repo: Path = REPO_ROOT) -> str:
    """The AWS provider version constraint of terraform/main (every root declares the same one)."""
    text = (repo / "terraform" / "main" / "versions.tf").read_text()
    match = re.search(r'source\s*=\s*"hashicorp/aws"\s*\n\s*version\s*=\s*"([^"]+)"', text)
    if not match:
        raise Unavailable("test-infra: terraform/main/versions.tf declares no hashicorp/aws version constraint")
    return match.group(1)


def _run(args: list[str], cwd: Path, env: dict[str, str] | None) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - terraform with fixed arguments
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False
    )


def _first_error(output: str) -> str:
    lines = [line.strip(" │╷╵") for line in output.splitlines()]
    errors = [line for line in lines if line.startswith("Error:")]
    return (errors or [line for line in lines if line] or ["no output"])[0]


def check(env: dict[str, str] | None = None, repo: Path = REPO_ROOT, major: str = "") -> Prerequisites:
    """Prerequisites found, or Unavailable naming the first missing one (one line). With `major`
    (e.g. "6"), the provider terraform would install must be of that major version."""
    if major and not major.isdigit():
        raise Unavailable(f"test-infra: --provider={major!r} is not a major version; use e.g. 6")
    binary = terraform.find_terraform()
    if binary is None:
        raise Unavailable(f"test-infra: not run: terraform is not on PATH; {terraform.INSTALL_HINT}")
    found = terraform.parse_version(_run([binary, "version", "-json"], repo, env).stdout)
    if found[:2] < terraform.MIN_VERSION:
        raise Unavailable(
            f"test-infra: not run: terraform {'.'.join(map(str, found)) or 'unknown'} is too old; {terraform.INSTALL_HINT}"
        )
    constraint = provider_constraint(repo)
    with tempfile.TemporaryDirectory(prefix="test-infra-probe-") as scratch:
        Path(scratch, "versions.tf").write_text(
            'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
            f'      version = "{constraint}"\n    }}\n  }}\n}}\n'
        )
        init = _run([binary, "init", "-backend=false", "-input=false", "-no-color"], Path(scratch), env)
        if init.returncode != 0:
            raise Unavailable(
                f"test-infra: not run: terraform cannot install hashicorp/aws {constraint} "
                f"({_first_error(init.stdout + init.stderr)}); give it registry access or a provider mirror "
                "in your terraform CLI configuration"
            )
        selections = json.loads(_run([binary, "version", "-json"], Path(scratch), env).stdout or "{}")
    provider = selections.get("provider_selections", {}).get(PROVIDER, "unknown")
    if major and provider.split(".")[0] != major:
        raise Unavailable(
            f"test-infra: not run: terraform would install hashicorp/aws {provider}, not {major}.x as required"
        )
    return Prerequisites(".".join(map(str, found)), provider, constraint)
