"""No CI role can escape its permissions: an offline analysis of the policy documents that
terraform/operations renders (tests/terraform/iameval.py). Each request below is one an
attacker with write access to the repository would make from a CI job; each allowed request
is there so the analysis is shown to say yes when it should."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from awsenv.config import load_config
from tests.conftest import TEST_ENVIRON
from tests.terraform import tfparse
from tests.terraform.iameval import Renderer, allowed

ENVS = ("dev", "staging", "prod")
ACCOUNTS = ("operations", *ENVS)


@pytest.fixture(scope="module")
def cfg():
    return load_config(env_file=None, environ=TEST_ENVIRON)


@pytest.fixture(scope="module")
def renderer(cfg):
    return Renderer(cfg)


def ci(renderer, account):
    """(identity policies: inline + attached managed, boundary) of the CI role of `account`."""
    names = ["ci_operations"] if account == "operations" else ["ci_environment", "ci_network"]
    policies = [s for name in [*names, "ci_guardrails"] for s in renderer.statements(name, account)]
    return policies, renderer.statements("ci_boundary", account)


def role(cfg, env, name):
    return f"arn:aws:iam::{cfg.accounts[env]}:role/{name}"


@pytest.mark.parametrize("env", ENVS)
def test_ci_creates_and_changes_roles_only_with_the_workload_boundary(cfg, renderer, env):
    inline, boundary = ci(renderer, env)
    target = role(cfg, env, f"{cfg.project}-anything")
    workload = {"iam:PermissionsBoundary": renderer.boundary_arn(env, "workload")}
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePolicy"):
        assert allowed(inline, boundary, action, target, workload), action
        assert not allowed(inline, boundary, action, target), f"{env}: {action} without a boundary"
        ci_bounded = {"iam:PermissionsBoundary": renderer.boundary_arn(env, "ci")}
        assert not allowed(inline, boundary, action, target, ci_bounded), f"{env}: {action} with the CI boundary"
    vpc_policy = {"iam:PolicyARN": "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"}
    assert allowed(inline, boundary, "iam:AttachRolePolicy", target, {**vpc_policy, **workload})
    assert not allowed(inline, boundary, "iam:AttachRolePolicy", target, vpc_policy)
    admin = {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess", **workload}
    assert not allowed(inline, boundary, "iam:AttachRolePolicy", target, admin)


@pytest.mark.parametrize("account", ACCOUNTS)
def test_ci_never_removes_a_boundary_nor_edits_one(cfg, renderer, account):
    inline, boundary = ci(renderer, account)
    for name in (f"{cfg.project}-sagemaker-execution", f"{cfg.project}-github-ci"):
        assert not allowed(inline, boundary, "iam:DeleteRolePermissionsBoundary", role(cfg, account, name))
    for kind in ("ci", "workload"):
        policy = renderer.boundary_arn(account, kind)
        for action in ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"):
            assert not allowed(inline, boundary, action, policy, {}), f"{account}: {action} on {kind} boundary"


@pytest.mark.parametrize("account", ACCOUNTS)
def test_ci_cannot_edit_its_own_role_trust_or_boundary(cfg, renderer, account):
    inline, boundary = ci(renderer, account)
    own = role(cfg, account, f"{cfg.project}-github-ci")
    workload = {"iam:PermissionsBoundary": renderer.boundary_arn(account, "workload")}
    for action in (
        "iam:UpdateAssumeRolePolicy",
        "iam:PutRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:AttachRolePolicy",
    ):
        assert not allowed(inline, boundary, action, own, workload), f"{account}: {action} on its own role"
    provider = f"arn:aws:iam::{cfg.accounts[account]}:oidc-provider/token.actions.githubusercontent.com"
    assert not allowed(inline, boundary, "iam:UpdateOpenIDConnectProviderThumbprint", provider)


@pytest.mark.parametrize("env", ENVS)
def test_ci_passes_only_project_roles_and_only_to_the_project_services(cfg, renderer, env):
    inline, boundary = ci(renderer, env)
    to_sagemaker = {"iam:PassedToService": "sagemaker.amazonaws.com"}
    assert allowed(inline, boundary, "iam:PassRole", role(cfg, env, f"{cfg.project}-sagemaker-execution"), to_sagemaker)
    assert not allowed(inline, boundary, "iam:PassRole", role(cfg, env, "OrganizationAccountAccessRole"), to_sagemaker)
    to_ec2 = {"iam:PassedToService": "ec2.amazonaws.com"}
    assert not allowed(inline, boundary, "iam:PassRole", role(cfg, env, f"{cfg.project}-sagemaker-execution"), to_ec2)


@pytest.mark.parametrize("env", ENVS)
def test_ci_tags_and_manages_only_the_keys_its_environment_created(cfg, renderer, env):
    inline, boundary = ci(renderer, env)
    key = f"arn:aws:kms:{cfg.region}:{cfg.accounts[env]}:key/1234"
    own = {"aws:ResourceTag/Project": cfg.project, "aws:ResourceTag/Environment": env}
    adopt = {"aws:RequestTag/Project": cfg.project}
    assert allowed(inline, boundary, "kms:TagResource", key, {**own, **adopt})
    assert not allowed(inline, boundary, "kms:TagResource", key, adopt), "adopts an untagged key"
    data_key = {"aws:ResourceTag/Project": cfg.project, "aws:ResourceTag/Account": env}  # terraform/operations
    for action in ("kms:TagResource", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CreateAlias"):
        assert not allowed(inline, boundary, action, key, {**data_key, **adopt}), f"{action} on the data key"
    other = {"aws:ResourceTag/Project": cfg.project, "aws:ResourceTag/Environment": "prod" if env != "prod" else "dev"}
    assert not allowed(inline, boundary, "kms:PutKeyPolicy", key, other)
    alias = f"arn:aws:kms:{cfg.region}:{cfg.accounts[env]}:alias/{cfg.project}-{env}"
    assert allowed(inline, boundary, "kms:CreateAlias", alias)
    assert not allowed(inline, boundary, "kms:UpdateAlias", alias.replace(f"-{env}", f"-{env}-data"))
    create = {"aws:RequestTag/Project": cfg.project, "aws:RequestTag/Environment": env}
    assert allowed(inline, boundary, "kms:CreateKey", "*", create)
    assert not allowed(inline, boundary, "kms:CreateKey", "*", adopt)


@pytest.mark.parametrize("env", ENVS)
def test_ci_creates_network_tagged_and_changes_only_project_network(cfg, renderer, env):
    inline, boundary = ci(renderer, env)
    arn = f"arn:aws:ec2:{cfg.region}:{cfg.accounts[env]}"
    tagged_request = {"aws:RequestTag/Project": cfg.project}
    project_vpc = {"aws:ResourceTag/Project": cfg.project}
    assert allowed(inline, boundary, "ec2:CreateVpc", f"{arn}:vpc/*", tagged_request)
    assert not allowed(inline, boundary, "ec2:CreateVpc", f"{arn}:vpc/*")
    assert allowed(inline, boundary, "ec2:CreateSubnet", f"{arn}:vpc/vpc-1", project_vpc)
    assert not allowed(inline, boundary, "ec2:CreateSubnet", f"{arn}:vpc/vpc-1", tagged_request), (
        "subnet in a foreign VPC"
    )
    for action in ("ec2:DeleteVpc", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateRoute", "ec2:ModifyVpcEndpoint"):
        resource = f"{arn}:security-group/sg-1" if "Security" in action else f"{arn}:vpc/vpc-1"
        assert not allowed(inline, boundary, action, resource), f"{action} on an untagged resource"
    assert allowed(inline, boundary, "ec2:DeleteVpc", f"{arn}:vpc/vpc-1", project_vpc)
    assert not allowed(inline, boundary, "ec2:CreateTags", f"{arn}:vpc/vpc-1", tagged_request), "adopts a VPC"
    assert not allowed(inline, boundary, "ec2:RunInstances", f"{arn}:instance/*", tagged_request)


@pytest.mark.parametrize("account", ACCOUNTS)
def test_ci_cannot_open_buckets_or_touch_organizations(cfg, renderer, account):
    inline, boundary = ci(renderer, account)
    buckets = [f"arn:aws:s3:::{cfg.release_bucket()}", f"arn:aws:s3:::{cfg.state_bucket()}"]
    buckets += [f"arn:aws:s3:::{cfg.data_bucket(env)}" for env in ENVS]
    for bucket in buckets:
        for action in (
            "s3:PutBucketPolicy",
            "s3:DeleteBucketPolicy",
            "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketAcl",
        ):
            assert not allowed(inline, boundary, action, bucket), f"{account}: {action} on {bucket}"
    for action in ("s3:PutAccountPublicAccessBlock", "organizations:LeaveOrganization", "account:PutAlternateContact"):
        assert not allowed(inline, boundary, action, "*")


@pytest.mark.parametrize("env", ENVS)
def test_the_workload_boundary_allows_no_iam_write(cfg, renderer, env):
    boundary = renderer.statements("workload_boundary", env)
    everything = [s for s in boundary if s.effect == "Allow"]
    iam_actions = {a for s in everything for a in s.actions if a.startswith("iam:")}
    assert iam_actions == {"iam:PassRole", "iam:CreateServiceLinkedRole"}
    target = role(cfg, env, f"{cfg.project}-anything")
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:CreateAccessKey"):
        assert not allowed(everything, boundary, action, target, {"iam:PermissionsBoundary": "x"})
    slr = role(cfg, env, "aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS")
    assert not allowed(
        everything, boundary, "iam:CreateServiceLinkedRole", slr, {"iam:AWSServiceName": "ecs.amazonaws.com"}
    )


def _covered(needed, boundary) -> list[str]:
    """(action, resource pattern) of Allow statements in `needed` the boundary does not cover
    (conditions left out: this checks the boundary does not break the project)."""
    allows = [s for s in boundary if s.effect == "Allow"]
    return [
        f"{action} on {resource}"
        for s in needed
        if s.effect == "Allow"
        for action in s.actions
        for resource in s.resources
        if not any(b.matches(action, resource, {k: v[0] for _, k, v in b.conditions if v}) for b in allows)
    ]


@pytest.mark.parametrize("account", ACCOUNTS)
def test_the_ci_boundary_covers_what_the_ci_policy_grants(renderer, account):
    inline, boundary = ci(renderer, account)
    assert _covered(inline, boundary) == []


def _size(statements) -> int:
    """Characters of the document IAM stores (minified JSON, Sids as long as ours)."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S" * 30,
                "Effect": s.effect,
                "Action": list(s.actions),
                "Resource": list(s.resources),
                **({"Condition": {t: {k: list(v)} for t, k, v in s.conditions}} if s.conditions else {}),
            }
            for s in statements
        ],
    }
    return len(json.dumps(document, separators=(",", ":")))


