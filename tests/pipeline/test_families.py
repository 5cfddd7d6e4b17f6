"""The transformer family's definition: snapshot, byte-identical rebuilds, GPU spot training with checkpoints.

Refresh the snapshot after an intended change: UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/pipeline
"""

from __future__ import annotations

import io
import json
import os
import re
import tarfile
from pathlib import Path

import pytest

from awsenv.config import ConfigError, load_config
from awsenv.images import HF_INFERENCE_TRANSFORMERS_VERSION, HF_TRANSFORMERS_VERSION
from tests.conftest import TEST_ENVIRON
from tests.pipeline.test_definition import steps_by_name
from training_pipeline.code import HOSTING_FILES, code_files, code_prefix
from training_pipeline.families import SERVING_ENVIRONMENT
from training_pipeline.pipeline import definition

TAG = "0123456789abcdef0123456789abcdef01234567"
SNAPSHOT = Path(__file__).parent / "snapshots" / "definition-dev-transformer.json"
CODE_HASH = re.compile(r"/code/[0-9a-f]{32}")
HF_IMAGE = re.compile(
    r"^763104351884\.dkr\.ecr\.eu-west-1\.amazonaws\.com/huggingface-pytorch-training:"
    rf"[0-9.]+-transformers{re.escape(HF_TRANSFORMERS_VERSION)}-gpu-py3[0-9]+-cu[0-9]+-ubuntu[0-9.]+$"
)
HF_INFERENCE_IMAGE = re.compile(  # the CPU build: the package's instance types are CPUs
    r"^763104351884\.dkr\.ecr\.eu-west-1\.amazonaws\.com/huggingface-pytorch-inference:"
    rf"[0-9.]+-transformers{re.escape(HF_INFERENCE_TRANSFORMERS_VERSION)}-cpu-py3[0-9]+-ubuntu[0-9.]+$"
)


@pytest.fixture(scope="module")
def config():
    return load_config(env_file=None, environ=TEST_ENVIRON)


@pytest.fixture(scope="module")
def transformer_definition(config) -> str:
    return definition(config, "dev", TAG, "transformer")


def test_transformer_definition_matches_the_snapshot_and_rebuilds_byte_identical(config, transformer_definition):
    normalised = CODE_HASH.sub("/code/<code-hash>", transformer_definition)
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(normalised)
    assert normalised == SNAPSHOT.read_text()
    assert definition(config, "dev", TAG, "transformer") == transformer_definition


def test_the_env_default_family_selects_the_definition(config, transformer_definition):
    dev_transformer = load_config(env_file=None, environ={**TEST_ENVIRON, "MODEL_FAMILY_DEV": "transformer"})
    assert definition(dev_transformer, "dev", TAG) == transformer_definition
    assert definition(config, "dev", TAG) == definition(config, "dev", TAG, "tfidf") != transformer_definition


def test_train_is_a_spot_gpu_job_in_the_hugging_face_image_with_per_execution_checkpoints(
    config, transformer_definition
):
    doc = json.loads(transformer_definition)
    train = steps_by_name(doc)["Train"]["Arguments"]
    image = train["AlgorithmSpecification"]["TrainingImage"]
    assert HF_IMAGE.match(image), image
    assert train["ResourceConfig"]["InstanceType"] == "ml.g5.xlarge"
    assert train["EnableManagedSpotTraining"] is True
    stopping = train["StoppingCondition"]
    assert stopping["MaxWaitTimeInSeconds"] >= stopping["MaxRuntimeInSeconds"] > 0
    checkpoint = train["CheckpointConfig"]
    assert checkpoint["LocalPath"] == "/opt/ml/checkpoints"
    assert checkpoint["S3Uri"] == {
        "Std:Join": {"On": "/", "Values": [config.checkpoint_prefix("dev"), {"Get": "Execution.PipelineExecutionId"}]}
    }
    hyperparameters = train["HyperParameters"]
    assert hyperparameters["sagemaker_program"] == "train_transformer.py"
    assert hyperparameters["sagemaker_submit_directory"] == f"{code_prefix(config, 'dev')}/sourcedir-transformer.tar.gz"
    assert hyperparameters["model_name"] == {"Std:Join": {"On": "", "Values": [{"Get": "Parameters.EncoderModel"}]}}
    assert "sourcedir-transformer.tar.gz" in code_files()


