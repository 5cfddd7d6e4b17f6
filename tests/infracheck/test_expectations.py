"""The checks `make test-infra` runs on what the applies created (pure parts, no terraform)."""

from __future__ import annotations

import json

import pytest

from infracheck import expectations

BUCKET = "promote-tfstate-111111111111"
TLS = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
ACCESS = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "s3:ListBucket"}


def test_on_aws_the_state_bucket_must_deny_requests_without_tls():
    assert expectations.tls_problems({"Statement": [ACCESS, TLS]}, BUCKET, emulator=False) == []
    assert expectations.tls_problems({"Statement": [ACCESS]}, BUCKET, emulator=False)
    partial = {**TLS, "Resource": f"arn:aws:s3:::{BUCKET}"}
    assert "does not cover" in expectations.tls_problems({"Statement": [partial]}, BUCKET, emulator=False)[0]


def test_on_the_plain_http_emulator_the_tls_statement_must_be_absent():
    assert expectations.tls_problems({"Statement": [ACCESS]}, BUCKET, emulator=True) == []
    assert expectations.tls_problems({"Statement": [ACCESS, TLS]}, BUCKET, emulator=True)


def test_state_bucket_encryption_must_use_the_state_key():
    key = "arn:aws:kms:eu-west-1:111111111111:key/abc"
    config = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}
    encryption = {"ServerSideEncryptionConfiguration": {"Rules": [config]}}
    assert expectations.encryption_problems(encryption, key, BUCKET) == []
    other = {
        "ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        }
    }
    assert "not aws:kms" in expectations.encryption_problems(other, key, BUCKET)[0]
    assert "not the state key" in expectations.encryption_problems(encryption, key + "x", BUCKET)[0]


def _trust(subjects, operator="StringEquals", account="333333333333"):
    return {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    operator: {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                        "token.actions.githubusercontent.com:sub": subjects,
                    }
                },
            }
        ]
    }


@pytest.mark.parametrize("env", ["operations", "dev", "staging", "prod"])
def test_each_ci_role_trusts_exactly_its_subjects(cfg, env):
    subjects = expectations.expected_subjects(cfg)[env]
    account = cfg.accounts[env]
    assert expectations.trust_problems(_trust(sorted(subjects), account=account), account, subjects, env) == []


def test_a_wildcard_another_subject_or_stringlike_is_refused(cfg):
    subjects = expectations.expected_subjects(cfg)["prod"]
    account = "333333333333"
    wildcard = _trust([f"repo:{cfg.repository}:*"], account=account)
    assert "expected exactly" in expectations.trust_problems(wildcard, account, subjects, "prod")[0]
    like = _trust(sorted(subjects), operator="StringLike", account=account)
    assert any("StringEquals" in p for p in expectations.trust_problems(like, account, subjects, "prod"))
    other = _trust(sorted(subjects), account="999999999999")
    assert any("not only" in p for p in expectations.trust_problems(other, account, subjects, "prod"))


def test_prod_may_not_be_assumed_from_main(cfg):
    assert f"repo:{cfg.repository}:ref:refs/heads/main" not in expectations.expected_subjects(cfg)["prod"]


def test_every_ci_role_must_carry_the_ci_boundary(cfg):
    expected = expectations.ci_boundary_arn(cfg, "prod")
    assert expected == f"arn:aws:iam::{cfg.accounts['prod']}:policy/{cfg.project}-ci-boundary"

    class Iam:
        class exceptions:
            NoSuchEntityException = LookupError

        def __init__(self, existing=()):
            self.existing = set(existing)

        def get_policy(self, PolicyArn):
            if PolicyArn not in self.existing:
                raise LookupError(PolicyArn)

    role = {"RoleName": "ci"}
    assert "no permissions boundary" in expectations.boundary_problems(role, Iam(), expected)[0]
    other = {"RoleName": "ci", "PermissionsBoundary": {"PermissionsBoundaryArn": "arn:aws:iam::1:policy/b"}}
    assert "expected" in expectations.boundary_problems(other, Iam(["arn:aws:iam::1:policy/b"]), expected)[0]
    bounded = {"RoleName": "ci", "PermissionsBoundary": {"PermissionsBoundaryArn": expected}}
    assert "does not exist" in expectations.boundary_problems(bounded, Iam(), expected)[0]
    assert expectations.boundary_problems(bounded, Iam([expected]), expected) == []


def test_lambda_environment_must_give_the_deployers_target(cfg):
    from inference.deployer import Target

    target = Target.from_config(cfg, "staging")
    variables = {
        "ENV_NAME": "staging",
        "ENDPOINT_NAME": target.endpoint_name,
        "MODEL_PACKAGE_GROUP": target.model_package_group,
        "SAGEMAKER_ROLE_ARN": target.role_arn,
        "DATA_CAPTURE_S3_URI": target.capture_uri,
    }
    assert expectations.lambda_problems(variables, cfg, "staging") == []
    assert "expected" in expectations.lambda_problems({**variables, "ENDPOINT_NAME": "other"}, cfg, "staging")[0]
    assert "does not read" in expectations.lambda_problems({**variables, "EXTRA": "1"}, cfg, "staging")[0]
    assert "missing" in expectations.lambda_problems({"ENV_NAME": "staging"}, cfg, "staging")[0]


def test_event_pattern_must_match_only_this_group_and_decisions(cfg):
    pattern = expectations.expected_pattern(cfg, "dev")
    assert expectations.pattern_problems(json.dumps(pattern), cfg, "dev") == []
    every_change = {**pattern, "detail": {"ModelPackageGroupName": [cfg.model_package_group("dev")]}}
    assert expectations.pattern_problems(json.dumps(every_change), cfg, "dev")


@pytest.mark.parametrize(("env", "state"), [("dev", "ENABLED"), ("prod", "DISABLED")])
def test_retraining_runs_only_in_prod(cfg, env, state):
    schedule = {
        "State": state,
        "Target": {
            "Arn": f"arn:aws:sagemaker:eu-west-1:1:pipeline/{cfg.pipeline_name(env)}",
            "SageMakerPipelineParameters": {
                "PipelineParameterList": [{"Name": "InputDataUri", "Value": cfg.dataset_pointer_uri(env)}]
            },
        },
    }
    assert "expected" in expectations.schedule_problems(schedule, cfg, env)[0]
    fixed = {**schedule, "State": "ENABLED" if env == "prod" else "DISABLED"}
    assert expectations.schedule_problems(fixed, cfg, env) == []
