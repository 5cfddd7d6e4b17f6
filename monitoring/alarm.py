"""The drift alarm and what it starts, as terraform/main declares them (a test keeps them equal).

On AWS: the monitor publishes `Drift` (1 when any metric drifted) -> the CloudWatch alarm
`<endpoint>-drift` goes to ALARM and notifies the alerts SNS topic -> an EventBridge rule on
its "CloudWatch Alarm State Change" starts the training pipeline with these parameters; the
pipeline's champion gate still decides whether the retrained model is registered.
On the emulator the same alarm is created with `put_metric_alarm(**drift_alarm(...))` and
`awsenv.local_alarms` evaluates it and delivers the event.
"""

from __future__ import annotations

from typing import Any

ALARM_PERIOD_SECONDS = 3600


def drift_alarm(cfg, env: str, topic_arn: str | None = None) -> dict[str, Any]:
    """PutMetricAlarm arguments of env's drift alarm."""
    alarm = {
        "AlarmName": cfg.drift_alarm_name(env),
        "AlarmDescription": f"Traffic of {cfg.endpoint_name(env)} drifted from its model's baseline",
        "Namespace": cfg.drift_metrics_namespace(),
        "MetricName": "Drift",
        "Dimensions": [{"Name": "EndpointName", "Value": cfg.endpoint_name(env)}],
        "Statistic": "Maximum",
        "Period": ALARM_PERIOD_SECONDS,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
    }
    if topic_arn:
        alarm["AlarmActions"] = [topic_arn]
    return alarm


def retraining_rule_pattern(cfg, env: str) -> dict[str, Any]:
    """EventBridge pattern: env's drift alarm entering ALARM."""
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {"alarmName": [cfg.drift_alarm_name(env)], "state": {"value": ["ALARM"]}},
    }


def retraining_rule_name(cfg, env: str) -> str:
    """The EventBridge rule from the drift alarm to the retraining pipeline (terraform: `<alarm>-retrain`)."""
    return f"{cfg.drift_alarm_name(env)}-retrain"


def retraining_parameters(cfg, env: str) -> dict[str, str]:
    """Pipeline parameters of a drift-triggered run (the pipeline's own names; a test checks)."""
    return {"InputDataUri": cfg.dataset_pointer_uri(env), "ModelApprovalStatus": "PendingManualApproval"}


def start_retraining(sagemaker, cfg, env: str) -> str:
    """What the rule's target does: StartPipelineExecution with those parameters; returns its ARN."""
    parameters = [{"Name": k, "Value": v} for k, v in retraining_parameters(cfg, env).items()]
    return sagemaker.start_pipeline_execution(
        PipelineName=cfg.pipeline_name(env),
        PipelineExecutionDisplayName="drift-retraining",
        PipelineParameters=parameters,
    )["PipelineExecutionArn"]
