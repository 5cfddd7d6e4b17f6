"""The model families, as the pipeline builder sees them: what the Train step is, where Evaluate runs.

    tfidf         TF-IDF + logistic regression (train.py) in our training image on a CPU
                  instance; parameters TfidfMaxFeatures, TfidfNgramMax, RegularizationC.
    transformer   fine-tunes a Hugging Face encoder (train_transformer.py) in the Hugging Face
                  PyTorch training image (pinned in awsenv/images.py, resolved through the SDK's
                  image table: no AWS call), on `cfg.transformer_instance_type` (a GPU) with managed spot
                  training and checkpoints under `cfg.checkpoint_prefix(env)/<execution id>`;
                  parameters EncoderModel, Epochs, MaxSteps, LearningRate, BatchSize, MaxLength.
                  Evaluate loads the model with transformers, so it runs in the same image.

Preprocess, the gate and Register are the same for both: a transformer model.tar.gz is served
by our inference image (the handler picks the family from metadata.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awsenv.config import Config, check_family
from awsenv.images import huggingface_training_image
from training_pipeline.code import TRAINING_CODE

CPU_INSTANCE_TYPE = "ml.m5.large"
TFIDF_DEFAULTS = {"TfidfMaxFeatures": 20000, "TfidfNgramMax": 2, "RegularizationC": 4.0}
TRANSFORMER_DEFAULTS = {"Epochs": 3, "MaxSteps": 0, "LearningRate": 5e-5, "BatchSize": 16, "MaxLength": 256}
MAX_RUN_SECONDS = 4 * 3600  # one training job, compute time
MAX_WAIT_SECONDS = 8 * 3600  # including waiting for spot capacity (>= MAX_RUN_SECONDS)
CHECKPOINT_LOCAL_PATH = "/opt/ml/checkpoints"


@dataclass
class FamilyTraining:
    """The family-specific part of a pipeline: its parameters, the Train estimator, Evaluate's host."""

    parameters: list[Any]
    estimator: Any  # sagemaker.estimator.Estimator
    evaluate_image: str
    evaluate_instance_type: str


def family_training(cfg: Config, env: str, family: str, *, session, code: str, training_image: str) -> FamilyTraining:
    """The Train step's estimator and parameters for `family` (tfidf or transformer)."""
    builder = {"tfidf": _tfidf, "transformer": _transformer}[check_family(family)]
    return builder(cfg, env, session=session, code=code, training_image=training_image)


def _estimator(cfg: Config, env: str, family: str, *, session, code: str, **kwargs):
    from sagemaker.estimator import Estimator

    entry_point, archive = TRAINING_CODE[family]
    return Estimator(
        entry_point=entry_point,
        source_dir=f"{code}/{archive}",
        role=cfg.sagemaker_role_arn(env),
        instance_count=1,
        output_path=f"s3://{cfg.data_bucket(env)}/models",
        metric_definitions=[{"Name": "validation:accuracy", "Regex": "validation:accuracy=([0-9.]+)"}],
        disable_profiler=True,
        sagemaker_session=session,
        **kwargs,
    )


def _tfidf(cfg: Config, env: str, *, session, code: str, training_image: str) -> FamilyTraining:
    from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger

    max_features = ParameterInteger("TfidfMaxFeatures", default_value=TFIDF_DEFAULTS["TfidfMaxFeatures"])
    ngram_max = ParameterInteger("TfidfNgramMax", default_value=TFIDF_DEFAULTS["TfidfNgramMax"])
    regularization = ParameterFloat("RegularizationC", default_value=TFIDF_DEFAULTS["RegularizationC"])
    estimator = _estimator(
        cfg,
        env,
        "tfidf",
        session=session,
        code=code,
        image_uri=training_image,
        instance_type=CPU_INSTANCE_TYPE,
        hyperparameters={"max_features": max_features, "ngram_max": ngram_max, "C": regularization},
    )
    return FamilyTraining([max_features, ngram_max, regularization], estimator, training_image, CPU_INSTANCE_TYPE)


def _transformer(cfg: Config, env: str, *, session, code: str, training_image: str) -> FamilyTraining:
    from sagemaker.workflow.execution_variables import ExecutionVariables
    from sagemaker.workflow.functions import Join
    from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString

    defaults = TRANSFORMER_DEFAULTS
    parameters = [
        ParameterString("EncoderModel", default_value=cfg.transformer_model),
        ParameterInteger("Epochs", default_value=defaults["Epochs"]),
        ParameterInteger("MaxSteps", default_value=defaults["MaxSteps"]),
        ParameterFloat("LearningRate", default_value=defaults["LearningRate"]),
        ParameterInteger("BatchSize", default_value=defaults["BatchSize"]),
        ParameterInteger("MaxLength", default_value=defaults["MaxLength"]),
    ]
    names = ("model_name", "epochs", "max_steps", "learning_rate", "batch_size", "max_length")
    instance_type = cfg.transformer_instance_type
    image = huggingface_training_image(cfg.region, instance_type)
    estimator = _estimator(
        cfg,
        env,
        "transformer",
        session=session,
        code=code,
        image_uri=image,
        instance_type=instance_type,
        hyperparameters=dict(zip(names, parameters, strict=True)),
        environment={"HF_HUB_DISABLE_TELEMETRY": "1", "TOKENIZERS_PARALLELISM": "false"},
        use_spot_instances=True,
        max_run=MAX_RUN_SECONDS,
        max_wait=MAX_WAIT_SECONDS,
        checkpoint_s3_uri=Join(on="/", values=[cfg.checkpoint_prefix(env), ExecutionVariables.PIPELINE_EXECUTION_ID]),
        checkpoint_local_path=CHECKPOINT_LOCAL_PATH,
    )
    return FamilyTraining(parameters, estimator, image, instance_type)
