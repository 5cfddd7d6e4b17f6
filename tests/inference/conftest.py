"""A tiny model in the pipeline's artifact format, and registry helpers, for inference tests.

`train_tiny_model(dir)` fits TF-IDF + LogisticRegression on a few synthetic texts and writes
model.tar.gz (model.joblib + metadata.json) as the training pipeline does; `register_package`
uploads it to an env's data bucket in the emulator and registers a model package as the
pipeline does (inference image, ModelDataUrl, evaluation.json as model quality statistics).
"""

from __future__ import annotations

import contextlib
import io
import json
import tarfile
from pathlib import Path

import pytest

LABELS = ("Cardiology", "Neurology", "Orthopedic")
VOCABULARY = {
    "Cardiology": "chest pain heart murmur ecg atrial fibrillation coronary stent cardiac echo",
    "Neurology": "headache seizure migraine neuropathy stroke eeg tremor numbness brain",
    "Orthopedic": "knee fracture shoulder arthroscopy ligament tear hip replacement bone",
}
SHA = "0123456789abcdef0123456789abcdef01234567"


def tiny_texts() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, words in VOCABULARY.items():
        vocabulary = words.split()
        for i in range(8):
            texts.append(" ".join(vocabulary[(i + j) % len(vocabulary)] for j in range(5)) + " patient history")
            labels.append(label)
    return texts, labels


def train_tiny_model(directory: Path, seed: int = 0) -> Path:
    """Fit the tiny model and write `model.tar.gz` into `directory`; returns its path."""
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    texts, labels = tiny_texts()
    pipeline = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(C=10.0, random_state=seed))])
    pipeline.fit(texts, labels)
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, directory / "model.joblib")
    metadata = {"labels": sorted(LABELS), "text_column": "transcription", "label_column": "medical_specialty"}
    (directory / "metadata.json").write_text(json.dumps(metadata))
    archive = directory / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(directory / "model.joblib", arcname="model.joblib")
        tar.add(directory / "metadata.json", arcname="metadata.json")
    return archive


def archive_digests(archive: Path) -> dict[str, str]:
    """The digests the pipeline's Evaluate step records for `archive` (CustomerMetadataProperties)."""
    import tempfile

    from inference.integrity import ARCHIVE_KEY, CONTENT_KEY, content_sha256, file_sha256

    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
        return {ARCHIVE_KEY: file_sha256(archive), CONTENT_KEY: content_sha256(tmp)}


def register_package(cfg, env: str, archive: Path, *, status: str = "Approved", accuracy: float = 0.9,
                     group: str | None = None, baseline: dict | None = None,
                     container: dict | None = None) -> dict:  # fmt: skip
    """Upload `archive` + evaluation.json to env's data bucket and register a model package
    (with `baseline` as its drift baseline, where the Evaluate step would write it; `container`
    overrides the container's fields, e.g. another image and its Environment)."""
    from awsenv.sessions import aws_session

    session = aws_session(cfg, env, local=True)
    s3, sm = session.client("s3"), session.client("sagemaker")
    bucket = cfg.data_bucket(env)
    existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": cfg.region})
    group = group or cfg.model_package_group(env)
    with contextlib.suppress(sm.exceptions.ClientError):  # already there
        sm.create_model_package_group(ModelPackageGroupName=group)
    count = len(sm.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"])
    prefix = f"models/test-{count + 1}"
    s3.upload_file(str(archive), bucket, f"{prefix}/model.tar.gz")
    evaluation = {"multiclass_classification_metrics": {"accuracy": {"value": accuracy, "standard_deviation": "NaN"}}}
    s3.put_object(Bucket=bucket, Key=f"{prefix}/evaluation.json", Body=json.dumps(evaluation).encode())
    extra = {}
    if baseline is not None:
        key = f"pipeline-runs/test-{count + 1}/evaluate/evaluation/baseline.json"
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(baseline).encode())
        source = {"ContentType": "application/json", "S3Uri": f"s3://{bucket}/{key}"}
        extra["DriftCheckBaselines"] = {"ModelDataQuality": {"Statistics": source}}
    response = sm.create_model_package(
        **extra,
        ModelPackageGroupName=group,
        ModelApprovalStatus=status,
        CustomerMetadataProperties=archive_digests(archive),
        InferenceSpecification={
            "Containers": [
                {
                    "Image": cfg.image_uri("inference", SHA),
                    "ModelDataUrl": f"s3://{bucket}/{prefix}/model.tar.gz",
                    **(container or {}),
                }
            ],
            "SupportedContentTypes": ["application/json", "text/csv"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        ModelMetrics={
            "ModelQuality": {
                "Statistics": {"ContentType": "application/json", "S3Uri": f"s3://{bucket}/{prefix}/evaluation.json"}
            }
        },
    )
    return sm.describe_model_package(ModelPackageName=response["ModelPackageArn"])


@pytest.fixture(autouse=True)
def _one_server_worker(monkeypatch):
    """Servers started by tests (LocalServer, the demo) run one worker: the suite shares 2 cores."""
    monkeypatch.setenv("SAGEMAKER_MODEL_SERVER_WORKERS", "1")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("tiny-model")
    train_tiny_model(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir):
    from inference.handler import model_fn

    return model_fn(tiny_model_dir)


@pytest.fixture(scope="session")
def tiny_archive(tiny_model_dir) -> Path:
    return tiny_model_dir / "model.tar.gz"


def csv_body(texts: list[str]) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "transcription"])
    for i, text in enumerate(texts):
        writer.writerow([i, text])
    return out.getvalue().encode()
