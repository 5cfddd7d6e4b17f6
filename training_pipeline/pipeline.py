"""The SageMaker Pipeline (SDK v3): preprocess -> train -> evaluate -> gate -> register | fail.

One definition for AWS and the emulator. `definition(cfg, env, image_tag)` renders it without
any AWS call (the SDK session is definition-only, see `awsenv.sagemaker_sdk.offline_sagemaker_session`;
step code is referenced by content-addressed S3 URIs from `code.py`, not uploaded by the SDK),
so the JSON is byte-identical across runs. `upsert_pipeline` uploads the step code and
creates/updates the pipeline with that JSON; `start_execution` starts an execution on AWS (both
through boto3: the SDK's own upsert would first validate the role with IAM calls). Locally,
`training_pipeline.local_executor` runs the same JSON. Each step is built by its own function in
`steps_builders.py`.

`InputDataUri` defaults to the dataset pointer (`datasets/current.json`); Preprocess resolves
it once per execution and the Register step records the dataset id it names in the model
package (CustomerMetadataProperties `dataset-id`, read from evaluation.json with JsonGet). The
processing steps get the shared CSV reader as their `lib` input.

The gate registers a model only when its test accuracy is >= `AccuracyThreshold` AND >= the
accuracy of the env's currently Approved model package (the champion). The evaluate step
looks the champion up itself and writes it into evaluation.json, so scheduled runs, which
pass only `InputDataUri` and `ModelApprovalStatus`, are gated the same way.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from awsenv.config import Config
from awsenv.errors import UserError
from training_pipeline import gate_builders as ending
from training_pipeline import steps_builders as build
from training_pipeline.code import upload_code
from training_pipeline.steps_builders import (
    ACCURACY_PATH,
    ARTIFACT_DIGEST_PATHS,
    BASELINE_FILE,
    CHAMPION_PATH,
    DEFAULT_APPROVAL,
    DEFAULTS,
    INSTANCE_TYPE,
)

if TYPE_CHECKING:
    from awsenv.sessions import EnvSession

__all__ = [
    "ACCURACY_PATH",
    "ARTIFACT_DIGEST_PATHS",
    "BASELINE_FILE",
    "CHAMPION_PATH",
    "DEFAULTS",
    "DEFAULT_APPROVAL",
    "INSTANCE_TYPE",
]
POLL_SECONDS, MAX_POLLS = 30, 240  # an execution is waited for up to 2 h


def get_pipeline(cfg: Config, env: str, image_tag: str, session=None, family: str = ""):
    """The SDK `Pipeline` for `env`, its containers pinned to `image_tag` (a commit SHA).

    `session` defaults to the env's definition-only SDK session (no AWS call possible);
    `family` (tfidf or transformer) defaults to the env's MODEL_FAMILY_<ENV> (families.py).
    """
    from awsenv.sagemaker_sdk import offline_sagemaker_session
    from training_pipeline import families

    cfg.image_uri("training", image_tag)  # a bad tag (e.g. 'latest') is refused before the SDK loads
    ctx = build.BuildContext(cfg, env, image_tag, session or offline_sagemaker_session(cfg, env))
    from sagemaker.mlops.workflow.pipeline import Pipeline

    family = cfg.model_family(env, family)
    params = families.family_parameters(ctx, family)
    data = build.preprocess_step(ctx, params)
    trained = build.train_step(ctx, families.training_spec(ctx, params, family), data)
    evaluated = build.evaluate_step(ctx, trained, data, *families.evaluate_host(ctx, family))
    metadata = {
        key: evaluated.get(path) for key, path in {**ARTIFACT_DIGEST_PATHS, **build.DATASET_METADATA_PATHS}.items()
    }
    register = ending.register_step(
        ctx,
        params,
        trained,
        evaluated,
        metadata=metadata,
        drift_check_baselines=ending.drift_baselines(evaluated),
        serving=families.serving_container(ctx, family),
    )
    fail = ending.fail_step(evaluated.get(ACCURACY_PATH), params.threshold, evaluated.get(CHAMPION_PATH))
    gate = ending.gate_step(evaluated, params, register, fail)
    return Pipeline(
        name=cfg.pipeline_name(env),
        parameters=params.all(),
        steps=[data.step, trained.step, evaluated.step, gate],
        sagemaker_session=ctx.session,
    )


def definition(cfg: Config, env: str, image_tag: str, family: str = "", *, sdk=None) -> str:
    """The pipeline definition JSON (sorted keys, indented): no AWS call, byte-stable per family.

    `sdk`: the SDK session to build with (an `EnvSession.sdk`); by default the env's own.
    """
    from awsenv.sagemaker_sdk import sdk_environment

    with sdk_environment(cfg.region):
        text = get_pipeline(cfg, env, image_tag, session=sdk, family=family).definition()
    return json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def put_pipeline(sagemaker, cfg: Config, env: str, text: str, description: str) -> str:
    """Create the env's pipeline with definition `text`, or update it when it exists; its ARN."""
    request = {
        "PipelineName": cfg.pipeline_name(env),
        "PipelineDefinition": text,
        "RoleArn": cfg.sagemaker_role_arn(env),
        "PipelineDescription": description,
    }
    from botocore.exceptions import ClientError

    try:
        return sagemaker.create_pipeline(**request)["PipelineArn"]
    except ClientError as error:  # as the SDK's upsert: an existing name is a ValidationException
        details = error.response.get("Error", {})
        if details.get("Code") != "ValidationException" or "already exists" not in details.get("Message", ""):
            raise
    return sagemaker.update_pipeline(**request)["PipelineArn"]


def upsert_pipeline(session: EnvSession, image_tag: str, family: str = "") -> str:
    """Upload the step code and create or update the env's pipeline (`family` or the env's); its ARN."""
    cfg, env = session.cfg, session.env
    family = cfg.model_family(env, family)
    text = definition(cfg, env, image_tag, family, sdk=session.sdk)
    upload_code(session)
    return put_pipeline(session.sagemaker, cfg, env, text, f"{cfg.project} {family} training @ {image_tag}")


def start_execution(session: EnvSession, parameters: dict | None = None, wait: bool = False) -> dict:
    """Start an execution of the upserted pipeline on AWS; with `wait`, block until it ends.

    A failed execution raises UserError naming the failed step and its reason. (An emulator
    session only exercises this path: the emulator records but never runs executions;
    `invoke pipeline.run --local` uses the local executor instead.)
    """
    sagemaker = session.sagemaker
    arn = sagemaker.start_pipeline_execution(
        PipelineName=session.cfg.pipeline_name(session.env),
        PipelineParameters=[{"Name": k, "Value": str(v)} for k, v in (parameters or {}).items()],
    )["PipelineExecutionArn"]
    described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    for _ in range(MAX_POLLS if wait else 0):
        if described["PipelineExecutionStatus"] not in ("Executing", "Stopping"):
            break
        time.sleep(POLL_SECONDS)
        described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    if wait and described["PipelineExecutionStatus"] == "Failed":
        raise UserError(_failure(sagemaker, arn, described))
    return described


def _failure(sagemaker, arn: str, described: dict) -> str:
    steps = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn).get("PipelineExecutionSteps", [])
    for step in steps:
        if step.get("StepStatus") == "Failed":
            return f"pipeline step '{step['StepName']}' failed: {step.get('FailureReason', 'no reason given')}"
    return f"pipeline execution {arn} failed: {described.get('FailureReason', 'no reason given')}"
