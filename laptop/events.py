"""Local event delivery: the auto-deploy handler subscribed to the emulator's event bus.

On AWS, terraform/modules/auto-deploy-lambda gives the EventBridge rule the pattern in
`event-pattern.json.tftpl` and the auto-deploy Lambda as its target. Locally, the same pattern
file (rendered with the env's model package group) subscribes the same handler, run in-process,
to the env account's bus in `awsenv.event_bus`. Whoever changes a model package (the local
executor, `invoke model.approve --local`, the demo) only publishes the event; this rule decides.
"""

from __future__ import annotations

import json
import string
from typing import Any

from awsenv import event_bus
from awsenv.config import REPO_ROOT, Config
from awsenv.sessions import EnvSession

PATTERN_FILE = REPO_ROOT / "terraform" / "modules" / "auto-deploy-lambda" / "event-pattern.json.tftpl"


def auto_deploy_pattern(model_package_group: str) -> dict[str, Any]:
    """The event pattern Terraform gives the auto-deploy rule, for `model_package_group`."""
    template = string.Template(PATTERN_FILE.read_text())
    return json.loads(template.substitute(model_package_group_name=model_package_group))


def subscribe_auto_deploy(session: EnvSession) -> event_bus.Rule:
    """Rule `<project>-auto-deploy-model-approval` on the bus of `session`'s env (an emulator
    `EnvSession`) -> the auto-deploy handler, run with that session (idempotent)."""
    from inference.auto_deploy import handle_event

    cfg, env = session.cfg, session.env

    def auto_deploy(event: dict[str, Any]) -> dict[str, Any]:
        return handle_event(event, session)

    pattern = auto_deploy_pattern(cfg.model_package_group(env))
    return event_bus.bus(cfg.accounts[env]).put_rule(cfg.auto_deploy_rule_name(), pattern, auto_deploy)


def auto_deploy_result(cfg: Config, deliveries: list[event_bus.Delivery]) -> dict[str, Any]:
    """What the auto-deploy handler did with one event: its result, or why nothing ran."""
    for delivery in deliveries:
        if delivery.rule == cfg.auto_deploy_rule_name():
            if delivery.error:
                return {"action": "failed", "reason": delivery.error}
            return delivery.result
    return {"action": "none", "reason": "the event matched no auto-deploy rule (pattern: Approved/Rejected only)"}


def deliver_model_package_change(session: EnvSession, model_package_arn: str) -> dict[str, Any]:
    """Subscribe the auto-deploy rule, publish the state change of `model_package_arn`; the handler's result."""
    subscribe_auto_deploy(session)
    deliveries = event_bus.publish_model_package_change(session.sagemaker, session.cfg, session.env, model_package_arn)
    return auto_deploy_result(session.cfg, deliveries)
