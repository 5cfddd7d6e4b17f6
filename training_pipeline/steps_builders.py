"""One small builder per pipeline step (SageMaker Python SDK v3), composed by `pipeline.py`.

Every builder takes a `BuildContext` (names, images, the definition-only SDK session) plus the
values it consumes from earlier steps, and returns the SDK step. What a step produces for later
steps is returned with it (`Preprocessed`, `Trained`, `Evaluated`), so adding a parameter, a
property or a step input is a change to one dataclass and one builder:

* a `Parameters` field is a pipeline parameter (its order in `all()` is the definition's);
* `TrainingSpec` is everything model-family specific about the Train step (image, instance
  type, hyperparameters, metric definitions);
* the end of the graph (the accuracy gate, Register, Fail) is built in `gate_builders.py`.

The SDK is imported inside the builders (importing it costs seconds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from awsenv.config import Config
from training_pipeline.code import LIB_DIR, TRAINING_CODE, code_prefix

INSTANCE_TYPE = "ml.m5.large"
DEFAULTS = {"AccuracyThreshold": 0.7, "TfidfMaxFeatures": 10000, "TfidfNgramMax": 2, "RegularizationC": 4.0}
# Approved packages are deployed by the auto-deploy Lambda; prod waits for a person.
DEFAULT_APPROVAL = {"dev": "Approved", "staging": "Approved", "prod": "PendingManualApproval"}
ACCURACY_PATH = "multiclass_classification_metrics.accuracy.value"
CHAMPION_PATH = "champion.accuracy"
BASELINE_FILE = "baseline.json"  # the drift baseline, written by steps/evaluate.py next to evaluation.json
# model-package CustomerMetadataProperties key -> evaluation.json path: the digests of the
# model.tar.gz that Evaluate evaluated (see inference.integrity, which checks them before loads)
ARTIFACT_DIGEST_PATHS = {
    "model-archive-sha256": "model_artifact.sha256",
    "model-content-sha256": "model_artifact.content_sha256",
}
CHANNELS = ("train", "test", "validation")
TRAINING_CHANNELS = ("train", "validation")
LIB_PATH = "/opt/ml/processing/lib"  # the shared CSV reader (code.py ships it as lib/)
# model-package CustomerMetadataProperties key -> evaluation.json path: the dataset the model
# was trained and tested on (Preprocess resolved it; `invoke model.list` shows it)
DATASET_METADATA_PATHS = {"dataset-id": "dataset.dataset_id"}


@dataclass(frozen=True)
class BuildContext:
    """What every step builder needs: the env's names and images and the SDK session."""

    cfg: Config
    env: str
    image_tag: str
    session: Any  # sagemaker.core.workflow.pipeline_context.PipelineSession (definition-only)

    @property
    def bucket(self) -> str:
        return self.cfg.data_bucket(self.env)

    @property
    def role(self) -> str:
        return self.cfg.sagemaker_role_arn(self.env)

    @property
    def code(self) -> str:
        return code_prefix(self.cfg, self.env)

    def image(self, name: str) -> str:
        return self.cfg.image_uri(name, self.image_tag)

    def run_output(self, step: str, name: str):
        """s3://<bucket>/pipeline-runs/<execution id>/<step>/<name>: one prefix per execution."""
        from sagemaker.core.workflow.execution_variables import ExecutionVariables
        from sagemaker.core.workflow.functions import Join

        values = ["s3:/", self.bucket, "pipeline-runs", ExecutionVariables.PIPELINE_EXECUTION_ID, step, name]
        return Join(on="/", values=values)


@dataclass(frozen=True)
class Parameters:
    """The pipeline parameters (SDK objects); `all()` is their order in the definition.

    The tfidf family's three are fields; another family's own parameters go in `family`
    (training_pipeline/families.py), in definition order.
    """

    input_data: Any
    threshold: Any
    approval: Any
    max_features: Any = None
    ngram_max: Any = None
    regularization: Any = None
    family: tuple = ()

    def all(self) -> list:
        tfidf = [self.max_features, self.ngram_max, self.regularization]
        return [self.input_data, self.threshold, self.approval, *(p for p in tfidf if p is not None), *self.family]


