"""Deployment guardrails for real-time endpoints: rollback alarms, blue/green, autoscaling.

Used by `inference.deployer`; every call is idempotent (put/register overwrite the same names).
Serverless variants get none of these (SageMaker Serverless supports neither blue/green
guardrails nor Application Auto Scaling of instance counts).
"""

from __future__ import annotations

from typing import Any

VARIANT = "AllTraffic"


def rollback_alarms(cloudwatch, target) -> list[str]:
    """CloudWatch alarms that roll a blue/green update back (created or refreshed; idempotent)."""
    dimensions = [{"Name": "EndpointName", "Value": target.endpoint_name}, {"Name": "VariantName", "Value": VARIANT}]
    alarms = {
        f"{target.endpoint_name}-5xx-errors": ("AWS/SageMaker", "Invocation5XXErrors", "Sum", 1.0),
        f"{target.endpoint_name}-model-latency": ("AWS/SageMaker", "ModelLatency", "Average", 2_000_000.0),  # µs
    }
    for name, (namespace, metric, statistic, threshold) in alarms.items():
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            AlarmDescription=f"rolls back a deployment of {target.endpoint_name}",
            Namespace=namespace,
            MetricName=metric,
            Dimensions=dimensions,
            Statistic=statistic,
            Period=60,
            EvaluationPeriods=2,
            Threshold=threshold,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
        )
    return list(alarms)


def deployment_config(alarms: list[str]) -> dict[str, Any]:
    return {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 300},
            "TerminationWaitInSeconds": 300,
            "MaximumExecutionTimeoutInSeconds": 3600,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": name} for name in alarms]},
    }


def autoscale(autoscaling, target) -> None:
    resource = f"endpoint/{target.endpoint_name}/variant/{VARIANT}"
    dimension = "sagemaker:variant:DesiredInstanceCount"
    autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=resource,
        ScalableDimension=dimension,
        MinCapacity=target.instance_count,
        MaxCapacity=max(target.instance_count, target.max_instance_count),
    )
    autoscaling.put_scaling_policy(
        PolicyName=f"{target.endpoint_name}-invocations-per-instance",
        ServiceNamespace="sagemaker",
        ResourceId=resource,
        ScalableDimension=dimension,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 100.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            "ScaleInCooldown": 300,
            "ScaleOutCooldown": 60,
        },
    )
