"""A private copy of the checkout for `make test-infra`, and the timed commands run in it.

The copy holds the working tree as it is (tracked and untracked, not ignored files), the
configuration (`.env`, else `.env.example`) and a one-commit git history, so the tasks see a
commit SHA exactly as in a checkout. Terraform state, `.terraform/` and lock files are created
in the copy only: the user's own (possibly real) state is never read or touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from awsenv.config import REPO_ROOT

IGNORE_IN_CLONES = shutil.ignore_patterns(".terraform", ".emulator", "*.tfstate", "*.tfstate.*", "logs")
# Variables that would point a command at a real account, another workspace or data dir, or at a
# plugin cache (terraform's cache is not safe for the concurrent `init`s of the parallel phases).
SCRUBBED = ("AWS_", "TF_WORKSPACE", "TF_DATA_DIR", "TF_PLUGIN_CACHE_DIR", "PROMOTE_ENV_FILE")
GIT_DATE = "2000-01-01T00:00:00Z"  # fixed, so every copy has the same commit SHA


def _source_files(repo: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [name for name in out.split("\0") if name and (repo / name).is_file()]


def create(dest: Path, repo: Path = REPO_ROOT) -> Path:
    """Copy the checkout's working tree and configuration to `dest` and commit it there."""
    for name in _source_files(repo):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, target)
    env_file = repo / ".env" if (repo / ".env").is_file() else repo / ".env.example"
    shutil.copy2(env_file, dest / ".env")
    git = {**os.environ, "GIT_AUTHOR_DATE": GIT_DATE, "GIT_COMMITTER_DATE": GIT_DATE}
    identity = ["-c", "user.name=test-infra", "-c", "user.email=test-infra@localhost", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-q", "-m", "test-infra snapshot"]):
        subprocess.run(["git", *args], cwd=dest, env=git, check=True, capture_output=True)  # noqa: S603,S607
    return dest


def clone(primary: Path, dest: Path) -> Path:
    """Another copy of the sandbox (same commit), without terraform's working state."""
    shutil.copytree(primary, dest, ignore=IGNORE_IN_CLONES, symlinks=True)
    return dest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(port: int, region: str) -> dict[str, str]:
    """The commands' environment: CI mode (no prompts, no profiles) and only the emulator in reach."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(SCRUBBED)}
    env |= {
        "CI": "true",
        "EMULATOR_PORT": str(port),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    return env


@dataclass
class Outcome:
    name: str
    seconds: float
    returncode: int
    log: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 25) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def invoke_command(task: str, *args: str) -> list[str]:
    """`invoke <task> <args>` with this interpreter (the tasks a user runs)."""
    return [sys.executable, "-m", "invoke", task, *args]


def run(name: str, argv: list[str], cwd: Path, env: dict[str, str], logs: Path, timeout: float = 900) -> Outcome:
    """Run one command, output to `logs/<name>.log`; never raises for a failing command."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name.replace(' ', '-').replace('/', '-')}.log"
    start = time.monotonic()
    with log.open("w") as out:
        out.write(f"$ {' '.join(argv)}  (in {cwd})\n")
        out.flush()
        try:
            code = subprocess.run(  # noqa: S603 - our own tasks and terraform
                argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False
            ).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\ntest-infra: timed out after {timeout:.0f} s\n")
            code = 124
    return Outcome(name, time.monotonic() - start, code, log)