def parameters(ctx: BuildContext, family: tuple | None = None) -> Parameters:
    """The pipeline's parameters: the tfidf family's, or `family` (another family's own) instead."""
    from sagemaker.core.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString

    common = {
        "input_data": ParameterString("InputDataUri", default_value=ctx.cfg.dataset_pointer_uri(ctx.env)),
        "threshold": ParameterFloat("AccuracyThreshold", default_value=DEFAULTS["AccuracyThreshold"]),
        "approval": ParameterString("ModelApprovalStatus", default_value=DEFAULT_APPROVAL[ctx.env]),
    }
    if family is not None:
        return Parameters(**common, family=tuple(family))
    return Parameters(
        **common,
        max_features=ParameterInteger("TfidfMaxFeatures", default_value=DEFAULTS["TfidfMaxFeatures"]),
        ngram_max=ParameterInteger("TfidfNgramMax", default_value=DEFAULTS["TfidfNgramMax"]),
        regularization=ParameterFloat("RegularizationC", default_value=DEFAULTS["RegularizationC"]),
    )


# ---- processing (Preprocess, Evaluate) -----------------------------------------------------


def _processor(ctx: BuildContext, image: str | None = None, instance_type: str = INSTANCE_TYPE):
    from sagemaker.core.processing import ScriptProcessor

    return ScriptProcessor(
        image_uri=image or ctx.image("training"),
        command=["python3"],
        instance_type=instance_type,
        instance_count=1,
        role=ctx.role,
        sagemaker_session=ctx.session,
        env={"AWS_DEFAULT_REGION": ctx.cfg.region},
    )


def processing_input(name: str, source, destination: str):
    from sagemaker.core.shapes import ProcessingInput, ProcessingS3Input

    s3_input = ProcessingS3Input(
        s3_uri=source,
        local_path=destination,
        s3_data_type="S3Prefix",
        s3_input_mode="File",
        s3_data_distribution_type="FullyReplicated",
    )
    return ProcessingInput(input_name=name, s3_input=s3_input)


def processing_output(name: str, source: str, destination):
    from sagemaker.core.shapes import ProcessingOutput, ProcessingS3Output

    s3_output = ProcessingS3Output(s3_uri=destination, local_path=source, s3_upload_mode="EndOfJob")
    return ProcessingOutput(output_name=name, s3_output=s3_output)


def lib_input(ctx: BuildContext):
    """The shared CSV reader for a processing script (SageMaker uploads the script alone)."""
    return processing_input("lib", f"{ctx.code}/{LIB_DIR}", LIB_PATH)


def output_uri(step, name: str):
    return step.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri


@dataclass(frozen=True)
class Preprocessed:
    step: Any
    channels: dict[str, Any]  # channel name -> S3 URI of the split (a step property)


def preprocess_step(ctx: BuildContext, params: Parameters) -> Preprocessed:
    from sagemaker.mlops.workflow.steps import ProcessingStep

    step_args = _processor(ctx).run(
        code=f"{ctx.code}/preprocess.py",
        inputs=[processing_input("dataset", params.input_data, "/opt/ml/processing/input"), lib_input(ctx)],
        outputs=[
            processing_output(name, f"/opt/ml/processing/output/{name}", ctx.run_output("preprocess", name))
            for name in CHANNELS
        ],
    )
    step = ProcessingStep("Preprocess", step_args=step_args)
    return Preprocessed(step, {name: output_uri(step, name) for name in CHANNELS})


# ---- training ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingSpec:
    """What the Train step runs: image, instance type, hyperparameters, metric definitions.

    `family` names the training code (code.TRAINING_CODE); `spot` asks for managed spot
    training, waiting up to `max_wait_seconds`; `checkpoint_s3_uri` syncs /opt/ml/checkpoints.
    """

    image: str
    instance_type: str
    hyperparameters: dict[str, Any]  # values: constants or pipeline parameters
    metrics: dict[str, str] = field(default_factory=dict)  # metric name -> regex over the log
    max_runtime_seconds: int = 86400
    family: str = "tfidf"
    spot: bool = False
    max_wait_seconds: int | None = None
    checkpoint_s3_uri: Any = None  # a string or a pipeline expression
    environment: dict[str, str] = field(default_factory=dict)


def tfidf_training(ctx: BuildContext, params: Parameters) -> TrainingSpec:
    """TF-IDF + logistic regression (training_pipeline/steps/train.py)."""
    return TrainingSpec(
        image=ctx.image("training"),
        instance_type=INSTANCE_TYPE,
        hyperparameters={
            "max_features": params.max_features,
            "ngram_max": params.ngram_max,
            "C": params.regularization,
        },
        metrics={"validation:accuracy": "validation:accuracy=([0-9.]+)"},
    )


def _as_string(value):
    """Hyperparameters are strings in CreateTrainingJob: a pipeline parameter is joined into one."""
    from sagemaker.core.helper.pipeline_variable import PipelineVariable
    from sagemaker.core.workflow.functions import Join

    return Join(on="", values=[value]) if isinstance(value, PipelineVariable) else str(value)


