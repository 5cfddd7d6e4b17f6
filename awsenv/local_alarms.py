"""CloudWatch alarms and their EventBridge events, locally (moto stores alarms, never evaluates them).

`evaluate(cloudwatch, namespace)` does what CloudWatch does at the end of a period: for each
metric alarm of the namespace, it takes the alarm's statistic over its last period, compares
it with the threshold, sets the new state (SetAlarmState) and returns a "CloudWatch Alarm
State Change" event, in AWS's shape, for each alarm whose state changed. `publish` puts those
events on the account's event bus (`awsenv.event_bus`, the emulator's EventBridge), so an event
reaches only the targets whose rule pattern (terraform's) matches it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from awsenv.event_bus import Delivery, bus

_COMPARE = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


def _value(cloudwatch, alarm: dict, now: dt.datetime) -> float | None:
    statistic = alarm.get("Statistic", "Maximum")
    points = cloudwatch.get_metric_statistics(
        Namespace=alarm["Namespace"],
        MetricName=alarm["MetricName"],
        Dimensions=alarm.get("Dimensions", []),
        StartTime=now - dt.timedelta(seconds=alarm["Period"] * alarm.get("EvaluationPeriods", 1)),
        EndTime=now + dt.timedelta(seconds=60),
        Period=alarm["Period"],
        Statistics=[statistic],
    )["Datapoints"]
    values = [point[statistic] for point in points]
    if not values:
        return None
    return max(values) if statistic in ("Maximum", "Sum", "SampleCount") else values[-1]


def alarm_event(alarm: dict, old: str, new: str, reason: str, account: str, region: str) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": f"local-{alarm['AlarmName']}-{now}",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": account,
        "time": now,
        "region": region,
        "resources": [alarm["AlarmArn"]],
        "detail": {
            "alarmName": alarm["AlarmName"],
            "state": {"value": new, "reason": reason, "timestamp": now},
            "previousState": {"value": old},
            "configuration": {"description": alarm.get("AlarmDescription", "")},
        },
    }


def evaluate(cloudwatch, namespace: str, account: str, region: str) -> list[dict[str, Any]]:
    """Evaluate the namespace's alarms now; return the state-change events."""
    now = dt.datetime.now(dt.UTC)
    events = []
    for alarm in cloudwatch.describe_alarms()["MetricAlarms"]:
        if alarm.get("Namespace") != namespace:
            continue
        value = _value(cloudwatch, alarm, now)
        if value is None:
            breaching = alarm.get("TreatMissingData") == "breaching"
        else:
            breaching = _COMPARE[alarm["ComparisonOperator"]](value, alarm["Threshold"])
        new, old = ("ALARM" if breaching else "OK"), alarm.get("StateValue", "INSUFFICIENT_DATA")
        if new == old:
            continue
        reason = f"{alarm['MetricName']} {alarm.get('Statistic')} {value} vs threshold {alarm['Threshold']}"
        cloudwatch.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue=new, StateReason=reason)
        events.append(alarm_event(alarm, old, new, reason, account, region))
    return events


def publish(cloudwatch, namespace: str, account: str, region: str) -> list[tuple[dict[str, Any], list[Delivery]]]:
    """`evaluate`, then put each state-change event on the account's bus (`awsenv.event_bus`), as
    CloudWatch does on AWS: the rules whose pattern matches run their targets. (event, deliveries) pairs."""
    return [(event, bus(account).put_events(event)) for event in evaluate(cloudwatch, namespace, account, region)]
