"""The auto-deploy Lambda's environment (terraform/main) is exactly what `inference.deployer` reads."""

from __future__ import annotations

import re

import pytest

from awsenv import terraform_vars
from awsenv.config import ENVIRONMENTS
from inference.deployer import ENV_VARS, REQUIRED_ENV_VARS, Target
from tests.terraform import tfparse

SHA = "0123456789abcdef0123456789abcdef01234567"
REFERENCE = re.compile(r"^\$\{(var\.\w+|module\.\w+\.\w+)\}$")


@pytest.fixture(scope="module")
def calls(repo_root):
    return tfparse.module_calls(repo_root / "terraform" / "main")


def lambda_environment(calls) -> dict[str, str]:
    return calls["auto_deploy"]["environment_variables"]


def resolve(calls, cfg, env: str, expression: str) -> str:
    """Value of `${var.x}` / `${module.m.output}` in terraform/main for `env`, from the generated variables."""
    match = REFERENCE.match(expression)
    assert match, f"{expression}: expected a plain variable or module output reference"
    variables = terraform_vars.main_variables(cfg, env, SHA)
    reference = match.group(1)
    if reference.startswith("var."):
        return variables[reference.removeprefix("var.")]
    outputs = {
        # module outputs are the name/ARN of what the module was called with
        "module.model_registry.name": resolve(calls, cfg, env, calls["model_registry"]["name"]),
        "module.sagemaker_role.arn": (
            f"arn:aws:iam::{cfg.accounts[env]}:role/{resolve(calls, cfg, env, calls['sagemaker_role']['name'])}"
        ),
    }
    assert reference in outputs, f"{reference}: not a known module output"
    return outputs[reference]


def test_lambda_environment_covers_the_required_keys_and_only_known_ones(calls):
    keys = set(lambda_environment(calls))
    assert set(REQUIRED_ENV_VARS) <= keys, f"missing: {sorted(set(REQUIRED_ENV_VARS) - keys)}"
    assert keys <= set(ENV_VARS), f"the deployer does not read: {sorted(keys - set(ENV_VARS))}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_lambda_target_equals_the_cli_target(calls, cfg, env):
    """What the Lambda builds from terraform's values is what `Target.from_config` builds locally."""
    environ = {key: resolve(calls, cfg, env, value) for key, value in lambda_environment(calls).items()}
    assert Target.from_environ(environ) == Target.from_config(cfg, env)


def test_lambda_manages_the_endpoint_and_group_it_is_configured_with(calls):
    call, environment = calls["auto_deploy"], lambda_environment(calls)
    assert call["endpoint_name"] == environment["ENDPOINT_NAME"]
    assert call["model_package_group_name"] == environment["MODEL_PACKAGE_GROUP"]
    assert call["sagemaker_execution_role_arn"] == environment["SAGEMAKER_ROLE_ARN"]