def _channel(name: str, uri):
    from sagemaker.core.training.configs import Channel, DataSource, S3DataSource

    source = S3DataSource(s3_data_type="S3Prefix", s3_uri=uri, s3_data_distribution_type="FullyReplicated")
    return Channel(channel_name=name, data_source=DataSource(s3_data_source=source), content_type="text/csv")


@dataclass(frozen=True)
class Trained:
    step: Any
    model_data: Any  # S3 URI of model.tar.gz (a step property)


def train_step(ctx: BuildContext, spec: TrainingSpec, data: Preprocessed) -> Trained:
    """Script mode through `sagemaker_program` / `sagemaker_submit_directory` (the content-hashed
    sourcedir of `code.py`), not the SDK's `SourceCode`, which uploads under a timestamped prefix
    and would make every definition different."""
    from sagemaker.core.shapes import MetricDefinition
    from sagemaker.core.training.configs import CheckpointConfig, Compute, OutputDataConfig, StoppingCondition
    from sagemaker.mlops.workflow.steps import TrainingStep
    from sagemaker.train.model_trainer import ModelTrainer

    entry_point, archive = TRAINING_CODE[spec.family]
    script_mode = {"sagemaker_program": entry_point, "sagemaker_submit_directory": f"{ctx.code}/{archive}"}
    optional: dict[str, Any] = {}
    if spec.checkpoint_s3_uri is not None:
        optional["checkpoint_config"] = CheckpointConfig(
            s3_uri=spec.checkpoint_s3_uri, local_path="/opt/ml/checkpoints"
        )
    if spec.environment:
        optional["environment"] = dict(spec.environment)
    compute = {"enable_managed_spot_training": True} if spec.spot else {}
    stopping = {"max_wait_time_in_seconds": spec.max_wait_seconds} if spec.max_wait_seconds else {}
    trainer = ModelTrainer(
        training_image=spec.image,
        role=ctx.role,
        sagemaker_session=ctx.session,
        compute=Compute(instance_type=spec.instance_type, instance_count=1, **compute),
        output_data_config=OutputDataConfig(s3_output_path=f"s3://{ctx.bucket}/models"),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=spec.max_runtime_seconds, **stopping),
        hyperparameters={**script_mode, **{name: _as_string(v) for name, v in spec.hyperparameters.items()}},
        **optional,
    ).with_metric_definitions([MetricDefinition(name=name, regex=regex) for name, regex in spec.metrics.items()])
    step_args = trainer.train(input_data_config=[_channel(name, data.channels[name]) for name in TRAINING_CHANNELS])
    step = TrainingStep("Train", step_args=step_args)
    return Trained(step, step.properties.ModelArtifacts.S3ModelArtifacts)


# ---- evaluation, gate, registration --------------------------------------------------------


@dataclass(frozen=True)
class Evaluated:
    step: Any
    report: Any  # PropertyFile over evaluation.json
    report_uri: Any  # S3 URI of evaluation.json (a step property joined with the file name)

    def get(self, json_path: str):
        """A value of evaluation.json at `json_path`, resolved at execution time (Std:JsonGet)."""
        from sagemaker.core.workflow.functions import JsonGet

        return JsonGet(step_name=self.step.name, property_file=self.report, json_path=json_path)


def evaluate_step(
    ctx: BuildContext,
    trained: Trained,
    data: Preprocessed,
    image: str | None = None,
    instance_type: str = INSTANCE_TYPE,
) -> Evaluated:
    """Evaluate in our training image on CPU, or (another family) in `image` on `instance_type`."""
    from sagemaker.core.workflow.functions import Join
    from sagemaker.core.workflow.properties import PropertyFile
    from sagemaker.mlops.workflow.steps import ProcessingStep

    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    step_args = _processor(ctx, image, instance_type).run(
        code=f"{ctx.code}/evaluate.py",
        arguments=["--model-package-group", ctx.cfg.model_package_group(ctx.env)],
        inputs=[
            processing_input("model", trained.model_data, "/opt/ml/processing/model"),
            processing_input("test", data.channels["test"], "/opt/ml/processing/test"),
            lib_input(ctx),
        ],
        outputs=[
            processing_output("evaluation", "/opt/ml/processing/evaluation", ctx.run_output("evaluate", "evaluation"))
        ],
    )
    step = ProcessingStep("Evaluate", step_args=step_args, property_files=[report])
    return Evaluated(step, report, Join(on="/", values=[output_uri(step, "evaluation"), "evaluation.json"]))
