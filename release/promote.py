"""Tag-based promotion: the original README's `git tag -f <env>` + `git push -f origin <env>`,
after checking that the commit may be promoted.

* the commit has a release manifest (CI built and pushed its images);
* prod: the commit is the one tagged `staging` **on the remote**. The remote's tag is what
  triggered the staging deployment (deploy.yml); a local tag can be stale or never pushed.

Pushing the tag starts `.github/workflows/deploy.yml` for that environment.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from awsenv.config import REPO_ROOT
from awsenv.errors import UserError
from awsenv.gitinfo import head_sha
from awsenv.sessions import EnvSession
from release.manifest import require_manifest

PROMOTABLE = ("staging", "prod")


@dataclass
class Promotion:
    env: str
    commit: str
    previous: str | None  # the remote's tag before, None when absent
    commands: list[list[str]] = field(default_factory=list)

    def summary(self, remote: str) -> str:
        if self.previous == self.commit:
            return f"promote: {remote}/{self.env} already at {self.commit[:12]}; nothing to deploy"
        was = f"was {self.previous[:12]}" if self.previous else "new tag"
        return f"promote: {remote}/{self.env} -> {self.commit[:12]} ({was}); deploy.yml deploys it to {self.env}"


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)  # noqa: S603, S607


def remote_tag(repo: Path, remote: str, tag: str) -> str | None:
    """Commit the remote's tag points at (annotated tags peeled), None when it has no such tag."""
    result = _git(repo, "ls-remote", "--tags", remote, f"refs/tags/{tag}", f"refs/tags/{tag}^{{}}")
    if result.returncode != 0:
        why = (result.stderr.strip().splitlines() or ["git ls-remote failed"])[0]
        raise UserError(
            f"git: cannot read the tags of remote '{remote}' ({why}); check the remote name with `git remote -v`"
        )
    refs = {name: sha for sha, name in (line.split("\t", 1) for line in result.stdout.splitlines() if "\t" in line)}
    return refs.get(f"refs/tags/{tag}^{{}}") or refs.get(f"refs/tags/{tag}")


def plan(
    operations: EnvSession, env: str, ref: str = "HEAD", *, repo: Path = REPO_ROOT, remote: str = "origin"
) -> Promotion:
    """Check that `ref` may be promoted to `env` (its release manifest is in the `operations`
    account's session); return the git commands that do it."""
    if env not in PROMOTABLE:
        raise UserError(
            f"env: '{env}' is not promoted by a tag; use staging or prod (dev is deployed with `make deploy ENV=dev`)"
        )
    commit = head_sha(repo, ref)
    require_manifest(operations, commit)
    if env == "prod":
        staging = remote_tag(repo, remote, "staging")
        if staging is None:
            raise UserError(
                f"prod: remote '{remote}' has no 'staging' tag; promote {commit[:12]} to staging first (`invoke release.promote --env=staging --ref={ref}`)"
            )
        if staging != commit:
            raise UserError(
                f"prod: {ref} ({commit[:12]}) is not the commit tagged staging on '{remote}' ({staging[:12]}); promote it to staging first, or promote the staging commit (--ref={staging[:12]})"
            )
    previous = remote_tag(repo, remote, env)
    return Promotion(
        env=env,
        commit=commit,
        previous=previous,
        commands=[["git", "tag", "-f", env, commit], ["git", "push", "-f", remote, f"refs/tags/{env}"]],
    )


def execute(promotion: Promotion, *, repo: Path = REPO_ROOT) -> None:
    """Run the promotion's git commands; a failure is one line naming the command."""
    for command in promotion.commands:
        result = _git(repo, *command[1:])
        if result.returncode != 0:
            why = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[0]
            raise UserError(f"git: `{' '.join(command)}` failed ({why}); fix the cause and run the promotion again")
