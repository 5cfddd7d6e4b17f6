"""The original README's Terraform steps (3.1-3.4) as exact command lines, built from config.

    3.1 backend     terraform init; terraform apply -var-file=...            (terraform/backend)
    3.2 operations  terraform init -backend-config=...; terraform apply ...   (terraform/operations)
    3.3 workspaces  terraform init ...; terraform workspace new dev|staging|prod (missing ones only)
    3.4 deploy      terraform init ...; terraform workspace select ENV; terraform apply ...

Every command runs from the repository root with `terraform -chdir=terraform/<root>`, so a
`--dry-run` line can be pasted as is. Values reach Terraform through a generated, git-ignored
`terraform/<root>/environment/<name>.tfvars.json` (see `awsenv.terraform_vars`). On a laptop
the named profiles are used (`-var=enable_profile=true`, backend `profile=`); with `CI=true`
never: GitHub's OIDC credentials are ambient. `local=True` points Terraform at the emulator
(best effort: AWS_ENDPOINT_URL plus provider/backend settings).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from dataclasses import dataclass, field

from awsenv import terraform_vars
from awsenv.config import ENVIRONMENTS, REPO_ROOT, Config, check_env
from awsenv.errors import UserError
from awsenv.sessions import EMULATOR_KEY

MIN_VERSION = (1, 10)
STATE_KEYS = {"operations": "operations/terraform.tfstate", "main": "main/terraform.tfstate"}
INSTALL_HINT = (
    "terraform >= 1.10 is required (S3 native state locking); install it from "
    "https://developer.hashicorp.com/terraform/install or with tfenv/asdf, then retry"
)


@dataclass(frozen=True)
class Step:
    """One terraform command: its argv after `terraform`, extra environment, files it needs."""

    args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # path relative to the repo root -> content
    interactive: bool = False

    @property
    def command(self) -> str:
        return shlex.join(("terraform", *self.args))


def _chdir(root: str) -> str:
    return f"-chdir=terraform/{root}"


def _emulator_env(cfg: Config) -> dict[str, str]:
    # S3 Control puts the account id in front of the host (`<account>.127.0.0.1`), a name that
    # resolves nowhere: such requests go to the emulator as their HTTP proxy (it routes them by
    # path). Requests to 127.0.0.1 itself are never proxied.
    return {
        "AWS_ENDPOINT_URL": cfg.emulator_url,
        "AWS_ACCESS_KEY_ID": EMULATOR_KEY,
        "AWS_SECRET_ACCESS_KEY": EMULATOR_KEY,
        "AWS_REGION": cfg.region,
        "HTTP_PROXY": cfg.emulator_url,
        "NO_PROXY": "127.0.0.1,localhost",
    }


def _use_profiles(cfg: Config, local: bool) -> bool:
    return not cfg.ci and not local


def _init(cfg: Config, root: str, *, local: bool) -> Step:
    args = [_chdir(root), "init", "-input=false"]
    if root in STATE_KEYS:
        config = {
            "bucket": cfg.state_bucket(),
            "key": STATE_KEYS[root],
            "region": cfg.region,
            "use_lockfile": "true",
        }
        # No `encrypt=true`: it would force SSE-S3 on the state object; without it the
        # bucket's default encryption applies (SSE-KMS with the state bucket's rotating key).
        if _use_profiles(cfg, local):
            config["profile"] = cfg.profiles["operations"]
        if local:
            ops = cfg.accounts["operations"]
            config |= {
                "use_path_style": "true",
                "skip_credentials_validation": "true",
                "assume_role": f'{{role_arn="arn:aws:iam::{ops}:role/emulator-admin"}}',
            }
        args += ["-reconfigure", *(f"-backend-config={key}={value}" for key, value in config.items())]
    return Step(tuple(args), env=_emulator_env(cfg) if local else {})


def _apply(cfg: Config, root: str, variables: dict, var_file: str, *, local: bool) -> Step:
    args = [_chdir(root), "apply", f"-var-file={var_file}"]
    if _use_profiles(cfg, local):
        args.append("-var=enable_profile=true")
    if local:
        args.append("-var=use_emulator=true")
    if cfg.ci:
        args += ["-input=false", "-auto-approve"]
    files = {f"terraform/{root}/{var_file}": terraform_vars.render_json(variables)}
    return Step(tuple(args), env=_emulator_env(cfg) if local else {}, files=files, interactive=not cfg.ci)


def backend_steps(cfg: Config, *, local: bool = False) -> list[Step]:
    """3.1: the state bucket (local state in terraform/backend)."""
    variables = terraform_vars.backend_variables(cfg)
    var_file = terraform_vars.var_file_name("backend")
    return [_init(cfg, "backend", local=local), _apply(cfg, "backend", variables, var_file, local=local)]


def operations_steps(cfg: Config, *, local: bool = False) -> list[Step]:
    """3.2: ECR, release bucket, OIDC providers and CI roles (state in the state bucket)."""
    variables = terraform_vars.operations_variables(cfg)
    var_file = terraform_vars.var_file_name("operations")
    return [_init(cfg, "operations", local=local), _apply(cfg, "operations", variables, var_file, local=local)]


def workspace_init_steps(cfg: Config, *, local: bool = False) -> list[Step]:
    """3.3, first half: initialise terraform/main against the state bucket."""
    return [_init(cfg, "main", local=local)]


def list_workspaces_step(cfg: Config, *, local: bool = False) -> Step:
    return Step((_chdir("main"), "workspace", "list"), env=_emulator_env(cfg) if local else {})


def parse_workspaces(stdout: str) -> set[str]:
    """Names in `terraform workspace list` output ('* ' marks the selected one)."""
    return {line.strip().lstrip("*").strip() for line in stdout.splitlines() if line.strip()}


def new_workspace_steps(cfg: Config, existing: set[str], *, local: bool = False) -> list[Step]:
    """3.3, second half: `terraform workspace new` for each environment not yet there."""
    env = _emulator_env(cfg) if local else {}
    return [Step((_chdir("main"), "workspace", "new", name), env=env) for name in ENVIRONMENTS if name not in existing]


def deploy_steps(cfg: Config, env: str, image_tag: str, *, local: bool = False) -> list[Step]:
    """3.4: init, select the env's workspace, apply with the env's variables."""
    check_env(env)
    variables = terraform_vars.main_variables(cfg, env, image_tag)
    var_file = terraform_vars.var_file_name("main", env)
    select = Step((_chdir("main"), "workspace", "select", env), env=_emulator_env(cfg) if local else {})
    return [_init(cfg, "main", local=local), select, _apply(cfg, "main", variables, var_file, local=local)]


def _mode_args(cfg: Config, local: bool) -> list[str]:
    args = ["-var=enable_profile=true"] if _use_profiles(cfg, local) else []
    return args + (["-var=use_emulator=true"] if local else [])


def plan_step(cfg: Config, root: str, env: str | None = None, *, local: bool = False) -> Step:
    """`plan -detailed-exitcode` with the variables the last apply wrote (exit 0: no changes,
    2: changes). For `main`, the env's workspace must be selected (as after `deploy_steps`)."""
    var_file = terraform_vars.var_file_name(root, env)
    args = (
        _chdir(root),
        "plan",
        "-detailed-exitcode",
        "-input=false",
        f"-var-file={var_file}",
        *_mode_args(cfg, local),
    )
    return Step(args, env=_emulator_env(cfg) if local else {})


