"""When a step of `make test-infra` may start: what it reads exists on the emulator."""

from __future__ import annotations

from awsenv.sessions import aws_session
from infracheck import readiness


def test_a_deploy_waits_for_its_own_data_key_and_workload_boundary(emulator):
    cfg = emulator
    session = aws_session(cfg, "staging", local=True)
    assert not readiness.workload_inputs_ready(cfg, "staging")
    key = session.client("kms").create_key()["KeyMetadata"]["KeyId"]
    session.client("kms").create_alias(AliasName=f"alias/{cfg.project}-staging-data", TargetKeyId=key)
    assert not readiness.workload_inputs_ready(cfg, "staging")  # the boundary is still missing
    session.client("iam").create_policy(
        PolicyName=f"{cfg.project}-workload-boundary",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
    )
    assert readiness.workload_inputs_ready(cfg, "staging")
    assert not readiness.workload_inputs_ready(cfg, "prod")  # another account's are not its own
