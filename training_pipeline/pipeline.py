"""The SageMaker Pipeline (SDK v2): preprocess -> train -> evaluate -> gate -> register | fail.

One definition for AWS and the emulator. `definition(cfg, env, image_tag)` renders it without
any AWS call (step code is referenced by content-addressed S3 URIs from `code.py`, not
uploaded by the SDK), so the JSON is byte-identical across runs. `upload_code` puts the step
scripts at those URIs; `upsert_pipeline` uploads code and creates/updates the pipeline;
`start_execution` starts an execution on AWS. Locally, `training_pipeline.local_executor` runs the
same JSON.

The gate registers a model only when its test accuracy is >= `AccuracyThreshold` AND >= the
accuracy of the env's currently Approved model package (the champion). The evaluate step
looks the champion up itself and writes it into evaluation.json, so scheduled runs, which
pass only `InputDataUri` and `ModelApprovalStatus`, are gated the same way.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from awsenv.config import Config
from training_pipeline.code import TRAINING_ENTRY_POINT, code_prefix, upload_code

INSTANCE_TYPE = "ml.m5.large"
DEFAULTS = {"AccuracyThreshold": 0.7, "TfidfMaxFeatures": 20000, "TfidfNgramMax": 2, "RegularizationC": 4.0}
# Approved packages are deployed by the auto-deploy Lambda; prod waits for a person.
DEFAULT_APPROVAL = {"dev": "Approved", "staging": "Approved", "prod": "PendingManualApproval"}
ACCURACY_PATH = "multiclass_classification_metrics.accuracy.value"
CHAMPION_PATH = "champion.accuracy"


def get_pipeline(cfg: Config, env: str, image_tag: str, local: bool = False, session=None):
    """The SageMaker `Pipeline` for `env`, its containers pinned to `image_tag` (a commit SHA).

    `session` defaults to the env's PipelineSession (AWS, or the emulator with `local`).
    """
    from awsenv.sessions import disable_sagemaker_telemetry

    disable_sagemaker_telemetry()  # before the SDK's first import
    from sagemaker.estimator import Estimator
    from sagemaker.inputs import TrainingInput
    from sagemaker.model import Model
    from sagemaker.model_metrics import MetricsSource, ModelMetrics
    from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
    from sagemaker.workflow.condition_step import ConditionStep
    from sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
    from sagemaker.workflow.execution_variables import ExecutionVariables
    from sagemaker.workflow.fail_step import FailStep
    from sagemaker.workflow.functions import Join, JsonGet
    from sagemaker.workflow.model_step import ModelStep
    from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.properties import PropertyFile
    from sagemaker.workflow.steps import ProcessingStep, TrainingStep

    from awsenv.sessions import sagemaker_session

    session = session or sagemaker_session(cfg, env, local=local)
    bucket, role = cfg.data_bucket(env), cfg.sagemaker_role_arn(env)
    code = code_prefix(cfg, env)
    training_image = cfg.image_uri("training", image_tag)

    input_data = ParameterString("InputDataUri", default_value=cfg.dataset_uri(env))
    threshold = ParameterFloat("AccuracyThreshold", default_value=DEFAULTS["AccuracyThreshold"])
    approval = ParameterString("ModelApprovalStatus", default_value=DEFAULT_APPROVAL[env])
    max_features = ParameterInteger("TfidfMaxFeatures", default_value=DEFAULTS["TfidfMaxFeatures"])
    ngram_max = ParameterInteger("TfidfNgramMax", default_value=DEFAULTS["TfidfNgramMax"])
    regularization = ParameterFloat("RegularizationC", default_value=DEFAULTS["RegularizationC"])

    def run_output(step: str, name: str) -> Join:
        return Join(
            on="/", values=["s3:/", bucket, "pipeline-runs", ExecutionVariables.PIPELINE_EXECUTION_ID, step, name]
        )

    processor = ScriptProcessor(
        image_uri=training_image,
        command=["python3"],
        instance_type=INSTANCE_TYPE,
        instance_count=1,
        role=role,
        sagemaker_session=session,
        env={"AWS_DEFAULT_REGION": cfg.region},
    )
    channels = ("train", "test", "validation")
    preprocess = ProcessingStep(
        "Preprocess",
        step_args=processor.run(
            code=f"{code}/preprocess.py",
            inputs=[ProcessingInput(source=input_data, destination="/opt/ml/processing/input", input_name="dataset")],
            outputs=[
                ProcessingOutput(
                    output_name=name,
                    source=f"/opt/ml/processing/output/{name}",
                    destination=run_output("preprocess", name),
                )
                for name in channels
            ],
        ),
    )
    preprocessed = {
        name: preprocess.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri for name in channels
    }

    estimator = Estimator(
        image_uri=training_image,
        entry_point=TRAINING_ENTRY_POINT,
        source_dir=f"{code}/sourcedir.tar.gz",
        role=role,
        instance_type=INSTANCE_TYPE,
        instance_count=1,
        output_path=f"s3://{bucket}/models",
        hyperparameters={"max_features": max_features, "ngram_max": ngram_max, "C": regularization},
        metric_definitions=[{"Name": "validation:accuracy", "Regex": "validation:accuracy=([0-9.]+)"}],
        disable_profiler=True,
        sagemaker_session=session,
    )
    train = TrainingStep(
        "Train",
        step_args=estimator.fit(
            {name: TrainingInput(preprocessed[name], content_type="text/csv") for name in ("train", "validation")}
        ),
    )
    model_data = train.properties.ModelArtifacts.S3ModelArtifacts

    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluate = ProcessingStep(
        "Evaluate",
        step_args=processor.run(
            code=f"{code}/evaluate.py",
            arguments=["--model-package-group", cfg.model_package_group(env)],
            inputs=[
                ProcessingInput(source=model_data, destination="/opt/ml/processing/model", input_name="model"),
                ProcessingInput(source=preprocessed["test"], destination="/opt/ml/processing/test", input_name="test"),
            ],
            outputs=[
                ProcessingOutput(
                    output_name="evaluation",
                    source="/opt/ml/processing/evaluation",
                    destination=run_output("evaluate", "evaluation"),
                )
            ],
        ),
        property_files=[report],
    )
    evaluation_uri = evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri
    accuracy = JsonGet(step_name=evaluate.name, property_file=report, json_path=ACCURACY_PATH)
    champion = JsonGet(step_name=evaluate.name, property_file=report, json_path=CHAMPION_PATH)

    model = Model(
        image_uri=cfg.image_uri("inference", image_tag),
        model_data=model_data,
        role=role,
        sagemaker_session=session,
    )
    register = ModelStep(
        "Register",
        step_args=model.register(
            content_types=["application/json", "text/csv"],
            response_types=["application/json"],
            inference_instances=[INSTANCE_TYPE],
            transform_instances=[INSTANCE_TYPE],
            model_package_group_name=cfg.model_package_group(env),
            approval_status=approval,
            model_metrics=ModelMetrics(
                model_statistics=MetricsSource(
                    s3_uri=Join(on="/", values=[evaluation_uri, "evaluation.json"]),
                    content_type="application/json",
                )
            ),
        ),
    )
    fail = FailStep(
        "AccuracyTooLow",
        error_message=Join(
            on="",
            values=[
                "Model not registered: test accuracy ",
                accuracy,
                " must be >= AccuracyThreshold ",
                threshold,
                " and >= the approved champion's accuracy ",
                champion,
            ],
        ),
    )
    gate = ConditionStep(
        "CheckAccuracy",
        conditions=[
            ConditionGreaterThanOrEqualTo(left=accuracy, right=threshold),
            ConditionGreaterThanOrEqualTo(left=accuracy, right=champion),
        ],
        if_steps=[register],
        else_steps=[fail],
    )
    return Pipeline(
        name=cfg.pipeline_name(env),
        parameters=[input_data, threshold, approval, max_features, ngram_max, regularization],
        steps=[preprocess, train, evaluate, gate],
        sagemaker_session=session,
    )


def definition(cfg: Config, env: str, image_tag: str) -> str:
    """The pipeline definition JSON (sorted keys, indented): no AWS call, byte-stable."""
    from awsenv.sessions import offline_sagemaker_session

    with _quiet_sdk():
        pipeline = get_pipeline(cfg, env, image_tag, session=offline_sagemaker_session(cfg, env))
        return json.dumps(json.loads(pipeline.definition()), indent=2, sort_keys=True) + "\n"


@contextmanager
def _quiet_sdk() -> Iterator[None]:
    """Silence the SDK's INFO/WARNING chatter (config file notices, popped fields)."""
    loggers = [logging.getLogger(name) for name in ("sagemaker", "sagemaker.config", "sagemaker.telemetry")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Running within a PipelineSession")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def upsert_pipeline(cfg: Config, env: str, image_tag: str, local: bool = False) -> str:
    """Upload the step code and create or update the env's pipeline; return its ARN."""
    upload_code(cfg, env, local=local)
    with _quiet_sdk():
        pipeline = get_pipeline(cfg, env, image_tag, local=local)
        response = pipeline.upsert(
            role_arn=cfg.sagemaker_role_arn(env), description=f"{cfg.project} training @ {image_tag}"
        )
    return response["PipelineArn"]


def start_execution(
    cfg: Config, env: str, parameters: dict | None = None, wait: bool = False, *, local: bool = False
) -> dict:
    """Start an execution of the upserted pipeline on AWS; with `wait`, block until it ends.

    A failed execution raises UserError naming the failed step and its reason. (`local` only
    exercises this SDK path against the emulator, which records but never runs executions;
    `invoke pipeline.run --local` uses the local executor instead.)
    """
    from awsenv.sessions import disable_sagemaker_telemetry

    disable_sagemaker_telemetry()  # before the SDK's first import
    from botocore.exceptions import WaiterError
    from sagemaker.workflow.pipeline import Pipeline

    from awsenv.errors import UserError
    from awsenv.sessions import sagemaker_session

    pipeline = Pipeline(name=cfg.pipeline_name(env), sagemaker_session=sagemaker_session(cfg, env, local=local))
    execution = pipeline.start(parameters=parameters or {})
    if wait:
        try:
            execution.wait(delay=30, max_attempts=240)
        except WaiterError:
            failed = [s for s in execution.list_steps() if s.get("StepStatus") == "Failed"]
            if failed:
                step = failed[0]
                raise UserError(
                    f"pipeline step '{step['StepName']}' failed: {step.get('FailureReason', 'no reason given')}"
                ) from None
            raise
    return execution.describe()
