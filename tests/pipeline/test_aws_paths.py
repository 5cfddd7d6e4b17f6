"""The AWS code paths (SDK upsert/start, bucket checks), exercised against the emulator."""

from __future__ import annotations

import json

import pytest

from awsenv.errors import UserError
from awsenv.sessions import EnvSession, aws_session
from training_pipeline.code import code_prefix
from training_pipeline.pipeline import definition, start_execution, upsert_pipeline
from training_pipeline.upload import ensure_bucket

TAG = "0123456789abcdef0123456789abcdef01234567"


def test_upsert_uploads_code_and_creates_then_updates_the_pipeline(emulator):
    s3 = aws_session(emulator, "dev", local=True).client("s3")
    ensure_bucket(s3, emulator, "dev", local=True)
    arn = upsert_pipeline(EnvSession(emulator, "dev", local=True), TAG)
    assert arn.split(":")[4] == emulator.accounts["dev"] and arn.endswith(f"pipeline/{emulator.pipeline_name('dev')}")
    assert upsert_pipeline(EnvSession(emulator, "dev", local=True), TAG) == arn  # idempotent: an update
    sagemaker = aws_session(emulator, "dev", local=True).client("sagemaker")
    stored = sagemaker.describe_pipeline(PipelineName=emulator.pipeline_name("dev"))["PipelineDefinition"]
    assert json.loads(stored) == json.loads(definition(emulator, "dev", TAG))
    prefix = code_prefix(emulator, "dev").removeprefix(f"s3://{emulator.data_bucket('dev')}/")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=emulator.data_bucket("dev"), Prefix=prefix)["Contents"]}
    assert keys == {
        f"{prefix}/{name}"
        for name in (
            "preprocess.py",
            "evaluate.py",
            "lib/csvrows.py",
            "sourcedir.tar.gz",
            "sourcedir-transformer.tar.gz",
        )
    }

    execution = start_execution(
        EnvSession(emulator, "dev", local=True), {"ModelApprovalStatus": "PendingManualApproval"}
    )
    assert execution["PipelineExecutionArn"].startswith(arn)


def test_upload_on_aws_requires_the_terraform_bucket(emulator):
    s3 = aws_session(emulator, "dev", local=True).client("s3")
    with pytest.raises(UserError) as caught:
        ensure_bucket(s3, emulator, "dev", local=False)
    assert str(caught.value) == (
        f"s3: bucket '{emulator.data_bucket('dev')}' does not exist in the dev account; "
        "it is created by `invoke operations` (terraform/operations)"
    )


def test_upsert_without_the_bucket_says_what_to_do(emulator):
    with pytest.raises(UserError) as caught:
        upsert_pipeline(EnvSession(emulator, "prod", local=True), TAG)
    assert str(caught.value) == (
        f"s3: bucket '{emulator.data_bucket('prod')}' does not exist in the prod account; "
        "create it first (`invoke data.upload --env=prod --local`)"
    )
