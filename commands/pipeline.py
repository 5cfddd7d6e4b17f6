"""`invoke pipeline.*`: the SageMaker training pipeline (definition, upsert, run; AWS or local)."""

from __future__ import annotations

from invoke import Exit

from commands.common import ENV_HELP, LOCAL_HELP, env_config, task, user_errors

IMAGE_TAG_HELP = "commit SHA the step images are tagged with (default: this checkout's HEAD)"
PARAM_HELP = "pipeline parameter override NAME=VALUE (repeatable), e.g. --param AccuracyThreshold=0.9"
FAMILY_HELP = "model family: tfidf or transformer (default: the env's MODEL_FAMILY_<ENV>, else tfidf)"


def _image_tag(image_tag: str) -> str:
    from awsenv.gitinfo import head_sha

    with user_errors():
        return image_tag or head_sha()


def _parameters(params: list[str]) -> dict[str, str]:
    values = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise Exit(f"error: --param: '{item}' is not NAME=VALUE; e.g. --param AccuracyThreshold=0.9", code=1)
        values[name.strip()] = value.strip()
    return values


@task(help={"env": ENV_HELP, "image_tag": IMAGE_TAG_HELP, "family": FAMILY_HELP})
def definition(c, env, image_tag="", family=""):
    """Print the pipeline definition JSON (no AWS call; byte-identical across runs)."""
    cfg = env_config(env)
    from training_pipeline.pipeline import definition as render

    with user_errors():
        family = cfg.model_family(env, family)
        print(render(cfg, env, _image_tag(image_tag), family), end="")


@task(help={"env": ENV_HELP, "image_tag": IMAGE_TAG_HELP, "local": LOCAL_HELP, "family": FAMILY_HELP})
def create(c, env, image_tag="", local=False, family=""):
    """Upload the step code and create or update (upsert) the env's pipeline."""
    cfg = env_config(env)
    from training_pipeline.pipeline import upsert_pipeline

    with user_errors():
        family = cfg.model_family(env, family)
        if local:
            from training_pipeline.local_executor.local_run import check_emulator

            check_emulator(cfg)
        from awsenv.sessions import EnvSession

        arn = upsert_pipeline(EnvSession(cfg, env, local=local), _image_tag(image_tag), family=family)
    print(f"pipeline: {arn}")


@task(
    iterable=["param"],
    help={
        "env": ENV_HELP,
        "local": LOCAL_HELP + "; the local executor runs the definition step by step",
        "wait": "wait for the execution to finish (always the case with --local)",
        "image_tag": IMAGE_TAG_HELP + " (--local only)",
        "param": PARAM_HELP,
        "family": FAMILY_HELP + "; on AWS it must match the upserted pipeline (`pipeline.create --family`)",
    },
)
def run(c, env, local=False, wait=False, image_tag="", param=None, family=""):
    """Run the env's pipeline: on AWS (start an execution) or, with --local, on the emulator."""
    cfg = env_config(env)
    parameters = _parameters(param or [])
    if local:
        from training_pipeline.local_executor.launcher import WarmLauncher

        with WarmLauncher() as step_launcher, user_errors():  # its helper warms up from here on
            if step_launcher.hint:
                print(step_launcher.hint)
            from awsenv.sessions import EnvSession
            from laptop.events import subscribe_auto_deploy
            from training_pipeline.local_executor import run_local

            session = EnvSession(cfg, env, local=True)
            subscribe_auto_deploy(session)  # as the EventBridge rule does on AWS
            run_local(session, _image_tag(image_tag), parameters, family=family, step_launcher=step_launcher)
        return
    with user_errors():
        from awsenv.sessions import EnvSession

        family = cfg.model_family(env, family)
        session = EnvSession(cfg, env, local=local)
        from training_pipeline.pipeline import start_execution

        result = start_execution(session, parameters, wait=wait)
    print(f"pipeline: execution {result['PipelineExecutionArn']}: {result['PipelineExecutionStatus']}")
