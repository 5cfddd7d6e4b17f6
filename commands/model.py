"""`invoke model.*`: the model registry of an environment, deployments and batch predictions."""

from __future__ import annotations

from invoke import Exit

from commands.common import ENV_HELP, LOCAL_HELP, env_config, required, task, user_errors

DATASET_ID_KEY = "dataset-id"  # the CustomerMetadataProperties key the Register step writes


def _version(value) -> int | None:
    """`--version` as a positive integer (None when not given); a one-line error otherwise."""
    if value in (None, ""):
        return None
    if not str(value).isdigit() or int(value) < 1:
        raise Exit(f"error: --version: '{value}' is not a model package version; use a number such as 3", code=1)
    return int(value)


@task(
    help={
        "env": ENV_HELP,
        "version": "model package version to deploy (default: the newest Approved one)",
        "local": LOCAL_HELP,
        "serverless": "serverless (--serverless) or real-time (--no-serverless) endpoint; default: ENDPOINT_INSTANCE_TYPE_<ENV> in .env",
    }
)
def deploy(c, env, version=None, local=False, serverless=None):
    """Deploy an Approved model package to the env's endpoint (create, or blue/green update; idempotent)."""
    cfg = env_config(env)
    version = _version(version)
    with user_errors():
        from awsenv.sessions import EnvSession
        from inference.deployer import Target, deploy

        session = EnvSession(cfg, env, local=local)
        result = deploy(session, Target.from_session(session, serverless=serverless), version=version)
    print(result.line())


@task(
    help={
        "env": ENV_HELP,
        "version": "model package version",
        "local": LOCAL_HELP + "; also runs the auto-deploy handler, as EventBridge would on AWS",
        "reject": "reject the version instead of approving it",
    }
)
def approve(c, env, version, local=False, reject=False):
    """Approve (or --reject) a model package version; approval triggers the auto-deploy."""
    cfg = env_config(env)
    version = _version(version)
    if version is None:
        raise Exit(
            "error: --version: missing; give the model package version to approve (see `invoke model.list`)", code=1
        )
    status = "Rejected" if reject else "Approved"
    with user_errors():
        from awsenv.sessions import EnvSession
        from inference import registry

        session = EnvSession(cfg, env, local=local)
        sm = session.sagemaker
        package = registry.set_approval(sm, cfg.model_package_group(env), version, status, "invoke model.approve")
        print(f"model package version {package.version} of {package.group} ({env}): {package.status}")
        if local:
            from laptop.events import deliver_model_package_change

            print(f"auto-deploy: {deliver_model_package_change(session, package.arn)}")
        else:
            print("auto-deploy: the EventBridge rule runs the auto-deploy Lambda for this change")


@task(help={"env": ENV_HELP, "local": LOCAL_HELP})
def list(c, env, local=False):
    """List the env's model package versions: approval, accuracy, dataset id, and which one the endpoint serves."""
    cfg = env_config(env)
    with user_errors():
        from awsenv.sessions import EnvSession
        from inference import registry
        from inference.deployer import Target, serving

        session = EnvSession(cfg, env, local=local)
        sm, s3 = session.sagemaker, session.s3
        group = cfg.model_package_group(env)
        current = serving(sm, Target.from_session(session)) or {}
        rows = registry.summaries(sm, group)
        print(f"{group} ({env}): {len(rows)} version(s)")
        for row in rows:
            package = registry.describe(sm, row["ModelPackageArn"])
            accuracy = registry.accuracy(s3, package)
            mark = "  <- serving" if package.arn == current.get("package_arn") else ""
            shown = f"{accuracy:.3f}" if accuracy is not None else "  -  "
            dataset = (package.metadata or {}).get(DATASET_ID_KEY, "-")
            print(f"  v{package.version:<4} {package.status:<22} accuracy {shown}  dataset {dataset:<16}{mark}")


@task(
    help={
        "env": ENV_HELP,
        "input": "S3 URI of the input: a CSV (transcription column) or JSON file, or a prefix of such files",
        "output": "S3 URI prefix for the results (default: s3://<data bucket>/batch-output/<endpoint>/)",
        "local": LOCAL_HELP + "; runs the hosting handler over the files in-process",
    }
)
def batch(c, env, input, output=None, local=False):
    """Batch predictions with the model the env's endpoint serves (batch transform on AWS)."""
    cfg = env_config(env)
    required("input", input, "--input s3://BUCKET/batch-in/")
    with user_errors():
        from awsenv.sessions import EnvSession
        from inference import batch as batch_module

        run = batch_module.run_local if local else batch_module.run_aws
        print(run(EnvSession(cfg, env, local=local), input, output).line())
