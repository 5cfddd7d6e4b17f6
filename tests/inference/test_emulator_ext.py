"""UpdateEndpoint, which moto lacks, as added by awsenv.emulator_ext."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from awsenv.sessions import aws_session


def make_config(sm, name):
    sm.create_model(
        ModelName=name, ExecutionRoleArn="arn:aws:iam::200000000002:role/r", PrimaryContainer={"Image": "i"}
    )
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": name, "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
        ],
    )


def test_update_endpoint_over_the_server(emulator):
    sm = aws_session(emulator, "dev", local=True).client("sagemaker")
    make_config(sm, "c1")
    make_config(sm, "c2")
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    arn = sm.update_endpoint(
        EndpointName="e",
        EndpointConfigName="c2",
        DeploymentConfig={"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "a"}]}},
    )["EndpointArn"]
    described = sm.describe_endpoint(EndpointName="e")
    assert described["EndpointArn"] == arn
    assert described["EndpointConfigName"] == "c2" and described["EndpointStatus"] == "InService"
    assert described["LastDeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"] == [{"AlarmName": "a"}]
    with pytest.raises(ClientError, match="Could not find endpoint configuration"):
        sm.update_endpoint(EndpointName="e", EndpointConfigName="nope")
    with pytest.raises(ClientError, match="Could not find endpoint"):
        sm.update_endpoint(EndpointName="missing", EndpointConfigName="c1")


def test_update_endpoint_in_process_keeps_history(emulator):
    from moto.sagemaker.models import sagemaker_backends

    sm = aws_session(emulator, "staging", local=True).client("sagemaker")
    make_config(sm, "c1")
    make_config(sm, "c2")
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
    sm.update_endpoint(EndpointName="e", EndpointConfigName="c1")
    backend = sagemaker_backends[emulator.accounts["staging"]][emulator.region]
    assert backend.endpoint_config_history["e"] == ["c1", "c2", "c1"]
    assert backend.update_endpoint("e", "c2") == sm.describe_endpoint(EndpointName="e")["EndpointArn"]


def test_update_endpoint_in_the_emulator_process(tmp_path):
    """The background server (`invoke emulator.start`) installs the extension too."""
    from awsenv import emulator
    from awsenv.config import load_config
    from tests.conftest import TEST_ENVIRON, _free_port

    cfg = load_config(env_file=None, environ={**TEST_ENVIRON, "EMULATOR_PORT": str(_free_port())})
    emulator.start(cfg, tmp_path)
    try:
        sm = aws_session(cfg, "prod", local=True).client("sagemaker")
        make_config(sm, "c1")
        make_config(sm, "c2")
        sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
        sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
        assert sm.describe_endpoint(EndpointName="e")["EndpointConfigName"] == "c2"
    finally:
        emulator.stop(cfg, tmp_path)


def test_approving_a_package_keeps_its_customer_metadata(emulator, tiny_archive):
    from inference import registry
    from tests.inference.conftest import archive_digests, register_package

    package = register_package(emulator, "dev", tiny_archive, status="PendingManualApproval")
    sm = aws_session(emulator, "dev", local=True).client("sagemaker")
    approved = registry.set_approval(sm, package["ModelPackageGroupName"], 1, "Approved")
    assert approved.status == "Approved" and approved.metadata == archive_digests(tiny_archive)
    sm.update_model_package(ModelPackageArn=approved.arn, CustomerMetadataProperties={"note": "x"})
    assert registry.describe(sm, approved.arn).metadata == {**archive_digests(tiny_archive), "note": "x"}
