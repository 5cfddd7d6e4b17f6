"""The commit this checkout is at: images, pipelines and releases are keyed by it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from awsenv.config import REPO_ROOT
from awsenv.errors import UserError

_SHA = re.compile(r"^[0-9a-f]{40}$")


def head_sha(repo: Path = REPO_ROOT, ref: str = "HEAD") -> str:
    """Full 40-character SHA of `ref` (default HEAD); a clear error outside a git checkout."""
    result = subprocess.run(  # noqa: S603 - fixed git invocation
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],  # noqa: S607
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    sha = result.stdout.strip()
    if result.returncode != 0 or not _SHA.match(sha):
        raise UserError(f"git: '{ref}' is not a commit in {repo}; commit your work or pass an existing ref")
    return sha