def test_parameters_evaluate_on_a_cpu_in_the_training_image_and_the_unchanged_gate(config, transformer_definition):
    doc = json.loads(transformer_definition)
    params = {p["Name"]: p for p in doc["Parameters"]}
    assert list(params) == [
        "InputDataUri",
        "AccuracyThreshold",
        "ModelApprovalStatus",
        "EncoderModel",
        "Epochs",
        "MaxSteps",
        "LearningRate",
        "BatchSize",
        "MaxLength",
    ]
    assert params["EncoderModel"]["DefaultValue"] == "distilbert-base-uncased"
    steps = steps_by_name(doc)
    evaluate = steps["Evaluate"]["Arguments"]
    assert (
        evaluate["AppSpecification"]["ImageUri"]
        == steps["Train"]["Arguments"]["AlgorithmSpecification"]["TrainingImage"]
    )
    preprocess = steps["Preprocess"]["Arguments"]
    assert preprocess["AppSpecification"]["ImageUri"] == config.image_uri("training", TAG)
    assert evaluate["ProcessingResources"]["ClusterConfig"]["InstanceType"] == "ml.m5.xlarge"  # a CPU
    tfidf = steps_by_name(json.loads(definition(config, "dev", TAG, "tfidf")))
    assert steps["AccuracyTooLow"] == tfidf["AccuracyTooLow"]
    gate, tfidf_gate = steps["CheckAccuracy"]["Arguments"], tfidf["CheckAccuracy"]["Arguments"]
    assert gate["Conditions"] == tfidf_gate["Conditions"]
    register, tfidf_register = steps["Register"]["Arguments"], tfidf["Register"]["Arguments"]
    container, tfidf_container = (r["InferenceSpecification"].pop("Containers")[0] for r in (register, tfidf_register))
    assert register == tfidf_register  # same group, metrics, digests, drift baseline, approval
    assert tfidf_container["Image"] == config.image_uri("inference", TAG) and tfidf_container["Environment"] == {}
    assert container["ModelDataUrl"] == tfidf_container["ModelDataUrl"]


def test_register_serves_the_transformer_with_the_pinned_hugging_face_inference_image_running_our_handler(
    transformer_definition,
):
    register = steps_by_name(json.loads(transformer_definition))["Register"]["Arguments"]
    container = register["InferenceSpecification"]["Containers"][0]
    assert HF_INFERENCE_IMAGE.match(container["Image"]), container["Image"]
    assert container["Environment"] == SERVING_ENVIRONMENT
    assert container["Environment"]["SAGEMAKER_PROGRAM"] == "promote_serving.py"
    assert container["Environment"]["INFERENCE_REQUIRE_DIGEST"] == "1"
    assert register["InferenceSpecification"]["SupportedRealtimeInferenceInstanceTypes"] == ["ml.m5.large"]
    with tarfile.open(fileobj=io.BytesIO(code_files()["sourcedir-transformer.tar.gz"])) as tar:
        hosting = {name.removeprefix("hosting/") for name in tar.getnames() if name.startswith("hosting/")}
    assert hosting == set(HOSTING_FILES) and container["Environment"]["SAGEMAKER_PROGRAM"] in hosting


def test_instance_type_and_encoder_come_from_configuration():
    cfg = load_config(
        env_file=None,
        environ={
            **TEST_ENVIRON,
            "TRANSFORMER_INSTANCE_TYPE": "ml.g4dn.xlarge",
            "TRANSFORMER_MODEL": "bert-base-uncased",
            "TRANSFORMER_EVALUATE_INSTANCE_TYPE": "ml.c5.2xlarge",
        },
    )
    doc = json.loads(definition(cfg, "dev", TAG, "transformer"))
    train = steps_by_name(doc)["Train"]["Arguments"]
    assert train["ResourceConfig"]["InstanceType"] == "ml.g4dn.xlarge"
    evaluate = steps_by_name(doc)["Evaluate"]["Arguments"]
    assert evaluate["ProcessingResources"]["ClusterConfig"]["InstanceType"] == "ml.c5.2xlarge"
    assert HF_IMAGE.match(train["AlgorithmSpecification"]["TrainingImage"])
    assert {p["Name"]: p for p in doc["Parameters"]}["EncoderModel"]["DefaultValue"] == "bert-base-uncased"


def test_an_unknown_family_is_one_line(config):
    with pytest.raises(ConfigError, match=r"^--family: 'bert' is not a model family; use one of: tfidf, transformer$"):
        definition(config, "dev", TAG, "bert")
