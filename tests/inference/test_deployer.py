"""The deployer against the emulator: create, update, idempotence, unapproved refused."""

from __future__ import annotations

import pytest

from awsenv.sessions import aws_session
from inference.deployer import DeployError, NotApproved, Target, deploy, describe_endpoint, serving
from inference.registry import NoSuchPackage
from tests.inference.conftest import register_package


def snapshot(sm, target):
    endpoint = describe_endpoint(sm, target.endpoint_name)
    return {
        "endpoint": endpoint and {k: v for k, v in endpoint.items() if k != "ResponseMetadata"},
        "models": sorted(m["ModelName"] for m in sm.list_models()["Models"]),
        "configs": sorted(c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]),
    }


@pytest.fixture
def dev(emulator):
    session = aws_session(emulator, "dev", local=True)
    return session, Target.from_config(emulator, "dev", local=True)


def test_create_then_update_then_nothing_to_do(emulator, tiny_archive, dev):
    session, target = dev
    sm = session.client("sagemaker")
    register_package(emulator, "dev", tiny_archive)
    first = deploy(session, target)
    assert first.action == "created" and first.version == 1
    endpoint = sm.describe_endpoint(EndpointName=target.endpoint_name)
    assert endpoint["EndpointConfigName"] == first.config and endpoint["EndpointStatus"] == "InService"
    config = sm.describe_endpoint_config(EndpointConfigName=first.config)
    assert config["DataCaptureConfig"]["EnableCapture"] is True

    register_package(emulator, "dev", tiny_archive)
    second = deploy(session, target)
    assert second.action == "updated" and second.version == 2 and second.config != first.config
    endpoint = sm.describe_endpoint(EndpointName=target.endpoint_name)
    assert endpoint["EndpointConfigName"] == second.config
    assert endpoint["LastDeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]
    assert serving(sm, target)["version"] == 2

    before = snapshot(sm, target)
    again = deploy(session, target)
    assert again.action == "unchanged" and "already serving" in again.line()
    assert snapshot(sm, target) == before

    policies = session.client("application-autoscaling").describe_scaling_policies(ServiceNamespace="sagemaker")
    assert [p["PolicyType"] for p in policies["ScalingPolicies"]] == ["TargetTrackingScaling"]


def test_names_are_deterministic_and_serverless_is_another_deployment(emulator, tiny_archive, dev):
    session, target = dev
    register_package(emulator, "dev", tiny_archive)
    realtime = deploy(session, target)
    serverless = deploy(session, Target.from_config(emulator, "dev", local=True, serverless=True))
    assert serverless.action == "updated" and serverless.config != realtime.config
    assert serverless.config.startswith(f"{target.endpoint_name}-v1-")
    back = deploy(session, target)
    assert back.action == "updated" and back.config == realtime.config  # same name, reused


def test_the_model_gets_the_registered_image_and_environment_and_the_registered_digest(emulator, tiny_archive, dev):
    from awsenv.images import huggingface_inference_image
    from inference.integrity import CONTENT_ENV
    from training_pipeline.families import SERVING_ENVIRONMENT

    session, target = dev
    sm = session.client("sagemaker")
    image = huggingface_inference_image(emulator.region)
    environment = {**SERVING_ENVIRONMENT, CONTENT_ENV: "0" * 64}  # a registered env cannot pick the digest
    package = register_package(emulator, "dev", tiny_archive, container={"Image": image, "Environment": environment})
    result = deploy(session, target)
    container = sm.describe_model(ModelName=result.config)["PrimaryContainer"]
    assert container["Image"] == image
    assert {key: container["Environment"][key] for key in SERVING_ENVIRONMENT} == SERVING_ENVIRONMENT
    assert container["Environment"][CONTENT_ENV] == package["CustomerMetadataProperties"]["model-content-sha256"]
    assert container["Environment"]["MODEL_PACKAGE_VERSION"] == "1"


def test_unapproved_package_is_refused_and_nothing_changes(emulator, tiny_archive, dev):
    session, target = dev
    sm = session.client("sagemaker")
    register_package(emulator, "dev", tiny_archive)
    deploy(session, target)
    register_package(emulator, "dev", tiny_archive, status="PendingManualApproval")
    before = snapshot(sm, target)
    with pytest.raises(NotApproved) as caught:
        deploy(session, target, version=2)
    message = str(caught.value)
    assert "\n" not in message and "version 2" in message and "PendingManualApproval" in message
    assert "invoke model.approve --env=dev --version 2" in message
    assert snapshot(sm, target) == before


def test_no_approved_package_or_unknown_version_is_a_clear_error(emulator, tiny_archive, dev):
    session, target = dev
    with pytest.raises(NoSuchPackage, match="no Approved model package"):
        deploy(session, target)
    register_package(emulator, "dev", tiny_archive)
    with pytest.raises(NoSuchPackage, match=r"version 7 is not in group .* \(versions: 1\)"):
        deploy(session, target, version=7)
    assert describe_endpoint(session.client("sagemaker"), target.endpoint_name) is None


def test_an_update_that_did_not_take_effect_is_an_error(emulator, tiny_archive, dev):
    """As after an automatic rollback: the endpoint is InService, but on the old config."""
    session, target = dev
    register_package(emulator, "dev", tiny_archive)
    first = deploy(session, target)
    register_package(emulator, "dev", tiny_archive)

    class RolledBack:
        def client(self, name, **kwargs):
            client = session.client(name, **kwargs)
            if name == "sagemaker":
                client.update_endpoint = lambda **request: {"EndpointArn": "rolled-back"}
            return client

    with pytest.raises(DeployError, match=f"serves config {first.config}, not .*rolled back"):
        deploy(RolledBack(), target)
    assert serving(session.client("sagemaker"), target)["version"] == 1
