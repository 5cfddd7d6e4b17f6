"""Local event delivery: the auto-deploy rule's pattern is terraform's, and only it decides."""

from __future__ import annotations

import pytest

from awsenv import event_bus
from awsenv.sessions import EnvSession
from laptop import events


def event(group: str, status: str, detail_type: str = event_bus.MODEL_PACKAGE_STATE_CHANGE) -> dict:
    return {
        "source": "aws.sagemaker",
        "detail-type": detail_type,
        "detail": {"ModelPackageGroupName": group, "ModelApprovalStatus": status},
    }


def test_the_pattern_is_terraforms_template_rendered_for_the_group():
    pattern = events.auto_deploy_pattern("promote-test-models")
    assert pattern == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelPackageGroupName": ["promote-test-models"], "ModelApprovalStatus": ["Approved", "Rejected"]},
    }


@pytest.mark.parametrize(
    ("sent", "delivered"),
    [
        (event("promote-test-models", "Approved"), True),
        (event("promote-test-models", "Rejected"), True),
        (event("promote-test-models", "PendingManualApproval"), False),
        (event("someone-elses-models", "Approved"), False),
        (event("promote-test-models", "Approved", "SageMaker Endpoint State Change"), False),
        ({"source": "aws.sagemaker", "detail-type": event_bus.MODEL_PACKAGE_STATE_CHANGE}, False),
    ],
)
def test_the_subscribed_rule_delivers_only_what_terraforms_rule_would(cfg, monkeypatch, sent, delivered):
    import inference.auto_deploy

    received = []
    monkeypatch.setattr(inference.auto_deploy, "handle_event", lambda e, s: received.append(s) or {"action": "x"})
    session = EnvSession(cfg, "dev", local=True)
    rule = events.subscribe_auto_deploy(session)
    assert rule.name == "promote-test-auto-deploy-model-approval"
    deliveries = event_bus.bus(cfg.accounts["dev"]).put_events(sent)
    assert [d.rule for d in deliveries] == ([rule.name] if delivered else [])
    assert received == ([session] if delivered else [])
    result = events.auto_deploy_result(cfg, deliveries)
    assert result["action"] == ("x" if delivered else "none")


def test_buses_are_per_account_and_a_malformed_pattern_is_refused(cfg):
    events.subscribe_auto_deploy(EnvSession(cfg, "dev", local=True))
    assert event_bus.bus(cfg.accounts["prod"]).put_events(event("promote-test-models", "Approved")) == []
    with pytest.raises(ValueError, match="'source' must be a list or an object"):
        event_bus.bus(cfg.accounts["dev"]).put_rule("bad", {"source": "aws.sagemaker"}, print)