def test_policies_fit_iam_size_limits_with_the_longest_project_name():
    """Inline policies of a role: 10,240 characters in all; a managed policy: 6,144."""
    cfg = load_config(env_file=None, environ={**TEST_ENVIRON, "PROJECT_NAME": "a" * 24})
    renderer = Renderer(cfg)
    for account in ACCOUNTS:
        inline = "ci_operations" if account == "operations" else "ci_environment"
        assert _size(renderer.statements(inline, account)) < 10_240, account
        managed = ["ci_guardrails", "ci_boundary"] + (
            [] if account == "operations" else ["ci_network", "workload_boundary"]
        )
        for name in managed:
            assert _size(renderer.statements(name, account)) < 6_144, f"{account}: {name}"


# ---- every role carries the boundary; trust is exact ------------------------------------------


def _roles(tf):
    for path in sorted(tf.rglob("*.tf")):
        for resource in tfparse.parse_file(path).get("resource", []):
            for name, body in resource.get("aws_iam_role", {}).items():
                yield path, name, body


def test_every_iam_role_carries_a_permissions_boundary(repo_root):
    roles = list(_roles(repo_root / "terraform"))
    assert len(roles) == 5
    for path, name, body in roles:
        assert body.get("permissions_boundary") == "${var.permissions_boundary_arn}", f"{path}: {name}"
        variable = tfparse.variables(path.parent)["permissions_boundary_arn"]
        assert "default" not in variable, f"{path.parent.name}: the boundary must be a required input"


