"""Drift alarm -> retraining: terraform and monitoring/alarm.py agree; locally the alarm is evaluated
in the emulator layer and its event reaches the retraining target only through the rule's pattern."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from awsenv import event_bus, local_alarms
from awsenv.sessions import EnvSession, aws_session
from monitoring.alarm import (
    drift_alarm,
    retraining_parameters,
    retraining_rule_name,
    retraining_rule_pattern,
    start_retraining,
)
from tests.terraform import tfparse

TF = Path(__file__).resolve().parents[2] / "terraform"
ENV = "prod"


def module_resource(kind: str, name: str) -> dict:
    for block in tfparse.parse_file(TF / "modules" / "drift-monitor" / "main.tf").get("resource", []):
        if kind in block and name in block[kind]:
            return block[kind][name]
    raise AssertionError(f"{kind}.{name} not found")


def test_terraform_alarm_is_the_local_alarm(cfg):
    alarm, spec = module_resource("aws_cloudwatch_metric_alarm", "drift"), drift_alarm(cfg, ENV)
    assert alarm["metric_name"] == spec["MetricName"] and alarm["statistic"] == spec["Statistic"]
    assert alarm["period"] == spec["Period"] and alarm["evaluation_periods"] == spec["EvaluationPeriods"]
    assert float(alarm["threshold"]) == spec["Threshold"]
    assert alarm["comparison_operator"] == spec["ComparisonOperator"]
    assert alarm["treat_missing_data"] == spec["TreatMissingData"]
    assert alarm["dimensions"] == {"EndpointName": "${var.endpoint_name}"}


def test_terraform_rule_and_parameters_are_the_local_ones(cfg):
    from awsenv import terraform_vars
    from training_pipeline.pipeline import DEFAULTS

    rule = module_resource("aws_cloudwatch_event_rule", "retrain")
    variables = terraform_vars.main_variables(cfg, ENV, "0" * 40)
    text = rule["event_pattern"].replace("${var.alarm_name}", variables["drift_alarm_name"])
    expected = retraining_rule_pattern(cfg, ENV)
    assert json.dumps(expected["detail"]["alarmName"]) in text and '"ALARM"' in text
    assert "CloudWatch Alarm State Change" in text and "aws.cloudwatch" in text
    name = rule["name"].replace("${var.alarm_name}", variables["drift_alarm_name"])
    assert name == retraining_rule_name(cfg, ENV)  # the local bus names the rule as AWS does
    call = tfparse.module_calls(TF / "main")["drift_monitor"]
    parameters = {
        k: variables[v.removeprefix("${var.").removesuffix("}")] if v.startswith("${var.") else v
        for k, v in call["retraining_parameters"].items()
    }
    assert parameters == retraining_parameters(cfg, ENV)
    assert set(parameters) <= {"InputDataUri", "ModelApprovalStatus", *DEFAULTS}  # the pipeline's parameter names


def put_drift(cloudwatch, cfg, value: float) -> None:
    cloudwatch.put_metric_data(
        Namespace=cfg.drift_metrics_namespace(),
        MetricData=[{
            "MetricName": "Drift", "Value": value, "Timestamp": dt.datetime.now(dt.UTC),
            "Dimensions": [{"Name": "EndpointName", "Value": cfg.endpoint_name(ENV)}],
        }],
    )  # fmt: skip


def test_local_alarm_goes_to_alarm_on_drift_and_its_event_starts_retraining(emulator):
    session = aws_session(emulator, ENV, local=True)
    cloudwatch, sagemaker = session.client("cloudwatch"), session.client("sagemaker")
    cloudwatch.put_metric_alarm(**drift_alarm(emulator, ENV))
    pattern = retraining_rule_pattern(emulator, ENV)
    args = (emulator.drift_metrics_namespace(), emulator.accounts[ENV], emulator.region)

    put_drift(cloudwatch, emulator, 0.0)
    quiet = local_alarms.evaluate(cloudwatch, *args)
    assert not any(event_bus.matches(pattern, event) for event in quiet)

    put_drift(cloudwatch, emulator, 1.0)
    [event] = local_alarms.evaluate(cloudwatch, *args)
    assert event["detail"]["state"]["value"] == "ALARM" and event_bus.matches(pattern, event)
    assert (
        cloudwatch.describe_alarms(AlarmNames=[emulator.drift_alarm_name(ENV)])["MetricAlarms"][0]["StateValue"]
        == "ALARM"
    )
    assert local_alarms.evaluate(cloudwatch, *args) == []  # still in ALARM: no new event

    sagemaker.create_pipeline(
        PipelineName=emulator.pipeline_name(ENV), PipelineDefinition='{"Version": "2020-12-01", "Steps": []}',
        RoleArn=emulator.sagemaker_role_arn(ENV),
    )  # fmt: skip
    arn = start_retraining(sagemaker, emulator, ENV)
    described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    assert described["PipelineExecutionDisplayName"] == "drift-retraining"


def test_published_alarm_events_reach_only_the_matching_rule_on_the_bus(emulator):
    session = aws_session(emulator, ENV, local=True)
    cloudwatch = session.client("cloudwatch")
    cloudwatch.put_metric_alarm(**drift_alarm(emulator, ENV))
    bus = event_bus.bus(emulator.accounts[ENV])
    seen: list[str] = []
    bus.put_rule(
        retraining_rule_name(emulator, ENV), retraining_rule_pattern(emulator, ENV), lambda e: seen.append("retrain")
    )
    bus.put_rule("other", {"source": ["aws.sagemaker"]}, lambda e: seen.append("other"))
    args = (emulator.drift_metrics_namespace(), emulator.accounts[ENV], emulator.region)
    try:
        put_drift(cloudwatch, emulator, 0.0)
        quiet = local_alarms.publish(cloudwatch, *args)  # at most a change to OK: no rule matches
        assert all(delivered == [] for _, delivered in quiet) and seen == []
        put_drift(cloudwatch, emulator, 1.0)
        [(alarm, delivered)] = local_alarms.publish(cloudwatch, *args)
        assert alarm["detail"]["state"]["value"] == "ALARM"
        assert [d.rule for d in delivered] == [retraining_rule_name(emulator, ENV)] and seen == ["retrain"]
    finally:
        bus.remove_rule(retraining_rule_name(emulator, ENV))
        bus.remove_rule("other")


@pytest.mark.parametrize(
    "change",
    [{"source": "aws.sagemaker"}, {"detail": {"alarmName": "other-alarm", "state": {"value": "ALARM"}}},
     {"detail": {"alarmName": "A", "state": {"value": "OK"}}}],
)  # fmt: skip
def test_the_pattern_matches_only_this_alarm_entering_alarm(cfg, change):
    pattern = retraining_rule_pattern(cfg, ENV)
    event = {"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change",
             "detail": {"alarmName": cfg.drift_alarm_name(ENV), "state": {"value": "ALARM"}}}  # fmt: skip
    assert event_bus.matches(pattern, event)
    if "detail" in change and change["detail"]["alarmName"] == "A":
        change = {"detail": {**change["detail"], "alarmName": cfg.drift_alarm_name(ENV)}}
    assert not event_bus.matches(pattern, {**event, **change})


def test_the_demo_part_shows_no_drift_then_drift_then_retraining(emulator, tiny, baseline):
    from laptop import drift_demo
    from tests.monitoring.conftest import SHIFTED
    from tests.monitoring.test_job import deploy_model

    _, texts, _, archive = tiny
    deploy_model(emulator, archive, baseline)
    sagemaker = aws_session(emulator, ENV, local=True).client("sagemaker")
    sagemaker.create_pipeline(
        PipelineName=emulator.pipeline_name(ENV), PipelineDefinition='{"Version": "2020-12-01", "Steps": []}',
        RoleArn=emulator.sagemaker_role_arn(ENV),
    )  # fmt: skip
    lines: list[str] = []
    drift_demo.show(
        EnvSession(emulator, ENV, local=True),
        lines.append,
        phases=(("in-domain", texts * 3), ("shifted", SHIFTED * 20)),
    )
    verdicts = [line.strip() for line in lines if line.strip().startswith("drift:")]
    assert verdicts[0] == "drift: none" and "oov_rate_increase" in verdicts[1]
    assert any("OK -> ALARM" in line for line in lines)
    assert any(line.strip().startswith("retrain    started") for line in lines)
    executions = sagemaker.list_pipeline_executions(PipelineName=emulator.pipeline_name(ENV))
    assert len(executions["PipelineExecutionSummaries"]) == 1
