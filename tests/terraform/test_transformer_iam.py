"""The SageMaker role covers the transformer family: checkpoint prefix both ways, the Hugging Face image's registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pipeline.test_definition import steps_by_name
from tests.terraform import tfparse
from tests.terraform.test_iam_vs_code import key_of, sagemaker_role_prefixes
from training_pipeline.pipeline import definition

TF = Path(__file__).resolve().parents[2] / "terraform"
TAG = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_checkpoints_are_readable_and_writable_by_the_role(cfg, env):
    read, write = sagemaker_role_prefixes(cfg, env)
    key = key_of(cfg.checkpoint_prefix(env), cfg.data_bucket(env)) + "/"
    assert any(key.startswith(p) for p in read), f"checkpoints {key} not readable ({read})"
    assert any(key.startswith(p) for p in write), f"checkpoints {key} not writable ({write})"


def test_the_role_may_pull_the_hugging_face_image_the_definition_names(cfg):
    doc = json.loads(definition(cfg, "dev", TAG, "transformer"))
    image = steps_by_name(doc)["Train"]["Arguments"]["AlgorithmSpecification"]["TrainingImage"]
    registry, repository_tag = image.split("/", 1)
    account, region = registry.split(".")[0], registry.split(".")[3]
    repository = repository_tag.split(":")[0]
    assert region == cfg.region
    from awsenv import terraform_vars

    passed = terraform_vars.main_variables(cfg, "dev", TAG)["huggingface_training_image_repository"]
    assert passed == {"account_id": account, "name": repository}
    assert "huggingface_training_image_repository" in tfparse.required_variables(TF / "main")
    call = tfparse.module_calls(TF / "main")["sagemaker_role"]
    assert "${local.huggingface_training_arn}" in call["ecr_repository_arns"]
    main = " ".join((TF / "main" / "main.tf").read_text().split())  # alignment by terraform fmt aside
    assert (
        'huggingface_training_arn = "arn:aws:ecr:${data.aws_region.current.id}:'
        "${var.huggingface_training_image_repository.account_id}:repository/"
        '${var.huggingface_training_image_repository.name}"'
    ) in main
    assert (
        'huggingface_inference_arn = "arn:aws:ecr:${data.aws_region.current.id}:'
        "${var.huggingface_inference_image_repository.account_id}:repository/"
        '${var.huggingface_inference_image_repository.name}"'
    ) in main


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_workload_boundary_allows_the_transformer_familys_calls(cfg, env):
    from tests.terraform.iameval import Renderer

    boundary = Renderer(cfg).statements("workload_boundary", env)
    image = definition(cfg, env, TAG, "transformer")
    train = steps_by_name(json.loads(image))["Train"]["Arguments"]
    registry, repository_tag = train["AlgorithmSpecification"]["TrainingImage"].split("/", 1)
    repository = f"arn:aws:ecr:{cfg.region}:{registry.split('.')[0]}:repository/{repository_tag.split(':')[0]}"
    checkpoint = f"arn:aws:s3:::{cfg.data_bucket(env)}/{key_of(cfg.checkpoint_prefix(env), cfg.data_bucket(env))}/x"
    needed = [
        ("ecr:BatchGetImage", repository),
        ("ecr:GetDownloadUrlForLayer", repository),
        ("s3:GetObject", checkpoint),
        ("s3:PutObject", checkpoint),
        ("sagemaker:CreateTrainingJob", f"arn:aws:sagemaker:{cfg.region}:{cfg.accounts[env]}:training-job/x"),
    ]
    assert train["EnableManagedSpotTraining"] is True  # the spot job the boundary must let through
    allows = [s for s in boundary if s.effect == "Allow"]
    missing = [f"{a} on {r}" for a, r in needed if not any(s.matches(a, r, {}) for s in allows)]
    assert missing == []
    other = f"arn:aws:ecr:{cfg.region}:{registry.split('.')[0]}:repository/some-other-image"
    assert not any(s.matches("ecr:BatchGetImage", other, {}) for s in allows)


def registered_image(cfg, env: str) -> str:
    """The image the transformer family's Register step names for its model packages."""
    doc = json.loads(definition(cfg, env, TAG, "transformer"))
    register = steps_by_name(doc)["CheckAccuracy"]["Arguments"]["IfSteps"][0]["Arguments"]
    return register["InferenceSpecification"]["Containers"][0]["Image"]


def test_the_role_may_pull_the_hugging_face_inference_image_the_packages_name(cfg):
    registry, repository_tag = registered_image(cfg, "dev").split("/", 1)
    from awsenv import terraform_vars

    passed = terraform_vars.main_variables(cfg, "dev", TAG)["huggingface_inference_image_repository"]
    assert passed == {"account_id": registry.split(".")[0], "name": repository_tag.split(":")[0]}
    assert "huggingface_inference_image_repository" in tfparse.required_variables(TF / "main")
    assert "huggingface_inference_image_repository" in tfparse.required_variables(TF / "operations")
    call = tfparse.module_calls(TF / "main")["sagemaker_role"]
    assert "${local.huggingface_inference_arn}" in call["ecr_repository_arns"]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_workload_boundary_lets_the_endpoint_pull_the_inference_image(cfg, env):
    from tests.terraform.iameval import Renderer

    registry, repository_tag = registered_image(cfg, env).split("/", 1)
    account = registry.split(".")[0]
    repository = f"arn:aws:ecr:{cfg.region}:{account}:repository/{repository_tag.split(':')[0]}"
    allows = [s for s in Renderer(cfg).statements("workload_boundary", env) if s.effect == "Allow"]
    for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"):
        assert any(s.matches(action, repository, {}) for s in allows), action
    other = f"arn:aws:ecr:{cfg.region}:{account}:repository/huggingface-tensorflow-inference"
    assert not any(s.matches("ecr:BatchGetImage", other, {}) for s in allows)