def destroy_step(cfg: Config, root: str, env: str | None = None, *, local: bool = False) -> Step:
    """`apply -destroy` with the variables the last apply wrote (workspace selected for `main`)."""
    var_file = terraform_vars.var_file_name(root, env)
    args = (_chdir(root), "apply", "-destroy", "-input=false", "-auto-approve", f"-var-file={var_file}")
    return Step((*args, *_mode_args(cfg, local)), env=_emulator_env(cfg) if local else {})


# ---- running ---------------------------------------------------------------------------------


def find_terraform() -> str | None:
    return shutil.which("terraform")


def parse_version(text: str) -> tuple[int, ...]:
    """Version from `terraform version -json` (or plain `Terraform v1.10.5`) output."""
    try:
        version = json.loads(text)["terraform_version"]
    except (ValueError, KeyError, TypeError):
        match = re.search(r"v?(\d+\.\d+(?:\.\d+)?)", text)
        version = match.group(1) if match else ""
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def check_terraform(c) -> None:
    """Refuse to run without terraform >= 1.10 on PATH (one line saying what to do)."""
    if find_terraform() is None:
        raise UserError(f"terraform: not found on PATH; {INSTALL_HINT}")
    result = c.run("terraform version -json", hide=True, warn=True)
    version = parse_version(result.stdout if result is not None else "")
    if version[:2] < MIN_VERSION:
        found = ".".join(map(str, version)) or "unknown"
        raise UserError(f"terraform: version {found} is too old; {INSTALL_HINT}")


def _prefix(step: Step) -> str:
    return "".join(f"{key}={shlex.quote(value)} " for key, value in sorted(step.env.items()))


def run_steps(c, steps: list[Step], *, dry_run: bool = False, checked: bool = False) -> None:
    """Run (or with dry_run, print) each step; variable files are written before their step."""
    if not steps:
        return
    if not dry_run and not checked:
        check_terraform(c)
    for step in steps:
        for relative, content in step.files.items():
            path = REPO_ROOT / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
            print(f"# wrote {relative}", flush=True)
        if dry_run:
            print(_prefix(step) + step.command, flush=True)
            continue
        print(f"+ {step.command}", flush=True)
        c.run(step.command, env=step.env, pty=step.interactive)


def ensure_workspaces(c, cfg: Config, *, local: bool = False, dry_run: bool = False) -> list[str]:
    """3.3 idempotently: init, list the workspaces, create only the missing ones. Returns them."""
    run_steps(c, workspace_init_steps(cfg, local=local), dry_run=dry_run)
    probe = list_workspaces_step(cfg, local=local)
    if dry_run:
        print(_prefix(probe) + probe.command, flush=True)
        print("# then, for each of dev, staging, prod missing from that list:", flush=True)
        existing: set[str] = set()
    else:
        result = c.run(probe.command, env=probe.env, hide=True, warn=True)
        if result is None or not result.ok:
            raise UserError(
                "terraform: 'workspace list' failed in terraform/main; run `invoke workspaces` again after fixing init"
            )
        existing = parse_workspaces(result.stdout)
    steps = new_workspace_steps(cfg, existing, local=local)
    run_steps(c, steps, dry_run=dry_run, checked=True)
    if not dry_run and not steps:
        print("workspaces: dev, staging and prod already exist; nothing to create", flush=True)
    return [step.args[-1] for step in steps]
