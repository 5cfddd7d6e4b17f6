"""Configuration: every bad input gives its one-line message; .env precedence."""

from __future__ import annotations

import pytest

from awsenv.config import ConfigError, check_env, load_config
from tests.conftest import TEST_ENVIRON


def problems(environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(env_file=None, environ=environ)
    return info.value.problems


def test_valid_configuration_loads():
    cfg = load_config(env_file=None, environ=TEST_ENVIRON)
    assert cfg.accounts == {
        "operations": "100000000001",
        "dev": "200000000002",
        "staging": "300000000003",
        "prod": "400000000004",
    }
    assert cfg.region == "eu-west-1"
    assert cfg.repository == "example-org/example-repo"
    assert cfg.profiles == {"operations": "operations", "dev": "dev", "staging": "staging", "prod": "prod"}
    assert cfg.emulator_port == 5055
    assert cfg.ci is False


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("DEV_ACCOUNT_ID", "", "DEV_ACCOUNT_ID: missing; set it in .env to the 12-digit id of the dev AWS account"),
        ("DEV_ACCOUNT_ID", "12345", "DEV_ACCOUNT_ID: '12345' is not a 12-digit AWS account id"),
        ("PROD_ACCOUNT_ID", "12345678901a", "PROD_ACCOUNT_ID: '12345678901a' is not a 12-digit AWS account id"),
        ("AWS_REGION", "europe-1", "AWS_REGION: 'europe-1' is not an AWS region; use a region code such as eu-west-1"),
        ("GITHUB_REPO", "just-a-name", "GITHUB_REPO: 'just-a-name' is not a GitHub repository; write it as owner/name"),
        ("GITHUB_REPO", "", "GITHUB_REPO: missing; set it to your GitHub repository as owner/name"),
        ("PROJECT_NAME", "Bad_Name", "PROJECT_NAME: 'Bad_Name' is not usable in resource names"),
        ("AWS_PROFILE_DEV", "bad profile", "AWS_PROFILE_DEV: 'bad profile' is not an AWS profile name"),
        ("EMULATOR_PORT", "80", "EMULATOR_PORT: '80' is not a usable port; use a number from 1024 to 65535"),
        ("BUDGET_PROD_USD", "lots", "BUDGET_PROD_USD: 'lots' is not a monthly budget; use whole US dollars"),
        ("BUDGET_DEV_USD", "0", "BUDGET_DEV_USD: '0' is not a monthly budget"),
        (
            "ENDPOINT_INSTANCE_TYPE_DEV",
            "m5.large",
            "ENDPOINT_INSTANCE_TYPE_DEV: 'm5.large' is not an endpoint instance type; use 'serverless' or one like ml.m5.large",
        ),
        ("IDLE_ENDPOINT_DAYS", "30", "IDLE_ENDPOINT_DAYS: '30' is not usable; use 1 to 7"),
        ("ALERT_EMAIL", "ops", "ALERT_EMAIL: 'ops' is not an e-mail address"),
        (
            "MODEL_FAMILY_PROD",
            "bert",
            "MODEL_FAMILY_PROD: 'bert' is not a model family; use one of: tfidf, transformer",
        ),
        (
            "TRANSFORMER_INSTANCE_TYPE",
            "ml.m5.large",
            "TRANSFORMER_INSTANCE_TYPE: 'ml.m5.large' is not a SageMaker GPU instance type; use one such as ml.g5.xlarge",
        ),
        ("TRANSFORMER_MODEL", "../weights", "TRANSFORMER_MODEL: '../weights' is not a Hugging Face model id"),
    ],
)
def test_each_bad_value_is_named_with_its_fix(key, value, expected):
    environ = {**TEST_ENVIRON, key: value}
    if value == "":
        environ.pop(key)
    found = problems(environ)
    assert len(found) == 1, found
    assert found[0].startswith(expected)
    assert "\n" not in found[0]


def test_cost_guardrail_defaults_serverless_outside_prod_and_overrides():
    accounts = {k: v for k, v in TEST_ENVIRON.items() if k.endswith("_ACCOUNT_ID") or k == "GITHUB_REPO"}
    cfg = load_config(env_file=None, environ=accounts)
    assert cfg.budgets_usd == {"dev": 50, "staging": 100, "prod": 300}
    assert [cfg.endpoint_serverless(env) for env in ("dev", "staging", "prod")] == [True, True, False]
    assert cfg.endpoint_instance_type("prod") == "ml.m5.large" and cfg.idle_endpoint_days == 3
    cfg = load_config(
        env_file=None, environ={**accounts, "BUDGET_PROD_USD": "900", "ENDPOINT_INSTANCE_TYPE_DEV": "ml.c5.xlarge"}
    )
    assert cfg.budgets_usd["prod"] == 900
    assert not cfg.endpoint_serverless("dev") and cfg.endpoint_instance_type("dev") == "ml.c5.xlarge"


