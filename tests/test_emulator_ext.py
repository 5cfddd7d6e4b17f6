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


def test_the_server_lists_motos_packages_once_and_still_answers_500_for_what_moto_lacks(emulator, monkeypatch):
    """Per-request work moto's server did for nothing is done once; its answers stay the same."""
    import os

    from botocore.config import Config as ClientConfig
    from botocore.exceptions import ClientError
    from moto import backends
    from moto.moto_server import threaded_moto_server

    names = backends.list_of_moto_modules()
    assert {"s3", "sagemaker", "sts"} <= set(names)

    def listdir(*_):
        raise AssertionError("moto's package directory listed again")

    with monkeypatch.context() as patched:
        patched.setattr(os, "listdir", listdir)
        assert backends.list_of_moto_modules() == names
    assert threaded_moto_server.create_backend_app("s3").debug is False
    session = aws_session(emulator, "dev", local=True)
    assert session.client("s3").list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200  # dispatched by Host
    sm = session.client("sagemaker", config=ClientConfig(retries={"max_attempts": 1}))
    try:
        sm.describe_image(ImageName="not-emulated")  # moto raises NotImplementedError
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    else:
        raise AssertionError("moto now implements DescribeImage: pick another operation it lacks")
