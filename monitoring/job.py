"""One monitoring run: the traffic captured since the last run against the serving model's baseline.

    run(session, target) -> Run

1. the endpoint's serving model package (DescribeEndpoint -> EndpointConfig -> Model, whose
   container names the package) and its baseline (the package's DriftCheckBaselines,
   ModelDataQuality statistics: the Evaluate step's baseline.json);
2. the capture files written since the last run (`<monitoring>/latest.json` remembers them);
3. `monitoring.drift.assess`, thresholds from `monitoring.thresholds`;
4. the report, written under `<monitoring>/reports/yyyy/mm/dd/<hhmmss-micros>.json`, then the pointer
   `<monitoring>/latest.json` flipped to it (readers see the old or the new run, never half);
5. CloudWatch metrics in the drift namespace, dimension EndpointName: Records,
   InsufficientTraffic, Drift (1 when any metric drifted: the alarm's metric) and each figure.

The same code runs in the monitor Lambda (AWS) and in `invoke monitor.run --local` (emulator).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from awsenv.errors import UserError, is_not_found
from monitoring import captured, drift
from monitoring.thresholds import FIRST_RUN_LOOKBACK_HOURS, METRIC_NAMES, MIN_RECORDS, THRESHOLDS

ENV_VARS = {  # Lambda environment variable -> MonitorTarget field (terraform/main sets them)
    "ENV_NAME": "env",
    "ENDPOINT_NAME": "endpoint_name",
    "DATA_CAPTURE_S3_URI": "capture_uri",
    "MONITORING_S3_URI": "reports_uri",
    "METRICS_NAMESPACE": "namespace",
}


@dataclass(frozen=True)
class MonitorTarget:
    env: str
    endpoint_name: str
    capture_uri: str
    reports_uri: str
    namespace: str
    variant: str = "AllTraffic"

    @classmethod
    def from_config(cls, cfg, env: str) -> MonitorTarget:
        return cls(
            env, cfg.endpoint_name(env), cfg.data_capture_uri(env), cfg.monitoring_prefix(env),
            cfg.drift_metrics_namespace(),
        )  # fmt: skip

    @classmethod
    def from_environ(cls, environ: dict[str, str]) -> MonitorTarget:
        missing = [key for key in ENV_VARS if not environ.get(key)]
        if missing:
            raise UserError(f"monitor: environment variables missing: {', '.join(missing)}; set them in terraform")
        return cls(**{field: environ[key] for key, field in ENV_VARS.items()})


@dataclass
class Run:
    assessment: drift.Assessment
    package_arn: str
    window: tuple[str, str]
    report_uri: str
    unreadable: int
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return self.assessment.lines()


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def serving_baseline(sm, s3, endpoint: str) -> tuple[str, dict]:
    """(model package ARN, baseline) of what `endpoint` serves now."""
    from inference.deployer import serving

    info = serving(sm, MonitorTarget("", endpoint, "", "", ""))
    if info is None or not info.get("package_arn"):
        raise UserError(f"monitor: endpoint {endpoint} does not exist or names no model package; deploy a model first")
    package = sm.describe_model_package(ModelPackageName=info["package_arn"])
    uri = package.get("DriftCheckBaselines", {}).get("ModelDataQuality", {}).get("Statistics", {}).get("S3Uri")
    if not uri:
        raise UserError(
            f"monitor: model package {info['package_arn']} has no drift baseline (DriftCheckBaselines); "
            "retrain it with this version of the pipeline"
        )
    bucket, key = _split(uri)
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.ClientError as error:
        if not is_not_found(error):
            raise
        raise UserError(
            f"monitor: model package {info['package_arn']} names a drift baseline that does not exist ({uri}; "
            "transformer packages registered before the family had one); retrain it with this version of the pipeline"
        ) from None
    return info["package_arn"], drift.check_baseline(json.loads(body))


def _state(s3, target: MonitorTarget) -> dict:
    bucket, key = _split(f"{target.reports_uri}/latest.json")
    try:
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return {}


def _metrics(run: Run, target: MonitorTarget, now: dt.datetime) -> list[dict]:
    a = run.assessment
    values = {"Records": a.records, "InsufficientTraffic": int(not a.enough_traffic), "Drift": int(bool(a.drifted))}
    values.update({METRIC_NAMES[m.name]: m.value for m in a.metrics})
    dimensions = [{"Name": "EndpointName", "Value": target.endpoint_name}]
    return [
        {"MetricName": name, "Dimensions": dimensions, "Timestamp": now, "Value": float(value),
         "Unit": "Count" if name == "Records" else "None"}
        for name, value in values.items()
    ]  # fmt: skip


def run(session, target: MonitorTarget, now: dt.datetime | None = None) -> Run:
    """One monitoring run (see module docstring); faults raise, drift does not."""
    import time

    started = time.monotonic()
    now = now or dt.datetime.now(dt.UTC)
    s3, sm = session.client("s3"), session.client("sagemaker")
    package_arn, baseline = serving_baseline(sm, s3, target.endpoint_name)
    state = _state(s3, target)
    since = (
        dt.datetime.fromisoformat(state["window_end"]) if state.get("window_end")
        else now - dt.timedelta(hours=FIRST_RUN_LOOKBACK_HOURS)
    )  # fmt: skip
    records, recent = captured.read_new(
        s3, target.capture_uri, target.endpoint_name, target.variant, since, now, set(state.get("seen_keys", []))
    )
    texts, predictions, unreadable = captured.pairs(records)
    assessment = drift.assess(baseline, texts, predictions, THRESHOLDS, MIN_RECORDS)
    bucket, prefix = _split(target.reports_uri)
    key = f"{prefix}/reports/{now:%Y/%m/%d/%H%M%S-%f}.json"
    result = Run(assessment, package_arn, (since.isoformat(), now.isoformat()), f"s3://{bucket}/{key}", unreadable)
    report = {
        "endpoint": target.endpoint_name, "model_package_arn": package_arn, "window": list(result.window),
        "records": assessment.records, "unreadable_records": unreadable, "min_records": assessment.min_records,
        "enough_traffic": assessment.enough_traffic, "metrics": [asdict(m) for m in assessment.metrics],
        "drift": assessment.drifted, "observed": assessment.observed,
    }  # fmt: skip
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(report, indent=2, sort_keys=True).encode())
    pointer = {"window_end": now.isoformat(), "seen_keys": recent, "report": result.report_uri}
    s3.put_object(Bucket=bucket, Key=f"{prefix}/latest.json", Body=json.dumps(pointer, sort_keys=True).encode())
    session.client("cloudwatch").put_metric_data(Namespace=target.namespace, MetricData=_metrics(result, target, now))
    result.seconds = time.monotonic() - started
    return result
