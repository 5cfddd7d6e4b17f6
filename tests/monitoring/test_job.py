"""A monitoring run on the emulator: serving package -> baseline, new capture only, report, metrics."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from awsenv.errors import UserError
from awsenv.sessions import aws_session
from inference.capture import CaptureWriter
from monitoring.job import MonitorTarget, run
from tests.monitoring.conftest import SHIFTED

ENV = "prod"


def deploy_model(cfg, archive, baseline) -> None:
    from inference.deployer import Target, deploy
    from tests.inference.conftest import register_package

    register_package(cfg, ENV, archive, baseline=baseline)
    deploy(aws_session(cfg, ENV, local=True), Target.from_config(cfg, ENV, local=True))


def send(cfg, model, texts) -> None:
    """What the local endpoint captures for `texts`, one request per 10 texts."""
    from inference.handler import LoadedModel, transform

    session = aws_session(cfg, ENV, local=True)
    writer = CaptureWriter(session.client("s3"), cfg.data_capture_uri(ENV), cfg.endpoint_name(ENV))
    loaded = LoadedModel(model, [str(c) for c in model.classes_])
    for start in range(0, len(texts), 10):
        body = json.dumps({"instances": texts[start : start + 10]}).encode()
        response, content_type = transform(loaded, body, "application/json", "application/json")
        writer.record(body, "application/json", response, content_type)
    writer.close()


def drift_metric(cfg) -> tuple[float, float, float]:
    cloudwatch = aws_session(cfg, ENV, local=True).client("cloudwatch")
    now = dt.datetime.now(dt.UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace=cfg.drift_metrics_namespace(), MetricName="Drift",
        Dimensions=[{"Name": "EndpointName", "Value": cfg.endpoint_name(ENV)}],
        StartTime=now - dt.timedelta(hours=1), EndTime=now + dt.timedelta(minutes=1), Period=3600, Statistics=["Minimum", "Maximum", "SampleCount"],
    )["Datapoints"]  # fmt: skip
    return (min(p["Minimum"] for p in points), max(p["Maximum"] for p in points), sum(p["SampleCount"] for p in points))


def test_runs_read_only_new_capture_and_report_drift_once_it_appears(emulator, tiny, baseline):
    model, texts, _, archive = tiny
    deploy_model(emulator, archive, baseline)
    session, target = aws_session(emulator, ENV, local=True), MonitorTarget.from_config(emulator, ENV)
    send(emulator, model, texts * 3)

    first = run(session, target)
    assert first.assessment.records == 72 and first.assessment.drifted == []
    assert first.package_arn.endswith("/1")
    s3 = session.client("s3")
    bucket, prefix = target.reports_uri.removeprefix("s3://").split("/", 1)
    pointer = json.loads(s3.get_object(Bucket=bucket, Key=f"{prefix}/latest.json")["Body"].read())
    assert pointer["report"] == first.report_uri and pointer["seen_keys"]
    report = json.loads(s3.get_object(Bucket=bucket, Key=first.report_uri.split("/", 3)[3])["Body"].read())
    assert report["drift"] == [] and len(report["metrics"]) == 4 and report["records"] == 72

    second = run(session, target)  # nothing new since the first run
    assert second.assessment.records == 0 and second.lines()[-1] == "drift: none"

    send(emulator, model, SHIFTED * 20)
    third = run(session, target)
    assert third.assessment.records == 60
    assert "oov_rate_increase" in third.assessment.drifted and "oov_rate_increase" in third.lines()[-1]
    assert drift_metric(emulator) == (0.0, 1.0, 3)  # the alarm's metric: 0 for the first runs, 1 now


def test_a_package_without_baseline_is_a_fault_with_one_line(emulator, tiny):
    _, _, _, archive = tiny
    deploy_model(emulator, archive, baseline=None)
    with pytest.raises(UserError, match="has no drift baseline"):
        run(aws_session(emulator, ENV, local=True), MonitorTarget.from_config(emulator, ENV))


def test_a_baseline_the_package_names_but_s3_lacks_is_a_fault_with_one_line(emulator, tiny, baseline):
    _, _, _, archive = tiny
    deploy_model(emulator, archive, baseline)
    session = aws_session(emulator, ENV, local=True)
    sm, s3 = session.client("sagemaker"), session.client("s3")
    group = emulator.model_package_group(ENV)
    arn = sm.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"][0]["ModelPackageArn"]
    uri = sm.describe_model_package(ModelPackageName=arn)["DriftCheckBaselines"]["ModelDataQuality"]["Statistics"]
    bucket, key = uri["S3Uri"].removeprefix("s3://").split("/", 1)
    s3.delete_object(Bucket=bucket, Key=key)  # as for a transformer package registered before it had one
    with pytest.raises(UserError, match=r"names a drift baseline that does not exist") as error:
        run(session, MonitorTarget.from_config(emulator, ENV))
    assert "\n" not in str(error.value)


def test_no_endpoint_is_a_fault(emulator):
    with pytest.raises(UserError, match="does not exist"):
        run(aws_session(emulator, ENV, local=True), MonitorTarget.from_config(emulator, ENV))


def test_the_lambda_target_is_the_cli_target(cfg):
    from awsenv import terraform_vars
    from monitoring.job import ENV_VARS
    from tests.terraform import tfparse

    call = tfparse.module_calls(cfg_root() / "terraform" / "main")["drift_monitor"]
    variables = terraform_vars.main_variables(cfg, ENV, "0" * 40)
    environ = {
        key: variables[value.removeprefix("${var.").removesuffix("}")]
        for key, value in call["environment_variables"].items()
    }
    assert set(environ) == set(ENV_VARS)
    assert MonitorTarget.from_environ(environ) == MonitorTarget.from_config(cfg, ENV)
    with pytest.raises(UserError, match="METRICS_NAMESPACE"):
        MonitorTarget.from_environ({k: v for k, v in environ.items() if k != "METRICS_NAMESPACE"})


def cfg_root():
    from awsenv.config import REPO_ROOT

    return REPO_ROOT
