"""The model families, as the pipeline builders see them: the Train step's spec and where Evaluate runs.

    tfidf         TF-IDF + logistic regression (train.py) in our training image on a CPU
                  instance; parameters TfidfMaxFeatures, TfidfNgramMax, RegularizationC
                  (steps_builders.tfidf_training).
    transformer   fine-tunes a Hugging Face encoder (train_transformer.py) in the Hugging Face
                  PyTorch training image (pinned in awsenv/images.py, resolved through the SDK's
                  image table: no AWS call), on `cfg.transformer_instance_type` (a GPU) with
                  managed spot training and checkpoints under `cfg.checkpoint_prefix(env)/<execution id>`;
                  parameters EncoderModel, Epochs, MaxSteps, LearningRate, BatchSize, MaxLength.
                  Evaluate loads the model with transformers, so it runs in the same image (the
                  one that saved the model, with scikit-learn for the report), but on
                  `cfg.transformer_evaluate_instance_type`, a CPU by default: the image's GPU
                  build of torch runs on a CPU host, and inference over the test split needs no GPU.
                  Register names the Hugging Face PyTorch inference image (pinned, CPU build for
                  the package's CPU instance types) with `SERVING_ENVIRONMENT`: the image's toolkit
                  then runs our handler, which train_transformer.py packs into model.tar.gz under
                  code/ (training_pipeline/code.py HOSTING_FILES).

Preprocess and the gate are the same for both; our handler serves either family (it picks the
family from metadata.json).
"""

from __future__ import annotations

from awsenv.config import check_family
from awsenv.images import huggingface_inference_image, huggingface_training_image
from training_pipeline import steps_builders as build

TRANSFORMER_DEFAULTS = {"Epochs": 3, "MaxSteps": 0, "LearningRate": 5e-5, "BatchSize": 16, "MaxLength": 256}
HYPERPARAMETERS = ("model_name", "epochs", "max_steps", "learning_rate", "batch_size", "max_length")
MAX_RUN_SECONDS = 4 * 3600  # one training job, compute time
MAX_WAIT_SECONDS = 8 * 3600  # including waiting for spot capacity (>= MAX_RUN_SECONDS)
# Container environment of a registered transformer package (the deployer passes it on):
# the Hugging Face toolkit imports code/<SAGEMAKER_PROGRAM>, our handler (inference/hf_toolkit.py);
# the handler refuses to load without the registered digest; nothing is fetched from the Hub;
# importing code/ writes no __pycache__ into /opt/ml/model (the digest covers that directory).
SERVING_PROGRAM = "promote_serving.py"
SERVING_ENVIRONMENT = {
    "SAGEMAKER_PROGRAM": SERVING_PROGRAM,
    "PYTHONDONTWRITEBYTECODE": "1",
    "INFERENCE_REQUIRE_DIGEST": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def family_parameters(ctx: build.BuildContext, family: str) -> build.Parameters:
    """The pipeline parameters of `family` (tfidf or transformer)."""
    if check_family(family) == "tfidf":
        return build.parameters(ctx)
    from sagemaker.core.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString

    defaults = TRANSFORMER_DEFAULTS
    own = (
        ParameterString("EncoderModel", default_value=ctx.cfg.transformer_model),
        ParameterInteger("Epochs", default_value=defaults["Epochs"]),
        ParameterInteger("MaxSteps", default_value=defaults["MaxSteps"]),
        ParameterFloat("LearningRate", default_value=defaults["LearningRate"]),
        ParameterInteger("BatchSize", default_value=defaults["BatchSize"]),
        ParameterInteger("MaxLength", default_value=defaults["MaxLength"]),
    )
    return build.parameters(ctx, family=own)


def training_spec(ctx: build.BuildContext, params: build.Parameters, family: str) -> build.TrainingSpec:
    """The Train step of `family`."""
    if check_family(family) == "tfidf":
        return build.tfidf_training(ctx, params)
    from sagemaker.core.workflow.execution_variables import ExecutionVariables
    from sagemaker.core.workflow.functions import Join

    instance_type = ctx.cfg.transformer_instance_type
    return build.TrainingSpec(
        image=huggingface_training_image(ctx.cfg.region, instance_type),
        instance_type=instance_type,
        hyperparameters=dict(zip(HYPERPARAMETERS, params.family, strict=True)),
        metrics={"validation:accuracy": "validation:accuracy=([0-9.]+)"},
        max_runtime_seconds=MAX_RUN_SECONDS,
        family="transformer",
        spot=True,
        max_wait_seconds=MAX_WAIT_SECONDS,
        checkpoint_s3_uri=Join(
            on="/", values=[ctx.cfg.checkpoint_prefix(ctx.env), ExecutionVariables.PIPELINE_EXECUTION_ID]
        ),
        environment={"HF_HUB_DISABLE_TELEMETRY": "1", "TOKENIZERS_PARALLELISM": "false"},
    )


def evaluate_host(ctx: build.BuildContext, family: str) -> tuple[str | None, str]:
    """(image, instance type) of the Evaluate step: ours on CPU, or the family's training image
    on `cfg.transformer_evaluate_instance_type` (CPU by default)."""
    if check_family(family) == "tfidf":
        return None, build.INSTANCE_TYPE
    image = huggingface_training_image(ctx.cfg.region, ctx.cfg.transformer_instance_type)
    return image, ctx.cfg.transformer_evaluate_instance_type


def serving_container(ctx: build.BuildContext, family: str) -> tuple[str, dict[str, str]]:
    """(image, environment) the Register step records for `family`'s model package."""
    if check_family(family) == "tfidf":
        return ctx.image("inference"), {}
    return huggingface_inference_image(ctx.cfg.region, build.INSTANCE_TYPE), dict(SERVING_ENVIRONMENT)
