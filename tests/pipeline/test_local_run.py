"""The local executor end to end on the emulator: register, gate, fail, champion, account isolation.

Runs on a 300-row subsample of the synthetic data with a small vocabulary to stay fast.
"""

from __future__ import annotations

import csv
import json

import pytest

from awsenv.sessions import EnvSession, aws_session
from inference import registry
from training_pipeline.dataset import SAMPLE_CSV
from training_pipeline.local_executor import StepFailed, run_local
from training_pipeline.upload import upload

TAG = "0123456789abcdef0123456789abcdef01234567"
FAST = {"TfidfMaxFeatures": "3000", "TfidfNgramMax": "1"}


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    with SAMPLE_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    path = tmp_path_factory.mktemp("data") / "small.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([rows[0], *rows[1::4]])
    return path


def run(cfg, env, tmp_path, lines, **params):
    return run_local(
        EnvSession(cfg, env, local=True), TAG, {**FAST, **params}, runs_dir=tmp_path / "runs", say=lines.append
    )


def packages(cfg, env):
    sagemaker = aws_session(cfg, env, local=True).client("sagemaker")
    return sagemaker.list_model_packages(ModelPackageGroupName=cfg.model_package_group(env))["ModelPackageSummaryList"]


def read_s3_json(cfg, env, uri):
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    body = aws_session(cfg, env, local=True).client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(body)


def test_run_registers_with_metrics_and_a_worse_challenger_is_not_registered(emulator, small_csv, tmp_path):
    from awsenv import event_bus

    uploaded = upload(EnvSession(emulator, "dev", local=True), small_csv, progress=lambda _: None)
    lines: list[str] = []
    events = []
    bus = event_bus.bus(emulator.accounts["dev"])
    bus.put_rule("listen", {"source": ["aws.sagemaker"]}, lambda e: events.append(e) or "heard")
    result = run(emulator, "dev", tmp_path, lines)

    assert result["status"] == "Succeeded"
    assert list(result["steps"]) == ["Preprocess", "Train", "Evaluate", "CheckAccuracy", "Register"]
    accuracy = result["evaluation"]["multiclass_classification_metrics"]["accuracy"]["value"]
    assert 0.6 < accuracy < 1.0
    champion = result["model_package_arn"]
    package = (
        aws_session(emulator, "dev", local=True).client("sagemaker").describe_model_package(ModelPackageName=champion)
    )
    assert package["ModelApprovalStatus"] == "Approved"
    # the default InputDataUri is the pointer; Preprocess resolved it once and the package records the id
    metadata = package["CustomerMetadataProperties"]
    assert metadata["dataset-id"] == uploaded["dataset_id"]
    assert set(metadata) == {"dataset-id", "model-archive-sha256", "model-content-sha256"}
    assert all(len(metadata[key]) == 64 for key in ("model-archive-sha256", "model-content-sha256"))
    sagemaker = aws_session(emulator, "dev", local=True).client("sagemaker")
    assert registry.describe(sagemaker, champion).metadata == metadata  # `model.list`
    assert result["evaluation"]["dataset"] == {"dataset_id": uploaded["dataset_id"], "uri": uploaded["dataset_uri"]}
    assert package["InferenceSpecification"]["Containers"][0]["Image"] == emulator.image_uri("inference", TAG)
    statistics = package["ModelMetrics"]["ModelQuality"]["Statistics"]
    report = read_s3_json(emulator, "dev", statistics["S3Uri"])
    assert report["multiclass_classification_metrics"]["accuracy"]["value"] == accuracy
    assert set(report["multiclass_classification_metrics"]["confusion_matrix"]) == set(report["labels"])
    # the drift baseline is registered with the package, next to evaluation.json
    drift = package["DriftCheckBaselines"]["ModelDataQuality"]["Statistics"]
    assert drift["S3Uri"] == statistics["S3Uri"].replace("evaluation.json", "baseline.json")
    baseline = read_s3_json(emulator, "dev", drift["S3Uri"])
    assert set(baseline["test"]["predicted_class_distribution"]) <= set(report["labels"])
    assert abs(sum(baseline["training"]["class_prior"].values()) - 1) < 1e-3
    assert 0 < len(baseline["vocabulary"]) <= int(FAST["TfidfMaxFeatures"])
    assert 0 < baseline["test"]["mean_confidence"] <= 1
    assert any("[Train] Training: Succeeded in" in line for line in lines)
    assert any(line.startswith("evaluation: {") and '"macro_f1"' in line for line in lines)
    assert [e["detail"]["ModelPackageArn"] for e in events] == [champion]  # the state change, on the env's bus
    assert "  event -> listen: heard" in lines
    assert (tmp_path / "runs" / result["execution_id"] / "Train" / "step.log").exists()

    # A weak challenger passes the threshold (0.0) but is worse than the approved champion.
    with pytest.raises(StepFailed) as failed:
        run(emulator, "dev", tmp_path, [], AccuracyThreshold="0.0", TfidfMaxFeatures="5", RegularizationC="0.001")
    assert failed.value.step == "AccuracyTooLow"
    assert f"champion's accuracy {accuracy}" in str(failed.value)
    assert [p["ModelPackageArn"] for p in packages(emulator, "dev")] == [champion]


