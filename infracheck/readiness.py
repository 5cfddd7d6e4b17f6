"""Has a root created what the next step reads? (so the next step can start before the root's
apply returns), and what is left after the destroys. Asked of the emulator."""

from __future__ import annotations

from awsenv.config import ACCOUNTS, Config
from awsenv.terraform_vars import IMAGES


def _session(cfg: Config, account: str):
    from awsenv.sessions import aws_session

    return aws_session(cfg, account, local=True)


def _answers(call) -> bool:
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError:
        return False
    return True


def state_bucket_ready(cfg: Config) -> bool:
    """terraform/operations reads the state key's alias and keeps its state in the bucket."""
    session = _session(cfg, "operations")
    return _answers(lambda: session.client("kms").describe_key(KeyId=f"alias/{cfg.project}-tfstate")) and _answers(
        lambda: session.client("s3").get_bucket_encryption(Bucket=cfg.state_bucket())
    )


def artifacts_ready(cfg: Config) -> bool:
    """The placeholder images go to the ECR repositories, the manifest to the release bucket."""
    session = _session(cfg, "operations")
    ecr, s3 = session.client("ecr"), session.client("s3")
    repositories = [cfg.ecr_repository(name) for name in IMAGES]
    return _answers(lambda: ecr.describe_repositories(repositoryNames=repositories)) and _answers(
        lambda: s3.get_bucket_encryption(Bucket=cfg.release_bucket())
    )


def workload_inputs_ready(cfg: Config, env: str) -> bool:
    """terraform/main reads the env's data key alias and attaches the workload boundary, both
    created by terraform/operations (its buckets' lifecycle polls need not be over)."""
    session = _session(cfg, env)
    boundary = f"arn:aws:iam::{cfg.accounts[env]}:policy/{cfg.project}-workload-boundary"
    return _answers(lambda: session.client("kms").describe_key(KeyId=f"alias/{cfg.project}-{env}-data")) and _answers(
        lambda: session.client("iam").get_policy(PolicyArn=boundary)
    )


def leftovers(cfg: Config) -> list[str]:
    """Buckets and roles terraform created that still exist (empty after a full destroy)."""
    from awsenv.terraform_vars import ci_role_name

    found = []
    for account in ACCOUNTS:
        session = _session(cfg, account)
        found += [f"{account} bucket {b['Name']}" for b in session.client("s3").list_buckets().get("Buckets", [])]
        iam = session.client("iam")
        if _answers(lambda iam=iam: iam.get_role(RoleName=ci_role_name(cfg))):
            found.append(f"{account} role {ci_role_name(cfg)}")
    return found
