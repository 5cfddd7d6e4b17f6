"""Load and validate the project configuration (`.env` + real environment variables).

`.env` (git-ignored, created from `.env.example` by `make bootstrap`) is read with
python-dotenv; a variable set in the real environment wins over the file. Every value is
validated up front and each problem becomes one line naming the key, the bad value and the fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from awsenv import config_values as values_check
from awsenv.cost_settings import SERVERLESS, cost_settings
from awsenv.errors import UserError

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = REPO_ROOT / ".env"

ENVIRONMENTS = ("dev", "staging", "prod")
RETRAINING_SCHEDULE = "cron(0 3 ? * MON *)"  # Mondays 03:00 UTC (EventBridge Scheduler expression)
ACCOUNTS = ("operations", *ENVIRONMENTS)

# Keys of `.env`. Account ids are required; the rest have defaults.
ACCOUNT_KEYS = {name: f"{name.upper()}_ACCOUNT_ID" for name in ACCOUNTS}
PROFILE_KEYS = {name: f"AWS_PROFILE_{name.upper()}" for name in ACCOUNTS}
# Model family per environment (`--family` on the pipeline tasks overrides it) and the
# transformer family's training instance type and encoder.
FAMILIES = ("tfidf", "transformer")
FAMILY_KEYS = {env: f"MODEL_FAMILY_{env.upper()}" for env in ENVIRONMENTS}
DEFAULTS = {
    "AWS_REGION": "eu-west-1",
    "PROJECT_NAME": "aws-promote-code",
    "EMULATOR_PORT": "5055",
    # Cost guardrails: monthly budget (USD) per environment account, instance type of each
    # env's endpoint (`serverless` where the model allows it outside prod), idle-endpoint alarm.
    "BUDGET_DEV_USD": "50",
    "BUDGET_STAGING_USD": "100",
    "BUDGET_PROD_USD": "300",
    "ENDPOINT_INSTANCE_TYPE_DEV": "serverless",
    "ENDPOINT_INSTANCE_TYPE_STAGING": "serverless",
    "ENDPOINT_INSTANCE_TYPE_PROD": "ml.m5.large",
    "IDLE_ENDPOINT_DAYS": "3",
    "ALERT_EMAIL": "",
    **{PROFILE_KEYS[name]: name for name in ACCOUNTS},  # the original README's profile names
    **{FAMILY_KEYS[env]: "tfidf" for env in ENVIRONMENTS},
    "TRANSFORMER_INSTANCE_TYPE": "ml.g5.xlarge",
    "TRANSFORMER_MODEL": "distilbert-base-uncased",
    # The transformer family's Evaluate step: a CPU instance (inference over the test split only).
    "TRANSFORMER_EVALUATE_INSTANCE_TYPE": "ml.m5.xlarge",
}


class ConfigError(UserError):
    """A configuration problem a user can fix; `str()` is one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def invalid_env_message(env: str) -> str:
    return f"env: '{env}' is not an environment; use one of: {', '.join(ENVIRONMENTS)}"


def check_family(family: str, what: str = "family") -> str:
    """Return `family` if it is a model family; raise ConfigError otherwise."""
    if family not in FAMILIES:
        raise ConfigError([f"{what}: '{family}' is not a model family; use one of: {', '.join(FAMILIES)}"])
    return family


def check_env(env: str) -> str:
    """Return `env` if it is dev, staging or prod; raise ConfigError otherwise."""
    if env not in ENVIRONMENTS:
        raise ConfigError([invalid_env_message(env)])
    return env


