"""Cost guardrails in terraform/main come from .env: budget per account, idle alarm outside prod."""

from __future__ import annotations

from pathlib import Path

import pytest

from awsenv import terraform_vars
from awsenv.config import load_config
from tests.conftest import TEST_ENVIRON
from tests.terraform import tfparse

TF = Path(__file__).resolve().parents[2] / "terraform"


def resource(kind: str, name: str) -> dict:
    for block in tfparse.parse_file(TF / "modules" / "cost-guardrails" / "main.tf").get("resource", []):
        if kind in block and name in block[kind]:
            return block[kind][name]
    raise AssertionError(f"{kind}.{name} not found")


@pytest.mark.parametrize(("env", "budget", "idle_days"), [("dev", 70, 4), ("staging", 100, 4), ("prod", 300, 0)])
def test_budget_and_idle_alarm_per_environment(env, budget, idle_days):
    cfg = load_config(env_file=None, environ={**TEST_ENVIRON, "BUDGET_DEV_USD": "70", "IDLE_ENDPOINT_DAYS": "4"})
    variables = terraform_vars.main_variables(cfg, env, "0" * 40)
    assert variables["monthly_budget_usd"] == budget
    assert variables["idle_endpoint_alarm_days"] == idle_days  # 0: no idle alarm in prod
    call = tfparse.module_calls(TF / "main")["cost_guardrails"]
    assert call["monthly_budget_usd"] == "${var.monthly_budget_usd}"
    assert call["idle_endpoint_days"] == "${var.idle_endpoint_alarm_days}"


def test_idle_alarm_fires_on_days_without_invocations_and_topic_is_encrypted():
    alarm = resource("aws_cloudwatch_metric_alarm", "idle_endpoint")
    assert "var.idle_endpoint_days > 0" in alarm["count"]
    assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"]) == ("AWS/SageMaker", "Invocations", "Sum")
    assert alarm["period"] == 86400 and alarm["evaluation_periods"] == "${var.idle_endpoint_days}"
    assert alarm["comparison_operator"] == "LessThanThreshold" and alarm["treat_missing_data"] == "breaching"
    assert resource("aws_sns_topic", "alerts")["kms_master_key_id"] == "${var.kms_key_arn}"
    budget = resource("aws_budgets_budget", "this")
    assert budget["time_unit"] == "MONTHLY" and budget["budget_type"] == "COST"


def test_the_monitor_lambda_handler_runs_a_monitoring_pass(emulator, monkeypatch, tiny, baseline):
    import awsenv.sessions
    from monitoring import handler
    from monitoring.job import ENV_VARS, MonitorTarget
    from tests.monitoring.test_job import deploy_model, send

    model, texts, _, archive = tiny
    deploy_model(emulator, archive, baseline)
    send(emulator, model, texts * 3)
    target = MonitorTarget.from_config(emulator, "prod")
    for key, field in ENV_VARS.items():
        monkeypatch.setenv(key, getattr(target, field))
    session = awsenv.sessions.aws_session(emulator, "prod", local=True)
    monkeypatch.setattr(awsenv.sessions, "ambient_session", lambda region=None: session)
    result = handler.handler({"source": "aws.scheduler"})
    assert result["drift"] == [] and result["records"] == 72 and result["report"].startswith(target.reports_uri)