def test_main_passes_the_workload_boundary_operations_creates(repo_root):
    tf = repo_root / "terraform"
    main_locals = {k: v for b in tfparse.parse_dir(tf / "main").get("locals", []) for k, v in b.items()}
    ops_locals = {k: v for b in tfparse.parse_dir(tf / "operations").get("locals", []) for k, v in b.items()}
    assert main_locals["workload_boundary_arn"].endswith(":policy/" + ops_locals["workload_boundary_name"])
    calls = tfparse.module_calls(tf / "main")
    with_roles = {"sagemaker_role", "vpc", "auto_deploy", "retraining"}
    for name in with_roles:
        assert calls[name]["permissions_boundary_arn"] == "${local.workload_boundary_arn}", name
    for account in ACCOUNTS:
        call = tfparse.module_calls(tf / "operations")[f"ci_{account}"]
        assert call["permissions_boundary_arn"] == f"${{module.baseline_{account}.policy_arns[local.ci_boundary_name]}}"
        assert "ci_guardrails" in str(call["managed_policies"]), f"ci_{account}: the explicit denies are not attached"


def test_each_ci_role_trusts_exactly_its_subjects(repo_root):
    assert tfparse.ci_subjects(repo_root / "terraform") == {
        "operations": ["repo:${local.repo}:ref:refs/heads/main"],
        "dev": ["repo:${local.repo}:environment:dev"],
        "staging": ["repo:${local.repo}:environment:staging"],
        "prod": ["repo:${local.repo}:environment:prod"],
    }