@dataclass(frozen=True)
class Config:
    """Validated project configuration. Build it with `load_config()`."""

    accounts: dict[str, str]
    region: str
    repository: str
    project: str
    profiles: dict[str, str]
    emulator_port: int
    ci: bool = False
    budgets_usd: dict[str, int] = field(default_factory=lambda: {"dev": 50, "staging": 100, "prod": 300})
    instance_types: dict[str, str] = field(
        default_factory=lambda: {"dev": SERVERLESS, "staging": SERVERLESS, "prod": "ml.m5.large"}
    )
    idle_endpoint_days: int = 3
    alert_email: str = ""
    families: dict[str, str] = field(default_factory=lambda: dict.fromkeys(ENVIRONMENTS, "tfidf"))
    transformer_instance_type: str = DEFAULTS["TRANSFORMER_INSTANCE_TYPE"]
    transformer_model: str = DEFAULTS["TRANSFORMER_MODEL"]
    transformer_evaluate_instance_type: str = DEFAULTS["TRANSFORMER_EVALUATE_INSTANCE_TYPE"]
    source: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    # ---- names shared by Terraform, the pipeline and the deployer ----------------------
    def account_id(self, account: str) -> str:
        return self.accounts[account]

    def state_bucket(self) -> str:
        return f"{self.project}-tfstate-{self.accounts['operations']}"

    def release_bucket(self) -> str:
        """Bucket in the operations account holding one release manifest per built commit."""
        return f"{self.project}-releases-{self.accounts['operations']}"

    def data_bucket(self, env: str) -> str:
        return f"{self.project}-{check_env(env)}-{self.accounts[env]}"

    def dataset_uri(self, env: str, dataset_id: str) -> str:
        """S3 prefix of one immutable dataset version (`datasets/<dataset id>/`)."""
        return f"s3://{self.data_bucket(env)}/datasets/{dataset_id}/"

    def dataset_pointer_uri(self, env: str) -> str:
        """The object naming the current dataset version: the pipeline's default `InputDataUri`."""
        return f"s3://{self.data_bucket(env)}/datasets/current.json"

    def data_capture_uri(self, env: str) -> str:
        """Where the env's endpoint captures requests and responses."""
        return f"s3://{self.data_bucket(env)}/data-capture/{self.endpoint_name(env)}"

    def endpoint_serverless(self, env: str) -> bool:
        """Whether env's endpoint is serverless (ENDPOINT_INSTANCE_TYPE_<ENV>=serverless)."""
        return self.instance_types[check_env(env)] == SERVERLESS

    def endpoint_instance_type(self, env: str) -> str:
        """Instance type of env's real-time endpoint (ml.m5.large when the endpoint is serverless)."""
        value = self.instance_types[check_env(env)]
        return "ml.m5.large" if value == SERVERLESS else value

    def monitor_function_name(self) -> str:
        """The drift-monitor Lambda (same name in every env account)."""
        return f"{self.project}-drift-monitor"

    def drift_metrics_namespace(self) -> str:
        """CloudWatch namespace of the drift monitor's metrics (the drift alarm watches it)."""
        return f"{self.project}/DriftMonitor"

    def drift_alarm_name(self, env: str) -> str:
        return f"{self.endpoint_name(env)}-drift"

    def monitoring_prefix(self, env: str) -> str:
        """Where the drift monitor writes its reports (s3://<data bucket>/monitoring/<endpoint>)."""
        return f"s3://{self.data_bucket(env)}/monitoring/{self.endpoint_name(env)}"

    def model_family(self, env: str, override: str = "") -> str:
        """The env's model family (MODEL_FAMILY_<ENV>), or `override` (`--family`) when given."""
        return check_family(override, "--family") if override else self.families[check_env(env)]

    def checkpoint_prefix(self, env: str) -> str:
        """Where training jobs keep checkpoints (one sub-prefix per pipeline execution)."""
        return f"s3://{self.data_bucket(env)}/checkpoints"

    def auto_deploy_function_name(self) -> str:
        """The auto-deploy Lambda (same name in every env account)."""
        return f"{self.project}-auto-deploy"

    def auto_deploy_rule_name(self) -> str:
        """The EventBridge rule that sends model-approval events to the auto-deploy Lambda."""
        return f"{self.auto_deploy_function_name()}-model-approval"

    def retraining_schedule_name(self, env: str) -> str:
        """The EventBridge Scheduler schedule that starts the env's pipeline (prod enables it)."""
        return f"{self.project}-{check_env(env)}-retraining"

    def retraining_role_arn(self, env: str) -> str:
        """The role the retraining schedule assumes to start the pipeline."""
        return f"arn:aws:iam::{self.accounts[env]}:role/{self.retraining_schedule_name(env)}-scheduler"

    def model_package_group(self, env: str) -> str:
        check_env(env)
        return f"{self.project}-models"

    def pipeline_name(self, env: str) -> str:
        check_env(env)
        return f"{self.project}-training"

    def endpoint_name(self, env: str) -> str:
        return f"{self.project}-{check_env(env)}"

    def sagemaker_role_arn(self, env: str) -> str:
        return f"arn:aws:iam::{self.accounts[check_env(env)]}:role/{self.project}-sagemaker-execution"

    def ci_role_arn(self, account: str) -> str:
        return f"arn:aws:iam::{self.accounts[account]}:role/{self.project}-github-ci"

    def ecr_registry(self) -> str:
        return f"{self.accounts['operations']}.dkr.ecr.{self.region}.amazonaws.com"

    def ecr_repository(self, image: str) -> str:
        """Repository name of one of the images: training, inference or lambda."""
        if image not in ("training", "inference", "lambda"):
            raise ConfigError([f"image: '{image}' is not an image; use one of: training, inference, lambda"])
        return f"{self.project}/{image}"

    def image_uri(self, image: str, tag: str) -> str:
        """Immutable image reference in the operations account's ECR (a commit SHA tag)."""
        if not tag or tag == "latest":
            raise ConfigError([f"image tag: '{tag}' is not allowed; images are referenced by commit SHA"])
        return f"{self.ecr_registry()}/{self.ecr_repository(image)}:{tag}"

    @property
    def emulator_url(self) -> str:
        return f"http://127.0.0.1:{self.emulator_port}"


