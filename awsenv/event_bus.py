"""EventBridge for the emulator: a small in-process event bus per account.

On AWS, SageMaker puts a "SageMaker Model Package State Change" event on the account's default
bus whenever a model package is created or its approval changes, and EventBridge invokes the
targets of every rule whose pattern matches. moto emits no such event and cannot invoke a Lambda
without Docker, so locally:

* whoever changes a model package (the local executor's RegisterModel, an approval) publishes
  the event AWS would send: `publish_model_package_change(session, cfg, env, arn)`;
* whoever wants to react subscribes a handler with an event pattern: `bus(account).put_rule(...)`
  (the local orchestration subscribes the auto-deploy handler with the pattern Terraform gives
  the real rule).

Nothing here knows who subscribes: this module imports only the configuration.
As on AWS, a failing target does not fail the publisher: its error is part of the delivery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from awsenv.config import Config

MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change"
_PACKAGE_DETAIL = (
    "ModelPackageGroupName",
    "ModelPackageVersion",
    "ModelPackageArn",
    "ModelPackageDescription",
    "CreationTime",
    "InferenceSpecification",
    "ModelPackageStatus",
    "ModelApprovalStatus",
    "ModelMetrics",
)


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """EventBridge matching for exact values: every key of `pattern` is in `event`; a list in the
    pattern matches when the event's value (or one of its values, for a list) is in it; a dict
    matches the event's dict of that key recursively."""
    for key, wanted in pattern.items():
        if key not in event:
            return False
        value = event[key]
        if isinstance(wanted, dict):
            if not isinstance(value, dict) or not matches(wanted, value):
                return False
        elif isinstance(wanted, list):
            values = value if isinstance(value, list) else [value]
            if not any(item in wanted for item in values):
                return False
    return True


def check_pattern(pattern: dict[str, Any]) -> dict[str, Any]:
    """`pattern` if every value is a list of values or an object of such; ValueError otherwise."""
    for key, wanted in pattern.items():
        if isinstance(wanted, dict):
            check_pattern(wanted)
        elif not isinstance(wanted, list):
            raise ValueError(f"event pattern: the value of '{key}' must be a list or an object, not {wanted!r}")
    return pattern


@dataclass
class Rule:
    name: str
    pattern: dict[str, Any]
    target: Callable[[dict[str, Any]], Any]


@dataclass
class Delivery:
    """One rule's target run for one event: its result, or the error it raised."""

    rule: str
    result: Any = None
    error: str | None = None

    def line(self) -> str:
        return f"{self.rule}: failed ({self.error})" if self.error else f"{self.rule}: {self.result}"


@dataclass
class EventBus:
    rules: dict[str, Rule] = field(default_factory=dict)

    def put_rule(self, name: str, pattern: dict[str, Any], target: Callable[[dict[str, Any]], Any]) -> Rule:
        """Create or replace the rule `name` (idempotent, like PutRule + PutTargets)."""
        self.rules[name] = Rule(name, check_pattern(pattern), target)
        return self.rules[name]

    def remove_rule(self, name: str) -> None:
        self.rules.pop(name, None)

    def put_events(self, event: dict[str, Any]) -> list[Delivery]:
        """Run the target of every matching rule, in rule-name order; return one Delivery each."""
        deliveries = []
        for rule in sorted(self.rules.values(), key=lambda r: r.name):
            if not matches(rule.pattern, event):
                continue
            try:
                deliveries.append(Delivery(rule.name, result=rule.target(event)))
            except Exception as error:  # as on AWS: a failing target does not fail PutEvents
                deliveries.append(Delivery(rule.name, error=f"{type(error).__name__}: {error}"))
        return deliveries


_BUSES: dict[str, EventBus] = {}


def bus(account_id: str) -> EventBus:
    """The default event bus of `account_id` in this process."""
    return _BUSES.setdefault(account_id, EventBus())


def model_package_event(cfg: Config, env: str, package: dict[str, Any]) -> dict[str, Any]:
    """The EventBridge event AWS sends for `package` (a DescribeModelPackage response)."""
    detail = {key: package[key] for key in _PACKAGE_DETAIL if key in package}
    for key, value in list(detail.items()):
        if isinstance(value, dt.datetime):
            detail[key] = value.isoformat()
    return {
        "version": "0",
        "id": f"local-{package['ModelPackageArn'].rsplit('/', 2)[-2]}-{package.get('ModelPackageVersion', 0)}",
        "detail-type": MODEL_PACKAGE_STATE_CHANGE,
        "source": "aws.sagemaker",
        "account": cfg.accounts[env],
        "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": cfg.region,
        "resources": [package["ModelPackageArn"]],
        "detail": detail,
    }


def publish_model_package_change(sagemaker, cfg: Config, env: str, model_package_arn: str) -> list[Delivery]:
    """Put the state-change event of `model_package_arn` on the env account's bus (as SageMaker does)."""
    package = sagemaker.describe_model_package(ModelPackageName=model_package_arn)
    return bus(cfg.accounts[env]).put_events(model_package_event(cfg, env, package))
