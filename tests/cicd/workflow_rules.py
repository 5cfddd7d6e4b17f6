"""Static rules for .github/workflows, as functions returning problems (one line each), so a
test can show they pass on the real workflows and fail on a broken copy."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

MAKE_STEP = re.compile(r"^make (?P<target>[a-z][a-z0-9-]*)(?P<vars>(?: [A-Z][A-Z0-9_]*=[A-Za-z0-9_.-]+)*)$")
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
# In the text: `uses: owner/name@<sha> # vX.Y.Z` (the comment is what Dependabot updates).
PINNED_LINE = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
MAKE_TARGET = re.compile(r"^(?P<target>[a-z][a-z0-9-]*):")
OIDC_ACTION = "aws-actions/configure-aws-credentials@"
ALLOWED_PERMISSIONS = {"contents": "read", "id-token": "write"}


def makefile_targets(makefile: Path) -> dict[str, list[str]]:
    """Target name -> its recipe lines."""
    targets: dict[str, list[str]] = {}
    current = None
    for line in makefile.read_text().splitlines():
        match = MAKE_TARGET.match(line)
        if match:
            current = match["target"]
            targets[current] = []
        elif line.startswith("\t") and current:
            targets[current].append(line.strip())
        elif not line.strip():
            current = None
    return targets


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def uses_oidc(job: dict) -> bool:
    return any(str(step.get("uses", "")).startswith(OIDC_ACTION) for step in steps(job))


def run_problems(name: str, workflow: dict, targets: dict[str, list[str]]) -> list[str]:
    """Every `run:` is exactly `make <target> [VAR=value ...]` with a target the Makefile has."""
    problems = []
    for job_name, job in workflow["jobs"].items():
        for step in steps(job):
            if "run" not in step:
                continue
            command = str(step["run"]).strip()
            match = MAKE_STEP.match(command)
            if not match:
                problems.append(f"{name}: job {job_name}: `{command}` is not `make <target>`")
            elif match["target"] not in targets:
                problems.append(f"{name}: job {job_name}: make target '{match['target']}' is not in the Makefile")
    return problems


def action_problems(name: str, workflow: dict) -> list[str]:
    problems = []
    for job_name, job in workflow["jobs"].items():
        for step in steps(job):
            uses = step.get("uses")
            if uses and not uses.startswith("./") and not PINNED_ACTION.match(uses):
                problems.append(f"{name}: job {job_name}: action `{uses}` is not pinned to a full commit SHA")
    return problems


def pin_comment_problems(path: Path) -> list[str]:
    """Each `uses:` line names a 40-hex commit and its version in a comment."""
    return [
        f"{path.name}:{number}: `{line.strip()}` is not `uses: owner/name@<40-hex sha> # vX.Y.Z`"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"^\s*(?:- )?uses: (?!\./)", line) and not PINNED_LINE.match(line)
    ]


def permission_problems(name: str, workflow: dict) -> list[str]:
    """Top-level permissions at most contents: read; per job only contents: read, and id-token:
    write exactly where the job assumes an AWS role by OIDC."""
    problems = []
    top = workflow.get("permissions")
    if not isinstance(top, dict):
        problems.append(f"{name}: top-level `permissions:` is {top!r}; set {{}} or contents: read")
        top = {}
    problems += [
        f"{name}: top-level permission {scope}: {level} is more than contents: read"
        for scope, level in top.items()
        if level != "none" and (scope, level) != ("contents", "read")
    ]
    for job_name, job in workflow["jobs"].items():
        granted = job.get("permissions", top)
        if not isinstance(granted, dict):
            problems.append(f"{name}: job {job_name}: permissions {granted!r} is not a mapping")
            continue
        problems += [
            f"{name}: job {job_name}: permission {scope}: {level} is not allowed (only contents: read, id-token: write)"
            for scope, level in granted.items()
            if level != "none" and ALLOWED_PERMISSIONS.get(scope) != level
        ]
        if uses_oidc(job) and granted.get("id-token") != "write":
            problems.append(f"{name}: job {job_name}: assumes an AWS role but lacks id-token: write")
        if not uses_oidc(job) and granted.get("id-token", "none") != "none":
            problems.append(f"{name}: job {job_name}: id-token: {granted['id-token']} without an OIDC login")
    return problems


def role_problems(name: str, workflow: dict) -> list[str]:
    """Roles come from GitHub variables/secrets, never a literal ARN or account id."""
    problems = []
    for job_name, job in workflow["jobs"].items():
        for step in steps(job):
            if str(step.get("uses", "")).startswith(OIDC_ACTION):
                role = str(step.get("with", {}).get("role-to-assume", ""))
                if not re.fullmatch(r"\$\{\{ (vars|secrets)\.[A-Z_]+_ROLE_ARN \}\}", role):
                    problems.append(f"{name}: job {job_name}: role-to-assume `{role}` is not a GitHub variable")
    return problems


def deploy_problems(name: str, workflow: dict) -> list[str]:
    """A job running `make deploy ENV=x` runs in GitHub Environment x, assumes x's role, only on
    tag x, in concurrency group deploy-x without cancel-in-progress."""
    problems = []
    for job_name, job in workflow["jobs"].items():
        envs = [
            m.group(1)
            for step in steps(job)
            if (m := re.fullmatch(r"make deploy ENV=([a-z]+)", str(step.get("run", "")).strip()))
        ]
        for env in envs:
            environment = job.get("environment")
            environment = environment.get("name") if isinstance(environment, dict) else environment
            if environment != env:
                problems.append(
                    f"{name}: job {job_name}: deploys {env} outside GitHub Environment {env} ({environment})"
                )
            roles = [
                str(step.get("with", {}).get("role-to-assume", ""))
                for step in steps(job)
                if str(step.get("uses", "")).startswith(OIDC_ACTION)
            ]
            if roles != [f"${{{{ vars.{env.upper()}_ROLE_ARN }}}}"]:
                problems.append(
                    f"{name}: job {job_name}: deploys {env} with role(s) {roles}, not {env.upper()}_ROLE_ARN"
                )
            if job.get("if") != f"github.ref == 'refs/tags/{env}'":
                problems.append(f"{name}: job {job_name}: deploys {env} without `if: github.ref == 'refs/tags/{env}'`")
            concurrency = job.get("concurrency") or {}
            if concurrency.get("group") != f"deploy-{env}" or concurrency.get("cancel-in-progress") is not False:
                problems.append(
                    f"{name}: job {job_name}: concurrency {concurrency!r} is not deploy-{env} without cancel"
                )
    return problems


def all_problems(workflows_dir: Path, makefile: Path) -> list[str]:
    targets = makefile_targets(makefile)
    problems = []
    for path in sorted(workflows_dir.glob("*.y*ml")):
        workflow = load(path)
        for rule in (action_problems, permission_problems, role_problems, deploy_problems):
            problems += rule(path.name, workflow)
        problems += run_problems(path.name, workflow, targets)
        problems += pin_comment_problems(path)
    return problems