def test_no_role_trusts_a_tag_subject(repo_root):
    for path in (repo_root / "terraform").rglob("*.tf"):
        for value in tfparse.walk_strings(tfparse.parse_file(path)):
            assert not re.search(r"repo:\S*:ref:refs/tags/", value), f"{path}: {value}"
    validation = tfparse.variables(repo_root / "terraform" / "modules" / "github-oidc-role")["subjects"]["validation"]
    pattern = re.search(r'regex\("(.+?)", s\)', str(validation)).group(1).replace("\\\\", "\\")
    assert re.match(pattern, "repo:o/n:environment:prod") and re.match(pattern, "repo:o/n:ref:refs/heads/main")
    assert not re.match(pattern, "repo:o/n:ref:refs/tags/prod")


# ---- the analysis catches a weakened copy ---------------------------------------------------


@pytest.fixture
def weakened(repo_root, tmp_path, monkeypatch, cfg):
    target = tmp_path / "terraform"
    shutil.copytree(repo_root / "terraform", target, ignore=shutil.ignore_patterns(".terraform", "environment"))
    from tests.terraform import iameval

    def build(edit):
        path = target / "operations" / "policies.tf"
        text = path.read_text()
        changed = edit(text)
        assert changed != text
        path.write_text(changed)
        tfparse.parse_file.cache_clear()
        monkeypatch.setattr(iameval, "OPERATIONS", target / "operations")
        return Renderer(cfg)

    yield build
    tfparse.parse_file.cache_clear()


def test_analysis_fails_when_role_creation_loses_its_boundary_condition(cfg, renderer, weakened):
    target = role(cfg, "dev", f"{cfg.project}-x")
    inline, _ = ci(renderer, "dev")
    assert not allowed(inline, inline, "iam:CreateRole", target)
    weak = weakened(lambda t: t.replace('"iam:DeleteRole",', '"iam:CreateRole",\n      "iam:DeleteRole",', 1))
    inline, boundary = ci(weak, "dev")
    assert allowed(inline, inline, "iam:CreateRole", target), "the inline policy alone now lets it through"
    assert not allowed(inline, boundary, "iam:CreateRole", target), "the boundary is the second layer"


def test_analysis_fails_when_tagging_checks_only_the_request_tag(cfg, weakened):
    old_statement = """
  statement {
    sid       = "TagProjectKeys"
    actions   = ["kms:TagResource"]
    resources = ["arn:aws:kms:${var.region}:${var.account_ids[each.key]}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }
  }
"""
    anchor = '  statement {\n    sid = "ManageProjectKeys"'
    weak = weakened(lambda t: t.replace(anchor, old_statement + "\n" + anchor, 1))
    inline, boundary = ci(weak, "dev")
    key = f"arn:aws:kms:{cfg.region}:{cfg.accounts['dev']}:key/1"
    assert allowed(inline, boundary, "kms:TagResource", key, {"aws:RequestTag/Project": cfg.project})
