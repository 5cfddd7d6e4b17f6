"""GitHub Actions workflows: every step runs a make target (local and CI runs are the same
commands), least privilege, pinned actions, and each deploy inside its own environment."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from awsenv.config import ACCOUNT_KEYS, ConfigError, load_config
from tests.cicd import workflow_rules as rules
from tests.conftest import TEST_ENVIRON


@pytest.fixture
def workflows(repo_root):
    return repo_root / ".github" / "workflows"


@pytest.fixture
def makefile(repo_root):
    return repo_root / "Makefile"


@pytest.fixture
def broken_copy(tmp_path, workflows):
    """A copy of the workflows to break on purpose; returns (dir, edit(name, fn))."""
    copy = tmp_path / "workflows"
    shutil.copytree(workflows, copy)

    def edit(name, change):
        data = rules.load(copy / name)
        change(data)
        (copy / name).write_text(yaml.safe_dump(data, sort_keys=False))

    return copy, edit


def test_the_workflows_follow_every_rule(workflows, makefile):
    assert {p.name for p in workflows.glob("*.yml")} >= {"ci.yml", "build.yml", "deploy.yml"}
    assert rules.all_problems(workflows, makefile) == []


def test_the_parity_check_fails_on_a_raw_command(broken_copy, makefile):
    copy, edit = broken_copy
    edit("build.yml", lambda w: w["jobs"]["images"]["steps"].insert(3, {"run": "docker build -t x ."}))
    edit("deploy.yml", lambda w: w["jobs"]["prod"]["steps"].append({"run": "make no-such-target ENV=prod"}))
    problems = rules.all_problems(copy, makefile)
    assert "build.yml: job images: `docker build -t x .` is not `make <target>`" in problems
    assert "deploy.yml: job prod: make target 'no-such-target' is not in the Makefile" in problems


def _set(path, value):
    def change(workflow):
        *parents, last = path
        node = workflow
        for key in parents:
            node = node[key]
        if value is None:
            node.pop(last)
        else:
            node[last] = value

    return change


@pytest.mark.parametrize(
    ("name", "path", "value", "expected"),
    [
        ("deploy.yml", ("jobs", "prod", "environment"), "staging", "deploys prod outside GitHub Environment prod"),
        ("deploy.yml", ("jobs", "prod", "environment"), None, "deploys prod outside GitHub Environment prod"),
        (
            "deploy.yml",
            ("jobs", "staging", "steps", 3, "with", "role-to-assume"),
            "${{ vars.PROD_ROLE_ARN }}",
            "not STAGING_ROLE_ARN",
        ),
        ("deploy.yml", ("jobs", "staging", "if"), None, "without `if: github.ref == 'refs/tags/staging'`"),
        (
            "deploy.yml",
            ("jobs", "prod", "concurrency", "cancel-in-progress"),
            True,
            "is not deploy-prod without cancel",
        ),
        (
            "deploy.yml",
            ("jobs", "prod", "permissions", "contents"),
            "write",
            "permission contents: write is not allowed",
        ),
        (
            "deploy.yml",
            ("jobs", "prod", "permissions", "id-token"),
            None,
            "assumes an AWS role but lacks id-token: write",
        ),
        ("build.yml", ("permissions",), "write-all", "top-level `permissions:` is 'write-all'"),
        ("ci.yml", ("permissions", "packages"), "write", "top-level permission packages: write"),
        (
            "ci.yml",
            ("jobs", "check", "permissions"),
            {"contents": "read", "id-token": "write"},
            "id-token: write without an OIDC login",
        ),
        (
            "build.yml",
            ("jobs", "images", "steps", 0, "uses"),
            "actions/checkout@main",
            "`actions/checkout@main` is not pinned",
        ),
        (
            "build.yml",
            ("jobs", "images", "steps", 0, "uses"),
            "actions/checkout@v4.2.2",
            "`actions/checkout@v4.2.2` is not pinned to a full commit SHA",
        ),
        (
            "build.yml",
            ("jobs", "images", "steps", 3, "with", "role-to-assume"),
            "arn:aws:iam::1:role/x",
            "is not a GitHub variable",
        ),
    ],
)
def test_each_rule_catches_its_violation(broken_copy, makefile, name, path, value, expected):
    copy, edit = broken_copy
    edit(name, _set(path, value))
    problems = rules.all_problems(copy, makefile)
    assert any(expected in problem for problem in problems), problems


def test_build_pushes_images_then_the_manifest_from_main_only(workflows):
    build = rules.load(workflows / "build.yml")
    # only after `ci` passed for a push to main, on exactly the commit `ci` checked
    assert build["on"] == {"workflow_run": {"workflows": ["ci"], "types": ["completed"], "branches": ["main"]}}
    (job,) = build["jobs"].values()
    assert "github.event.workflow_run.conclusion == 'success'" in job["if"]
    checkout = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["ref"] == "${{ github.event.workflow_run.head_sha }}"
    sequence = [step.get("run") or step["uses"].split("@")[0] for step in job["steps"]]
    assert sequence[-3:] == ["aws-actions/configure-aws-credentials", "make images", "make manifest"]
    oidc = next(step for step in job["steps"] if step.get("uses", "").startswith(rules.OIDC_ACTION))
    assert oidc["with"]["role-to-assume"] == "${{ vars.OPERATIONS_ROLE_ARN }}"
    assert oidc["with"]["aws-region"] == "${{ vars.AWS_REGION }}"
    assert build["concurrency"]["cancel-in-progress"] is False


def test_deploy_runs_on_the_two_tags_and_then_smoke_or_retrain(workflows):
    deploy = rules.load(workflows / "deploy.yml")
    assert deploy["on"] == {"push": {"tags": ["staging", "prod"]}}
    runs = {name: [s["run"] for s in job["steps"] if "run" in s] for name, job in deploy["jobs"].items()}
    assert runs == {
        "staging": ["make bootstrap", "make manifest-check", "make deploy ENV=staging", "make smoke ENV=staging"],
        "prod": ["make bootstrap", "make manifest-check", "make deploy ENV=prod", "make retrain ENV=prod"],
    }


def test_makefile_targets_used_by_ci_are_one_line_invoke_calls(makefile):
    targets = rules.makefile_targets(makefile)
    assert targets["images"] == ["@$(INVOKE) images.build --push"]
    assert targets["manifest"] == ["@$(INVOKE) release.manifest"]
    assert targets["manifest-check"] == ['@$(INVOKE) release.show --ref="$(REF)"']
    assert targets["promote"] == ['@$(INVOKE) release.promote --env="$(ENV)" --ref="$(REF)"']
    assert targets["smoke"] == ['@$(INVOKE) endpoint.test --env="$(ENV)"']
    assert targets["retrain"] == ['@$(INVOKE) pipeline.run --env="$(ENV)"']
    assert targets["deploy"] == ['@$(INVOKE) deploy --env="$(ENV)"']
    helped = {line.split(":")[0] for line in makefile.read_text().splitlines() if re.match(r"^[a-z-]+:.*## ", line)}
    assert {"images", "manifest", "manifest-check", "promote", "smoke", "retrain"} <= helped


@pytest.mark.parametrize("name", ["build.yml", "deploy.yml"])
def test_ci_configuration_comes_from_github_variables_not_env_file(workflows, name):
    env = rules.load(workflows / name)["env"]
    assert env["PROMOTE_ENV_FILE"] == "/dev/null"  # never the placeholder ids `make bootstrap` copies to .env
    for key in (*ACCOUNT_KEYS.values(), "AWS_REGION", "PROJECT_NAME"):
        assert env[key] == f"${{{{ vars.{key} }}}}"
    assert env["GITHUB_REPO"] == "${{ github.repository }}"
    # what the config loader sees in CI: the workflow's env with the variables filled in
    filled = {key: TEST_ENVIRON.get(key, "") for key in env} | {"PROMOTE_ENV_FILE": "/dev/null", "CI": "true"}
    cfg = load_config(environ=filled)
    assert cfg.ci and cfg.accounts["prod"] == TEST_ENVIRON["PROD_ACCOUNT_ID"]
    with pytest.raises(ConfigError, match="STAGING_ACCOUNT_ID: missing"):
        load_config(environ={**filled, "STAGING_ACCOUNT_ID": ""})
