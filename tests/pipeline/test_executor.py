"""Local executor building blocks: expressions, conditions, ordering, unsupported steps, CLI errors."""

from __future__ import annotations

import json

import pytest

from awsenv.sessions import EnvSession
from training_pipeline.local_executor import ExecutorError, run_definition
from training_pipeline.local_executor.expressions import Resolver, evaluate_condition, path_tokens
from training_pipeline.local_executor.runner import ordered, parameter_values


@pytest.fixture
def resolver(tmp_path):
    report = tmp_path / "evaluation.json"
    report.write_text(json.dumps({"metrics": {"accuracy": {"value": 0.9}}, "items": [{"x": 3}]}))
    resolver = Resolver({"Threshold": 0.8, "Name": "n"}, {"PipelineExecutionId": "exec1"})
    resolver.properties["Eval"] = {
        "PropertyFiles": {"Report": str(report)},
        "ProcessingOutputConfig": {"Outputs": {"evaluation": {"S3Output": {"S3Uri": "s3://b/k"}}}},
    }
    return resolver


def test_get_join_and_jsonget(resolver):
    json_get = {
        "Std:JsonGet": {"PropertyFile": {"Get": "Steps.Eval.PropertyFiles.Report"}, "Path": "metrics.accuracy.value"}
    }
    value = {
        "Std:Join": {
            "On": "/",
            "Values": [
                {"Get": "Steps.Eval.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri"},
                {"Get": "Execution.PipelineExecutionId"},
                {"Get": "Parameters.Threshold"},
                json_get,
            ],
        }
    }
    assert resolver.resolve(value) == "s3://b/k/exec1/0.8/0.9"
    items = {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Eval.PropertyFiles.Report"}, "Path": "items[0].x"}}
    assert resolver.resolve(items) == 3
    assert path_tokens("Outputs['a b'].S3Output[2]") == ["Outputs", "a b", "S3Output", 2]


def test_conditions(resolver):
    acc = {
        "Std:JsonGet": {"PropertyFile": {"Get": "Steps.Eval.PropertyFiles.Report"}, "Path": "metrics.accuracy.value"}
    }
    ge = {"Type": "GreaterThanOrEqualTo", "LeftValue": acc, "RightValue": {"Get": "Parameters.Threshold"}}
    lt = {"Type": "LessThan", "LeftValue": acc, "RightValue": 0.5}
    assert evaluate_condition(ge, resolver) is True
    assert evaluate_condition({"Type": "Not", "Expression": ge}, resolver) is False
    assert evaluate_condition({"Type": "Or", "Conditions": [lt, ge]}, resolver) is True
    assert evaluate_condition({"Type": "In", "QueryValue": {"Get": "Parameters.Name"}, "Values": ["m", "n"]}, resolver)
    with pytest.raises(ExecutorError, match="unsupported condition type 'Fancy'"):
        evaluate_condition({"Type": "Fancy"}, resolver)


def test_unknown_references_are_clear(resolver):
    with pytest.raises(ExecutorError, match="step 'Train' has not run"):
        resolver.resolve({"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"})
    with pytest.raises(ExecutorError, match="unsupported pipeline function Std:Frobnicate"):
        resolver.resolve({"Std:Frobnicate": {}})


def test_parameters_overrides_are_typed_and_checked():
    definition = {
        "Parameters": [
            {"Name": "A", "Type": "Float", "DefaultValue": 0.5},
            {"Name": "B", "Type": "Integer", "DefaultValue": 1},
        ]
    }
    assert parameter_values(definition, {"A": "0.9", "B": "7"}) == {"A": 0.9, "B": 7}
    with pytest.raises(Exception, match="'C' is not a pipeline parameter; use one of: A, B"):
        parameter_values(definition, {"C": "1"})
    with pytest.raises(Exception, match="B='x' is not a valid Integer"):
        parameter_values(definition, {"B": "x"})


def test_steps_run_in_dependency_order():
    steps = [
        {"Name": "C", "Arguments": {"x": {"Get": "Steps.B.Out"}}},
        {"Name": "B", "Arguments": {"x": {"Get": "Steps.A.Out"}}},
        {"Name": "A", "Arguments": {}},
        {"Name": "D", "DependsOn": ["C"]},
    ]
    assert [s["Name"] for s in ordered(steps)] == ["A", "B", "C", "D"]


def test_unsupported_step_type_fails_clearly(emulator, tmp_path):
    definition = {"Parameters": [], "Steps": [{"Name": "BatchScore", "Type": "Transform", "Arguments": {}}]}
    with pytest.raises(ExecutorError) as caught:
        run_definition(EnvSession(emulator, "dev", local=True), definition, runs_dir=tmp_path, say=lambda _: None)
    assert str(caught.value) == (
        "step 'BatchScore': type 'Transform' is not supported by the local executor "
        "(supported: Processing, Training, Condition, RegisterModel, Fail)"
    )


def test_cli_says_when_the_emulator_is_not_running(repo_root, tmp_path):
    import socket

    from tests.conftest import TEST_ENVIRON
    from tests.test_cli import run_invoke

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in {**TEST_ENVIRON, "EMULATOR_PORT": port}.items()))
    result = run_invoke(repo_root, "pipeline.run", "--env=dev", "--local", "--wait", env_file=env_file)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: emulator: not running at http://127.0.0.1:{port}; start it with `invoke emulator.start`"
    )


def test_registering_publishes_the_state_change_and_a_failing_target_is_not_fatal(emulator):
    from awsenv import event_bus
    from awsenv.sessions import aws_session
    from training_pipeline.local_executor.registry import publish_change

    sagemaker = aws_session(emulator, "dev", local=True).client("sagemaker")
    sagemaker.create_model_package_group(ModelPackageGroupName="g")
    arn = sagemaker.create_model_package(
        ModelPackageGroupName="g",
        ModelApprovalStatus="Approved",
        InferenceSpecification={
            "Containers": [{"Image": "img", "ModelDataUrl": "s3://b/m.tar.gz"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    lines: list[str] = []
    received = []
    bus = event_bus.bus(emulator.accounts["dev"])
    bus.put_rule("approved", {"detail": {"ModelApprovalStatus": ["Approved"]}}, lambda e: received.append(e) or "ok")
    bus.put_rule("rejected", {"detail": {"ModelApprovalStatus": ["Rejected"]}}, lambda e: received.append(e) or "no")
    publish_change(sagemaker, emulator, "dev", arn, lines.append)
    assert len(received) == 1 and lines == ["  event -> approved: ok"]
    event = received[0]
    assert event["detail-type"] == "SageMaker Model Package State Change" and event["source"] == "aws.sagemaker"
    assert event["detail"]["ModelApprovalStatus"] == "Approved" and event["resources"] == [arn]
    assert event["account"] == emulator.accounts["dev"]

    def failing(event):
        raise RuntimeError("endpoint quota reached")

    bus.put_rule("approved", {"detail": {"ModelApprovalStatus": ["Approved"]}}, failing)
    publish_change(sagemaker, emulator, "dev", arn, lines.append)  # as on AWS: the execution still succeeds
    assert lines[-1] == "  event -> approved: failed (RuntimeError: endpoint quota reached)"
