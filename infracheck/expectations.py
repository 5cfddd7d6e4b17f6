"""What must exist once `backend`, `operations` and `deploy` (dev, staging, prod) have applied.

Each check returns a list of problems (one line each, empty when all is well). The pure
functions take what AWS answers, so they are tested without terraform; `problems()` asks the
emulator for everything.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from awsenv import terraform_vars
from awsenv.config import ACCOUNTS, ENVIRONMENTS, Config
from awsenv.errors import UserError

OIDC_HOST = "token.actions.githubusercontent.com"


def _document(value: Any) -> dict:
    """A policy document as AWS returns it: a dict, JSON, or URL-encoded JSON."""
    if isinstance(value, dict):
        return value
    text = urllib.parse.unquote(value) if str(value).lstrip().startswith("%") else str(value)
    return json.loads(text)


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


# ---- state bucket ----------------------------------------------------------------------------


def tls_problems(policy: dict | None, bucket: str, *, emulator: bool) -> list[str]:
    """On AWS the state bucket denies every non-TLS request; on the plain-HTTP emulator `--local`
    leaves that statement out (it would deny everything), so there it must be absent."""
    statements = (policy or {}).get("Statement", [])
    tls = [
        s
        for s in statements
        if s.get("Effect") == "Deny" and "aws:SecureTransport" in json.dumps(s.get("Condition", {}))
    ]
    if emulator:
        return [f"{bucket}: a TLS-only statement on the emulator would deny every request"] if tls else []
    if not tls:
        return [f"{bucket}: no statement denies requests without TLS (aws:SecureTransport = false)"]
    wanted = {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}
    statement = tls[0]
    problems = []
    if not wanted <= set(_as_list(statement.get("Resource", []))):
        problems.append(f"{bucket}: the TLS-only statement does not cover the bucket and its objects")
    if "s3:*" not in _as_list(statement.get("Action", [])):
        problems.append(f"{bucket}: the TLS-only statement does not deny every S3 action")
    if statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") not in ("false", ["false"]):
        problems.append(f"{bucket}: the TLS-only statement's condition is not Bool aws:SecureTransport = false")
    return problems


def encryption_problems(encryption: dict, key_arn: str, bucket: str) -> list[str]:
    rules = encryption.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    if default.get("SSEAlgorithm") != "aws:kms":
        return [f"{bucket}: default encryption is {default.get('SSEAlgorithm')!r}, not aws:kms"]
    key = default.get("KMSMasterKeyID", "")
    if key not in (key_arn, key_arn.rsplit("/", 1)[-1]):
        return [f"{bucket}: encrypted with {key!r}, not the state key {key_arn}"]
    return []


def state_bucket_problems(cfg: Config, session, *, emulator: bool = True) -> list[str]:
    from botocore.exceptions import ClientError

    s3, bucket = session.client("s3"), cfg.state_bucket()
    key_arn = session.client("kms").describe_key(KeyId=f"alias/{cfg.project}-tfstate")["KeyMetadata"]["Arn"]
    problems = encryption_problems(s3.get_bucket_encryption(Bucket=bucket), key_arn, bucket)
    if s3.get_bucket_versioning(Bucket=bucket).get("Status") != "Enabled":
        problems.append(f"{bucket}: versioning is not enabled")
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    problems += [f"{bucket}: public access block {name} is off" for name, on in block.items() if not on]
    try:
        policy = _document(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError:
        policy = None
    return problems + tls_problems(policy, bucket, emulator=emulator)


# ---- CI roles ----------------------------------------------------------------------------------


def expected_subjects(cfg: Config) -> dict[str, set[str]]:
    """The only GitHub OIDC `sub` claims each account's CI role may trust (terraform/README.md)."""
    repo = f"repo:{cfg.repository}"
    return {
        "operations": {f"{repo}:ref:refs/heads/main"},
        "dev": {f"{repo}:environment:dev"},
        "staging": {f"{repo}:environment:staging"},
        "prod": {f"{repo}:environment:prod"},
    }


def trust_problems(document: dict, account_id: str, subjects: set[str], role: str) -> list[str]:
    """Exactly one Allow: AssumeRoleWithWebIdentity by the account's GitHub OIDC provider, with
    StringEquals on aud = sts.amazonaws.com and sub = exactly `subjects`."""
    allows = [s for s in document.get("Statement", []) if s.get("Effect") == "Allow"]
    if len(allows) != 1:
        return [f"{role}: {len(allows)} Allow statements in its trust policy, expected 1"]
    statement, problems = allows[0], []
    provider = f"arn:aws:iam::{account_id}:oidc-provider/{OIDC_HOST}"
    if _as_list(statement.get("Principal", {}).get("Federated")) != [provider]:
        problems.append(f"{role}: trusts {statement.get('Principal')}, not only {provider}")
    if _as_list(statement.get("Action")) != ["sts:AssumeRoleWithWebIdentity"]:
        problems.append(f"{role}: trust action {statement.get('Action')!r}, not sts:AssumeRoleWithWebIdentity")
    conditions = statement.get("Condition", {})
    if set(conditions) != {"StringEquals"}:
        problems.append(f"{role}: trust condition operators {sorted(conditions)}, expected only StringEquals")
    equals = conditions.get("StringEquals", {})
    if set(_as_list(equals.get(f"{OIDC_HOST}:aud"))) != {"sts.amazonaws.com"}:
        problems.append(f"{role}: audience {equals.get(f'{OIDC_HOST}:aud')!r}, expected sts.amazonaws.com")
    found = set(_as_list(equals.get(f"{OIDC_HOST}:sub", [])))
    if found != subjects:
        problems.append(f"{role}: trusts subjects {sorted(found)}, expected exactly {sorted(subjects)}")
    return problems


