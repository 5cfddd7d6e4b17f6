"""Each root receives exactly the variables it declares, generated from the configuration."""

from __future__ import annotations

import json

import pytest

from awsenv import terraform_vars
from awsenv.config import ENVIRONMENTS
from tests.terraform import tfparse

SHA = "0123456789abcdef0123456789abcdef01234567"
# The prod retraining schedule passes exactly these pipeline parameters.
SCHEDULE_PARAMETERS = {"InputDataUri", "ModelApprovalStatus"}
PIPELINE_PARAMETERS = {
    "InputDataUri",
    "AccuracyThreshold",
    "ModelApprovalStatus",
    "TfidfMaxFeatures",
    "TfidfNgramMax",
    "RegularizationC",
}


def generated(cfg, root, env="dev"):
    return terraform_vars.root_variables(cfg, root, env=env, image_tag=SHA)


@pytest.mark.parametrize("root", tfparse.ROOTS)
def test_generated_variables_are_declared_and_cover_the_required_ones(cfg, repo_root, root):
    directory = repo_root / "terraform" / root
    declared = set(tfparse.variables(directory))
    supplied = set(generated(cfg, root))
    assert supplied <= declared, f"undeclared: {sorted(supplied - declared)}"
    assert tfparse.required_variables(directory) <= supplied, "required but not generated"
    assert set(terraform_vars.COMMAND_LINE_VARIABLES) <= declared


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_main_variables_per_environment(cfg, env):
    variables = terraform_vars.main_variables(cfg, env, SHA)
    assert variables["environment"] == env
    assert variables["data_bucket_name"] == cfg.data_bucket(env)
    assert variables["model_package_group_name"] == cfg.model_package_group(env)
    assert variables["sagemaker_role_name"] == cfg.sagemaker_role_arn(env).rsplit("/", 1)[1]
    assert variables["retraining_schedule_enabled"] is (env == "prod")
    assert variables["retraining_input_data_uri"] == f"s3://{cfg.data_bucket(env)}/datasets/current.json"
    assert variables["image_tag"] == SHA
    assert variables["lambda_function_name"] == f"{cfg.project}-auto-deploy"


def test_variables_come_from_config_only(cfg):
    text = json.dumps([generated(cfg, root) for root in tfparse.ROOTS])
    assert cfg.region in text and cfg.repository in text
    assert all(account in text for account in cfg.accounts.values())
    backend = generated(cfg, "backend")
    assert backend["state_bucket_name"] == cfg.state_bucket()
    assert backend["ci_role_name"] == cfg.ci_role_arn("dev").rsplit("/", 1)[1]


def test_variable_files_are_byte_stable_and_hcl_renders(cfg):
    variables = generated(cfg, "operations")
    assert terraform_vars.render_json(variables) == terraform_vars.render_json(dict(reversed(variables.items())))
    hcl = terraform_vars.render_hcl(variables)
    assert 'project = "promote-test"' in hcl and '"training" = "promote-test/training"' in hcl


def test_schedule_passes_the_contract_parameter_names(repo_root):
    call = tfparse.module_calls(repo_root / "terraform" / "main")["retraining"]
    assert set(call["pipeline_parameters"]) == SCHEDULE_PARAMETERS
    assert SCHEDULE_PARAMETERS <= PIPELINE_PARAMETERS


def test_schedule_parameters_exist_in_the_pipeline_definition(cfg):
    """Every name the schedule (and this test module) uses is a parameter of the real definition."""
    import json

    from training_pipeline.pipeline import definition

    declared = {p["Name"] for p in json.loads(definition(cfg, "prod", "a" * 40))["Parameters"]}
    assert declared >= SCHEDULE_PARAMETERS
    assert declared == PIPELINE_PARAMETERS


def test_event_rule_matches_only_this_group_and_decisions(repo_root):
    """The rule's pattern is the template file the local bus uses too (tests/laptop/test_events.py)."""
    module = repo_root / "terraform" / "modules" / "auto-deploy-lambda"
    text = (module / "main.tf").read_text()
    assert 'event_pattern = templatefile("${path.module}/event-pattern.json.tftpl", {' in text
    assert "model_package_group_name = var.model_package_group_name" in text
    assert (module / "event-pattern.json.tftpl").is_file()


def test_lambda_image_is_pinned_to_the_commit(repo_root):
    call = tfparse.module_calls(repo_root / "terraform" / "main")["auto_deploy"]
    assert call["image_uri"].endswith(':${var.image_tag}"') or call["image_uri"].endswith(":${var.image_tag}")
