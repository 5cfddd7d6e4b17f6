"""The auto-deploy handler on model-package state-change events (in-process, emulator)."""

from __future__ import annotations

import copy

import pytest

from awsenv.errors import UserError
from awsenv.event_bus import model_package_event
from awsenv.sessions import EnvSession, aws_session
from inference.auto_deploy import handle_event
from inference.deployer import Target, serving
from tests.inference.conftest import register_package


def current(cfg):
    sm = aws_session(cfg, "dev", local=True).client("sagemaker")
    return serving(sm, Target.from_config(cfg, "dev", local=True))


def approve(cfg, version, status="Approved"):
    """As `invoke model.approve --local`: the event goes through the bus to the auto-deploy rule."""
    from inference import registry
    from laptop.events import deliver_model_package_change

    session = EnvSession(cfg, "dev", local=True)
    package = registry.set_approval(session.sagemaker, cfg.model_package_group("dev"), version, status)
    return deliver_model_package_change(session, package.arn)


def test_other_group_is_ignored(emulator, tiny_archive):
    package = register_package(emulator, "dev", tiny_archive, group="someone-elses-models")
    event = model_package_event(emulator, "dev", package)
    result = handle_event(event, EnvSession(emulator, "dev", local=True))
    assert result["action"] == "ignored" and "someone-elses-models" in result["reason"]
    assert current(emulator) is None


def test_approved_deploys_once_even_when_delivered_twice(emulator, tiny_archive):
    package = register_package(emulator, "dev", tiny_archive, status="PendingManualApproval")
    pending = model_package_event(emulator, "dev", package)
    assert handle_event(pending, EnvSession(emulator, "dev", local=True))["action"] == "ignored"
    assert approve(emulator, 1)["action"] == "deployed"
    assert current(emulator)["version"] == 1
    again = approve(emulator, 1)  # same Approved event delivered a second time
    assert again["action"] == "unchanged"
    sm = aws_session(emulator, "dev", local=True).client("sagemaker")
    assert len(sm.list_endpoint_configs()["EndpointConfigs"]) == 1


def test_rejecting_a_version_that_is_not_serving_is_ignored(emulator, tiny_archive):
    register_package(emulator, "dev", tiny_archive)
    register_package(emulator, "dev", tiny_archive, status="PendingManualApproval")
    approve(emulator, 1)
    result = approve(emulator, 2, status="Rejected")
    assert result["action"] == "ignored" and "not serving" in result["reason"]
    assert current(emulator)["version"] == 1


def test_rejecting_the_serving_version_rolls_back_to_the_previous_approved(emulator, tiny_archive):
    for _ in range(2):
        register_package(emulator, "dev", tiny_archive, status="PendingManualApproval")
    assert approve(emulator, 1)["action"] == "deployed"
    assert approve(emulator, 2)["action"] == "deployed"
    assert current(emulator)["version"] == 2
    result = approve(emulator, 2, status="Rejected")
    assert result == {**result, "action": "rolled-back", "rejected": 2, "version": 1}
    assert current(emulator)["version"] == 1
    last = approve(emulator, 1, status="Rejected")  # nothing left to roll back to: keep serving
    assert last["action"] == "kept" and current(emulator)["version"] == 1


def test_other_detail_type_is_ignored(emulator, tiny_archive):
    package = register_package(emulator, "dev", tiny_archive)
    event = copy.deepcopy(model_package_event(emulator, "dev", package))
    event["detail-type"] = "SageMaker Endpoint State Change"
    assert handle_event(event, EnvSession(emulator, "dev", local=True))["action"] == "ignored"


def test_lambda_handler_reads_its_settings_from_environment_variables(emulator, tiny_archive, monkeypatch):
    import awsenv.sessions
    from inference.auto_deploy import handler

    package = register_package(emulator, "dev", tiny_archive)
    target = Target.from_config(emulator, "dev")
    environ = {
        "ENV_NAME": "dev",
        "ENDPOINT_NAME": target.endpoint_name,
        "MODEL_PACKAGE_GROUP": target.model_package_group,
        "SAGEMAKER_ROLE_ARN": target.role_arn,
        "DATA_CAPTURE_S3_URI": target.capture_uri,
        "SERVERLESS": "true",
    }
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(
        awsenv.sessions, "ambient_session", lambda region=None: aws_session(emulator, "dev", local=True)
    )
    result = handler(model_package_event(emulator, "dev", package), None)
    assert result["action"] == "deployed" and current(emulator)["serverless"] is True
    monkeypatch.delenv("ENDPOINT_NAME")
    with pytest.raises(UserError, match="ENDPOINT_NAME"):
        handler(model_package_event(emulator, "dev", package), None)


def without_version(detail):
    return {key: value for key, value in detail.items() if key != "ModelPackageVersion"}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda event: None, "event is NoneType"),
        (lambda event: "text", "event is str"),
        (lambda event: {**event, "detail": "a string"}, "detail is str"),
        (lambda event: {**event, "detail": {**event["detail"], "ModelPackageVersion": "v2"}}, "not a version number"),
        (lambda event: {**event, "detail": {**event["detail"], "ModelPackageVersion": None}}, "not a version number"),
        (lambda event: {**event, "detail": without_version(event["detail"])}, "not a version number"),
        (lambda event: {**event, "detail": {**event["detail"], "ModelPackageVersion": 99}}, "version 99 is not"),
    ],
)
def test_events_it_cannot_act_on_are_ignored_with_the_reason(emulator, tiny_archive, caplog, mutate, reason):
    package = register_package(emulator, "dev", tiny_archive)
    event = mutate(copy.deepcopy(model_package_event(emulator, "dev", package)))
    with caplog.at_level("INFO", logger="inference.auto_deploy"):
        result = handle_event(event, EnvSession(emulator, "dev", local=True))
    assert result["action"] == "ignored" and reason in result["reason"]
    assert reason in caplog.text and current(emulator) is None


def test_a_package_without_artifact_digests_is_not_deployed(emulator, tiny_archive):
    package = register_package(emulator, "dev", tiny_archive)
    sm = aws_session(emulator, "dev", local=True).client("sagemaker")
    sm.update_model_package(
        ModelPackageArn=package["ModelPackageArn"],
        CustomerMetadataPropertiesToRemove=["model-archive-sha256", "model-content-sha256"],
    )
    result = handle_event(model_package_event(emulator, "dev", package), EnvSession(emulator, "dev", local=True))
    assert result["action"] == "ignored" and "no registered artifact checksums" in result["reason"]
    assert current(emulator) is None


def test_aws_faults_still_raise_so_eventbridge_retries(emulator, tiny_archive, monkeypatch):
    from botocore.exceptions import ClientError

    import inference.auto_deploy as auto_deploy

    def throttled(*args, **kwargs):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeEndpoint")

    package = register_package(emulator, "dev", tiny_archive)
    monkeypatch.setattr(auto_deploy, "deploy", throttled)
    with pytest.raises(ClientError, match="Rate exceeded"):
        handle_event(model_package_event(emulator, "dev", package), EnvSession(emulator, "dev", local=True))
