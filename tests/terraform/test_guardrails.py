"""IAM guardrails hold on the tree, and the check catches a weakened copy."""

from __future__ import annotations

import shutil

import pytest

from tests.terraform import tfparse


@pytest.fixture
def tf_copy(repo_root, tmp_path):
    target = tmp_path / "terraform"
    shutil.copytree(repo_root / "terraform", target, ignore=shutil.ignore_patterns(".terraform", "environment"))
    return target


def test_guardrails_hold(repo_root):
    assert tfparse.guardrail_findings(repo_root / "terraform") == []


def test_trust_requires_sts_audience(repo_root):
    text = (repo_root / "terraform" / "modules" / "github-oidc-role" / "main.tf").read_text()
    assert 'variable = "${var.oidc_provider_url}:aud"' in text and '["sts.amazonaws.com"]' in text


def test_guardrails_fail_when_a_role_gets_administrator_access(tf_copy):
    module = tf_copy / "modules" / "github-oidc-role" / "main.tf"
    module.write_text(
        module.read_text()
        + '\nresource "aws_iam_role_policy_attachment" "admin" {\n'
        + "  count      = var.create ? 1 : 0\n"
        + "  role       = aws_iam_role.this[0].name\n"
        + '  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n'
    )
    assert any("admin" in finding for finding in tfparse.guardrail_findings(tf_copy))


def test_guardrails_fail_when_prod_trust_is_widened(tf_copy):
    main = tf_copy / "operations" / "main.tf"
    text = main.read_text()
    widened = text.replace(
        'prod       = ["repo:${local.repo}:environment:prod"]',
        'prod       = ["repo:${local.repo}:*"]',
    )
    assert widened != text
    main.write_text(widened)
    findings = tfparse.guardrail_findings(tf_copy)
    assert any("wildcard" in f for f in findings) and any("prod CI role" in f for f in findings)


def test_guardrails_fail_on_star_actions_and_s3_star(tf_copy):
    policies = tf_copy / "operations" / "policies.tf"
    text = policies.read_text().replace('actions   = ["ecr:GetAuthorizationToken"]', 'actions   = ["*"]', 1)
    text = text.replace('actions   = ["s3:ListBucket"]', 'actions   = ["s3:*"]', 1)
    text = text.replace('resources = ["arn:aws:s3:::${var.release_bucket_name}"]', 'resources = ["*"]', 1)
    policies.write_text(text)
    findings = tfparse.guardrail_findings(tf_copy)
    assert any("Action '*'" in f for f in findings)
    assert any("s3:*" in f for f in findings)