def test_accounts_must_be_distinct():
    found = problems({**TEST_ENVIRON, "STAGING_ACCOUNT_ID": TEST_ENVIRON["DEV_ACCOUNT_ID"]})
    assert found == [
        "STAGING_ACCOUNT_ID: '200000000002' is also DEV_ACCOUNT_ID; the four accounts must be distinct, give each its own id"
    ]


def test_every_problem_is_reported_at_once():
    environ = dict(TEST_ENVIRON)
    del environ["OPERATIONS_ACCOUNT_ID"]
    environ["AWS_REGION"] = "nowhere"
    with pytest.raises(ConfigError) as info:
        load_config(env_file=None, environ=environ)
    assert [p.split(":")[0] for p in info.value.problems] == ["OPERATIONS_ACCOUNT_ID", "AWS_REGION"]


@pytest.mark.parametrize("env", ["qa", "", "Dev", "production"])
def test_env_name_must_be_known(env):
    with pytest.raises(ConfigError) as info:
        check_env(env)
    assert str(info.value) == f"env: '{env}' is not an environment; use one of: dev, staging, prod"


def test_env_file_is_read_and_real_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    lines = [f"{k}={v}" for k, v in TEST_ENVIRON.items()] + ["AWS_REGION=us-east-1", "AWS_PROFILE_DEV=my-dev"]
    env_file.write_text("\n".join(lines) + "\n")
    from_file = load_config(env_file=env_file, environ={})
    assert from_file.region == "us-east-1"
    assert from_file.profiles["dev"] == "my-dev"
    overridden = load_config(env_file=env_file, environ={"AWS_REGION": "ap-southeast-2", "CI": "true"})
    assert overridden.region == "ap-southeast-2"
    assert overridden.ci is True
    assert overridden.profiles["dev"] == "my-dev"


def test_missing_env_file_is_not_an_error_when_environment_has_everything(tmp_path):
    cfg = load_config(env_file=tmp_path / "absent.env", environ=TEST_ENVIRON)
    assert cfg.accounts["prod"] == "400000000004"


def test_example_file_is_a_valid_configuration(repo_root):
    cfg = load_config(env_file=repo_root / ".env.example", environ={})
    assert len(set(cfg.accounts.values())) == 4


def test_derived_names_embed_the_right_account():
    cfg = load_config(env_file=None, environ=TEST_ENVIRON)
    assert cfg.data_bucket("staging") == "promote-test-staging-300000000003"
    assert cfg.state_bucket() == "promote-test-tfstate-100000000001"
    assert cfg.sagemaker_role_arn("prod") == "arn:aws:iam::400000000004:role/promote-test-sagemaker-execution"
    assert (
        cfg.image_uri("training", "a" * 40)
        == f"100000000001.dkr.ecr.eu-west-1.amazonaws.com/promote-test/training:{'a' * 40}"
    )
    with pytest.raises(ConfigError, match="'latest' is not allowed"):
        cfg.image_uri("training", "latest")
    with pytest.raises(ConfigError, match="not an environment"):
        cfg.data_bucket("qa")


def test_model_family_is_per_environment_and_an_override_is_checked():
    cfg = load_config(env_file=None, environ={**TEST_ENVIRON, "MODEL_FAMILY_STAGING": "transformer"})
    assert [cfg.model_family(env) for env in ("dev", "staging", "prod")] == ["tfidf", "transformer", "tfidf"]
    assert cfg.model_family("dev", "transformer") == "transformer"
    assert (cfg.transformer_instance_type, cfg.transformer_model) == ("ml.g5.xlarge", "distilbert-base-uncased")
    with pytest.raises(ConfigError, match=r"^--family: 'bert' is not a model family; use one of: tfidf, transformer$"):
        cfg.model_family("dev", "bert")
    assert cfg.checkpoint_prefix("dev") == f"s3://{cfg.data_bucket('dev')}/checkpoints"
