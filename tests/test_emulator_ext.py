"""moto gaps filled by awsenv.emulator_ext that are not the inference area's (see tests/inference)."""

from __future__ import annotations

from awsenv.sessions import aws_session


def test_create_domain_answers_with_its_domain_id(emulator):
    """The Terraform provider needs CreateDomain's DomainId (moto alone answers without it)."""
    sm = aws_session(emulator, "dev", local=True).client("sagemaker")
    created = sm.create_domain(
        DomainName="promote-test-dev",
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": emulator.sagemaker_role_arn("dev")},
        SubnetIds=["subnet-1"],
        VpcId="vpc-1",
    )
    assert created["DomainId"] and created["DomainArn"].endswith(f"/{created['DomainId']}")
    described = sm.describe_domain(DomainId=created["DomainId"])
    assert described["DomainArn"] == created["DomainArn"]
    assert described["DomainName"] == "promote-test-dev"


def test_managed_policies_are_loaded_into_the_aws_partition_only(monkeypatch):
    """`invoke emulator.start` loads AWS managed policies; only `aws` gets them (start stays fast)."""
    from moto.iam.models import IAMBackend

    from awsenv.emulator_ext import install

    install()
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    policy = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    assert policy in IAMBackend(region_name="aws", account_id="999999999999").managed_policies
    assert IAMBackend(region_name="aws-cn", account_id="999999999999").managed_policies == {}