def _read_env_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def load_config(
    env_file: Path | str | None = "",
    environ: dict[str, str] | None = None,
) -> Config:
    """Read `.env`, overlay the real environment, validate, and return a Config.

    `env_file` defaults to `$PROMOTE_ENV_FILE` or else `.env` at the repository root; `None`
    reads no file. Raises ConfigError listing every problem (one line each).
    """
    environ = dict(os.environ if environ is None else environ)
    if env_file == "":
        env_file = environ.get("PROMOTE_ENV_FILE") or ENV_FILE
    values = dict(DEFAULTS)
    if env_file is not None:
        values.update(_read_env_file(Path(env_file)))
    values.update({k: v for k, v in environ.items() if k in _known_keys() and v != ""})
    values = {k: v.strip() for k, v in values.items()}

    problems: list[str] = []
    accounts = values_check.accounts(values, problems, ACCOUNT_KEYS)
    region, repository, project = values_check.names(values, problems)
    profiles = values_check.profiles(values, problems, PROFILE_KEYS)
    port = values_check.port(values, problems)
    operate = cost_settings(values, problems, ENVIRONMENTS)
    families, instance_type, encoder = values_check.model_settings(values, problems, FAMILY_KEYS, FAMILIES)
    evaluate_instance_type = values_check.evaluate_instance_type(values, problems)
    if problems:
        raise ConfigError(problems)
    return Config(
        accounts=accounts,
        region=region,
        repository=repository,
        project=project,
        profiles=profiles,
        emulator_port=port,
        ci=environ.get("CI", "").lower() in ("1", "true", "yes"),
        families=families,
        transformer_instance_type=instance_type,
        transformer_model=encoder,
        transformer_evaluate_instance_type=evaluate_instance_type,
        source=values,
        **operate,
    )


def _known_keys() -> set[str]:
    return {*ACCOUNT_KEYS.values(), *PROFILE_KEYS.values(), *DEFAULTS, "GITHUB_REPO"}