def test_an_impossible_threshold_fails_and_a_staging_run_leaves_nothing_in_dev(emulator, small_csv, tmp_path):
    upload(EnvSession(emulator, "staging", local=True), small_csv, progress=lambda _: None)
    lines: list[str] = []
    with pytest.raises(StepFailed) as failed:
        run(emulator, "staging", tmp_path, lines, AccuracyThreshold="1.01")
    assert failed.value.step == "AccuracyTooLow"
    assert "must be >= AccuracyThreshold 1.01" in str(failed.value)
    assert any(line.startswith("pipeline: Failed at step 'AccuracyTooLow'") for line in lines)
    assert any(line.startswith("evaluation: {") for line in lines)
    assert packages(emulator, "staging") == []

    staging_keys = (
        aws_session(emulator, "staging", local=True)
        .client("s3")
        .list_objects_v2(Bucket=emulator.data_bucket("staging"))["Contents"]
    )
    assert any(o["Key"].endswith("/output/model.tar.gz") for o in staging_keys)
    dev = aws_session(emulator, "dev", local=True)
    assert dev.client("s3").list_buckets()["Buckets"] == []
    assert dev.client("sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    assert dev.client("sagemaker").list_pipelines()["PipelineSummaries"] == []


def test_run_without_data_says_what_to_do(emulator, tmp_path):
    from awsenv.errors import UserError

    with pytest.raises(UserError, match=r"upload data first with `invoke data.upload --env=prod --local`"):
        run(emulator, "prod", tmp_path, [])


def test_a_local_run_builds_one_aws_session_and_each_client_once(emulator, small_csv, tmp_path, monkeypatch):
    """Following one EnvSession through run_local: the env's AWS session is looked up once and
    each emulator client is made once (before: 7 session look-ups and 24 clients for one run).
    The SDK's own definition-only objects never talk to the emulator and are not counted."""
    import collections

    import boto3

    from awsenv import sessions

    upload(EnvSession(emulator, "dev", local=True), small_csv, progress=lambda _: None)
    made: collections.Counter = collections.Counter()
    real_aws_session, real_client = sessions.aws_session, boto3.Session.client

    def counting_aws_session(*args, **kwargs):
        made["aws_session"] += 1
        return real_aws_session(*args, **kwargs)

    def counting_client(self, service_name, *args, **kwargs):
        if getattr(self, "endpoint_url", None) == emulator.emulator_url:
            made[service_name] += 1
        return real_client(self, service_name, *args, **kwargs)

    monkeypatch.setattr(sessions, "aws_session", counting_aws_session)
    monkeypatch.setattr(boto3.Session, "client", counting_client)
    session = EnvSession(emulator, "dev", local=True)
    result = run_local(session, TAG, {**FAST, "ModelApprovalStatus": "PendingManualApproval"},
                       runs_dir=tmp_path / "runs", say=lambda _: None)  # fmt: skip
    assert result["status"] == "Succeeded"
    assert made == {"aws_session": 1, "s3": 1, "sagemaker": 1}


def test_code_upload_lists_the_prefix_once_and_puts_only_what_is_missing(emulator):
    from awsenv.emulator import ensure_bucket
    from awsenv.sessions import EnvSession
    from training_pipeline.code import code_files, upload_code

    session = EnvSession(emulator, "dev", local=True)
    ensure_bucket(session.s3, emulator.data_bucket("dev"), emulator.region)
    calls = []
    session.s3.meta.events.register("before-call.s3.*", lambda model, **_: calls.append(model.name))
    prefix = upload_code(session)
    assert calls.count("PutObject") == len(code_files()) and calls.count("ListObjectsV2") == 1
    bucket, key_prefix = prefix.removeprefix("s3://").split("/", 1)
    session.s3.delete_object(Bucket=bucket, Key=f"{key_prefix}/evaluate.py")
    calls.clear()
    assert upload_code(session) == prefix
    assert calls == ["ListObjectsV2", "PutObject"] and "HeadObject" not in calls
    body = session.s3.get_object(Bucket=bucket, Key=f"{key_prefix}/evaluate.py")["Body"].read()
    assert body == code_files()["evaluate.py"]
