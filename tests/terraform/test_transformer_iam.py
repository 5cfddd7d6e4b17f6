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
    main = (TF / "main" / "main.tf").read_text()
    assert (
        'huggingface_training_arn = "arn:aws:ecr:${data.aws_region.current.id}:'
        "${var.huggingface_training_image_repository.account_id}:repository/"
        '${var.huggingface_training_image_repository.name}"'
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