def ci_boundary_arn(cfg: Config, account: str) -> str:
    """The permissions boundary every CI role carries (created by terraform/operations)."""
    return f"arn:aws:iam::{cfg.accounts[account]}:policy/{cfg.project}-ci-boundary"


def boundary_problems(role: dict, iam, expected_arn: str) -> list[str]:
    arn = role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    if not arn:
        return [f"{role['RoleName']}: no permissions boundary; expected {expected_arn}"]
    if arn != expected_arn:
        return [f"{role['RoleName']}: permissions boundary {arn}, expected {expected_arn}"]
    try:
        iam.get_policy(PolicyArn=arn)
    except iam.exceptions.NoSuchEntityException:
        return [f"{role['RoleName']}: its permissions boundary {arn} does not exist"]
    return []


def ci_role_problems(cfg: Config, sessions: dict) -> list[str]:
    name, problems = terraform_vars.ci_role_name(cfg), []
    for account, subjects in expected_subjects(cfg).items():
        iam = sessions[account].client("iam")
        role = iam.get_role(RoleName=name)["Role"]
        label = f"{account} {name}"
        problems += trust_problems(_document(role["AssumeRolePolicyDocument"]), cfg.accounts[account], subjects, label)
        problems += boundary_problems(role, iam, ci_boundary_arn(cfg, account))
    return problems


# ---- each environment: auto-deploy Lambda, its rule, the retraining schedule -------------------


def lambda_problems(variables: dict[str, str], cfg: Config, env: str) -> list[str]:
    """The Lambda's environment is exactly what `inference.deployer` reads, with the CLI's values."""
    from inference.deployer import ENV_VARS, Target

    unknown = sorted(set(variables) - set(ENV_VARS))
    if unknown:
        return [f"{env} auto-deploy: variables the deployer does not read: {unknown}"]
    try:
        target = Target.from_environ(variables)
    except UserError as error:
        return [f"{env} auto-deploy: {error}"]
    expected = Target.from_config(cfg, env)
    return [] if target == expected else [f"{env} auto-deploy: environment gives {target}, expected {expected}"]


def expected_pattern(cfg: Config, env: str) -> dict:
    from inference.auto_deploy import DETAIL_TYPE

    return {
        "source": ["aws.sagemaker"],
        "detail-type": [DETAIL_TYPE],
        "detail": {
            "ModelPackageGroupName": [cfg.model_package_group(env)],
            "ModelApprovalStatus": ["Approved", "Rejected"],
        },
    }


def pattern_problems(pattern: str, cfg: Config, env: str) -> list[str]:
    found, expected = json.loads(pattern), expected_pattern(cfg, env)
    return [] if found == expected else [f"{env} model-approval rule: pattern {found}, expected {expected}"]


def schedule_problems(schedule: dict, cfg: Config, env: str) -> list[str]:
    """The weekly retraining runs only in prod, with the pipeline's own parameter names."""
    problems, wanted = [], "ENABLED" if env == "prod" else "DISABLED"
    if schedule.get("State") != wanted:
        problems.append(f"{env} retraining schedule: {schedule.get('State')}, expected {wanted}")
    target = schedule.get("Target", {})
    if not target.get("Arn", "").endswith(f":pipeline/{cfg.pipeline_name(env)}"):
        problems.append(f"{env} retraining schedule: targets {target.get('Arn')}, not {cfg.pipeline_name(env)}")
    parameters = {
        p["Name"]: p["Value"] for p in target.get("SageMakerPipelineParameters", {}).get("PipelineParameterList", [])
    }
    if parameters.get("InputDataUri") != cfg.dataset_pointer_uri(env):
        problems.append(f"{env} retraining schedule: InputDataUri {parameters.get('InputDataUri')!r}")
    return problems


def environment_problems(cfg: Config, env: str, session) -> list[str]:
    function = cfg.auto_deploy_function_name()
    configuration = session.client("lambda").get_function_configuration(FunctionName=function)
    problems = lambda_problems(configuration.get("Environment", {}).get("Variables", {}), cfg, env)
    events = session.client("events")
    rule = events.describe_rule(Name=f"{function}-model-approval")
    problems += pattern_problems(rule["EventPattern"], cfg, env)
    targets = [t["Arn"] for t in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]]
    if targets != [configuration["FunctionArn"]]:
        problems.append(f"{env} model-approval rule: targets {targets}, expected only the auto-deploy Lambda")
    schedule = session.client("scheduler").get_schedule(Name=cfg.retraining_schedule_name(env))
    return problems + schedule_problems(schedule, cfg, env)


def problems(cfg: Config) -> list[str]:
    """Everything above, asked of the emulator (the applies must have run)."""
    from awsenv.sessions import aws_session

    sessions = {account: aws_session(cfg, account, local=True) for account in ACCOUNTS}
    found = state_bucket_problems(cfg, sessions["operations"], emulator=True)
    found += ci_role_problems(cfg, sessions)
    for env in ENVIRONMENTS:
        found += environment_problems(cfg, env, sessions[env])
    return found
