"""The re-plan and destroy commands of `make test-infra` reuse what the apply tasks wrote."""

from __future__ import annotations

import dataclasses

from awsenv import terraform


def test_plan_uses_the_applied_variables_and_detailed_exit_codes(cfg):
    step = terraform.plan_step(cfg, "main", "staging", local=True)
    assert step.args == (
        "-chdir=terraform/main",
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-var-file=environment/staging.tfvars.json",
        "-var=use_emulator=true",
    )
    assert step.env["AWS_ENDPOINT_URL"] == cfg.emulator_url
    # S3 Control's `<account>.127.0.0.1` host resolves nowhere: it reaches the emulator as a proxy
    assert step.env["HTTP_PROXY"] == cfg.emulator_url
    assert step.env["NO_PROXY"].split(",") == ["127.0.0.1", "localhost"]


def test_destroy_is_an_auto_approved_apply_destroy_with_the_same_mode(cfg):
    laptop = terraform.destroy_step(dataclasses.replace(cfg, ci=False), "backend")
    assert laptop.args[1:5] == ("apply", "-destroy", "-input=false", "-auto-approve")
    assert "-var-file=environment/backend.tfvars.json" in laptop.args
    assert "-var=enable_profile=true" in laptop.args and not laptop.env
    local = terraform.destroy_step(cfg, "operations", local=True)
    assert "-var=use_emulator=true" in local.args and "-var=enable_profile=true" not in local.args
