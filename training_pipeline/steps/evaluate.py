"""Processing step: evaluate the trained model on the test channel and compare with the champion.

SageMaker processing contract (paths under OPT_ML_ROOT, default /opt/ml):
    input   /opt/ml/processing/model/model.tar.gz     (the Train step's artifact)
            /opt/ml/processing/test/*.csv
            /opt/ml/processing/test/dataset.json (the dataset id Preprocess resolved)
            /opt/ml/processing/lib/csvrows.py    (the shared CSV reader)
    output  /opt/ml/processing/evaluation/evaluation.json
            /opt/ml/processing/evaluation/baseline.json

evaluation.json uses SageMaker's model-quality layout (`multiclass_classification_metrics`
with accuracy, macro_f1, weighted_f1, confusion_matrix) so the registry shows it, plus a
per-class report and `champion`: the accuracy of the newest Approved package in the
`--model-package-group` (0.0 when there is none). Looking the champion up here, inside the
run, means the pipeline's condition also knows it for scheduled runs. `dataset` carries the
id of the dataset the model was trained and tested on; the Register step copies it into the
model package (CustomerMetadataProperties `dataset-id`).

baseline.json is the drift monitor's baseline (registered with the model package as its
DriftCheckBaselines), for both families: the training profile the training step stored in
metadata.json (class prior, text length bins), the word tokenizer and vocabulary the monitor
counts with (`word_view`: tfidf's own; for a transformer, whole words of the encoder's
tokenizer), and, on the test split, the
out-of-vocabulary rate, the predicted-class distribution and the prediction confidence.
`monitoring/drift.py` computes the same figures over captured traffic.

The model's family (metadata.json) decides how it is loaded: TF-IDF (joblib, our training
image) or a fine-tuned transformer (Hugging Face, run in the Hugging Face image); both
families write the same evaluation.json.

`model_artifact` records the SHA-256 of the model.tar.gz evaluated here and a digest of the
files in it (sha256 over sorted `path NUL sha256(file)` lines, as `inference.integrity`
computes it); the Register step copies both into the model package, and every load checks them.

SageMaker uploads a processing script alone, so the shared reader (`csvrows.py`) comes in
through the step's `lib` input; `csvrows()` finds it there or beside this file.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import re
import sys
import tarfile
from pathlib import Path

TEXT_COLUMN = "transcription"
LABEL_COLUMN = "medical_specialty"


def opt_ml() -> Path:
    return Path(os.environ.get("OPT_ML_ROOT", "/opt/ml"))


WORD_PATTERN = r"(?u)\b\w\w+\b"  # as train_transformer.py counts words for the transformer family
CONFIDENCE_EDGES = [round(0.1 * i, 1) for i in range(1, 10)]
BASELINE_SCHEMA = "aws-promote-code/drift-baseline/1"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def content_sha256(root: Path) -> str:
    """Digest of a directory tree (the same definition as inference.integrity.content_sha256)."""
    lines = []
    for path in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix()):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            lines.append(f"{relative}\0link:{os.readlink(path)}\n")
        elif path.is_file():
            lines.append(f"{relative}\0{file_sha256(path)}\n")
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def load_model(model_dir: Path):
    """(model, {"sha256": archive digest, "content_sha256": digest of its files}).

    The model has `classes_` and `predict_proba(texts)`. metadata.json names its family: `tfidf`
    (model.joblib; older artifacts have no family) or `transformer` (a saved Hugging Face model;
    this step then runs in the Hugging Face image). The digests cover either family's files.
    """
    archive = model_dir / "model.tar.gz"
    extract_dir = model_dir / "extracted"
    with tarfile.open(archive) as tar:
        tar.extractall(extract_dir, filter="data")
    digests = {"sha256": file_sha256(archive), "content_sha256": content_sha256(extract_dir)}
    metadata_path = extract_dir / "metadata.json"
    metadata = json.loads(metadata_path.read_text()) if metadata_path.exists() else {}
    family = metadata.get("family", "tfidf")
    if family == "transformer":
        return TransformerModel(extract_dir, metadata), digests
    if family != "tfidf":
        raise SystemExit(f"evaluate: model family '{family}' is unknown; expected tfidf or transformer")
    if metadata.get("serialization") == "pickle":  # the C unpickler; the files were checked above
        import pickle

        with (extract_dir / "model.joblib").open("rb") as handle:
            return pickle.load(handle), digests  # noqa: S301 - the step's own artifact
    import joblib

    return joblib.load(extract_dir / "model.joblib"), digests


def csvrows():
    """The shared CSV reader: beside this file (training sourcedir, tests) or the processing `lib` input."""
    for directory in (Path(__file__).resolve().parent, opt_ml() / "processing" / "lib"):
        if (directory / "csvrows.py").is_file() and str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
    return importlib.import_module("csvrows")


def load_metadata(model_dir: Path) -> dict:
    path = model_dir / "extracted" / "metadata.json"
    return json.loads(path.read_text()) if path.exists() else {}


def share(values: list[float], edges: list[float]) -> list[float]:
    """Share of `values` in each bin: (-inf, e0], (e0, e1], ..., (e_last, inf)."""
    from bisect import bisect_left

    counts = [0] * (len(edges) + 1)
    for value in values:
        counts[bisect_left(edges, value)] += 1
    return [round(count / max(len(values), 1), 6) for count in counts]


def word_view(model) -> tuple[str, bool, list[str]]:
    """(token pattern, lowercase, vocabulary) the drift monitor counts words with, per family.

    tfidf: the vectorizer's own tokenizer and unigram vocabulary. transformer: words as
    train_transformer.py profiles them (WORD_PATTERN, lower-cased) and, as vocabulary, the
    encoder tokenizer's whole-word entries, so the out-of-vocabulary rate is the share of words
    the encoder has to split into sub-word pieces (new jargon, another language, garbage).
    """
    if hasattr(model, "named_steps"):
        vectorizer = model.named_steps["tfidf"]
        terms = (term for term in vectorizer.vocabulary_ if " " not in term)
        return vectorizer.token_pattern, bool(vectorizer.lowercase), sorted(terms)
    word = re.compile(WORD_PATTERN)
    entries = {entry.removeprefix("\u2581").removeprefix("\u0120").lower() for entry in model.tokenizer.get_vocab()}
    return WORD_PATTERN, True, sorted(entry for entry in entries if word.fullmatch(entry))  # "##ing" is no word


def most_likely(model, probabilities) -> list[str]:
    """The predicted class of each row of `probabilities` (columns in `model.classes_` order):
    its most probable one, which is what `predict` returns for both families."""
    classes = [str(label) for label in model.classes_]
    return [classes[max(range(len(row)), key=row.__getitem__)] for row in probabilities]


def baseline(model, texts: list[str], training: dict, probabilities=None) -> dict:
    """The drift baseline: training profile + tokenizer, vocabulary and test-split predictions
    (`probabilities`: the model's on `texts`, when already computed)."""
    token_pattern, lowercase, vocabulary = word_view(model)
    pattern = re.compile(token_pattern)
    known = set(vocabulary)
    tokens = [token for text in texts for token in pattern.findall(text.lower() if lowercase else text)]
    probabilities = model.predict_proba(texts) if probabilities is None else probabilities
    classes = [str(label) for label in model.classes_]
    predicted = most_likely(model, probabilities)
    confidence = [float(max(row)) for row in probabilities]
    return {
        "schema": BASELINE_SCHEMA,
        "training": training,
        "tokenizer": {"token_pattern": token_pattern, "lowercase": lowercase},
        "vocabulary": vocabulary,
        "test": {
            "rows": len(texts),
            "oov_rate": round(sum(token not in known for token in tokens) / max(len(tokens), 1), 6),
            "predicted_class_distribution": {
                label: round(predicted.count(label) / len(predicted), 6) for label in classes
            },
            "confidence_edges": CONFIDENCE_EDGES,
            "confidence_distribution": share(confidence, CONFIDENCE_EDGES),
            "mean_confidence": round(sum(confidence) / len(confidence), 6),
        },
    }


class TransformerModel:
    """A fine-tuned sequence classifier (saved by train_transformer.py) behind `predict_proba`."""

    def __init__(self, directory: Path, metadata: dict):
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(directory)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            directory, use_safetensors=True, trust_remote_code=False
        ).eval()
        self.classes_ = [str(label) for label in metadata["labels"]]
        self.max_length = int(metadata.get("max_length", 256))

    def predict_proba(self, texts: list[str], batch_size: int = 32) -> list[list[float]]:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"  # Evaluate runs on a CPU by default
        self.model.to(device)
        rows: list[list[float]] = []
        with torch.no_grad():
            for start in range(0, len(texts), batch_size):
                batch = self.tokenizer(
                    texts[start : start + batch_size],
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                ).to(device)
                rows += torch.softmax(self.model(**batch).logits.float(), dim=-1).tolist()
        return rows


def read_channel(directory: Path) -> tuple[list[str], list[str]]:
    return csvrows().read_channel(directory, TEXT_COLUMN, LABEL_COLUMN)


def metric(value: float) -> dict:
    return {"value": round(float(value), 6), "standard_deviation": "NaN"}


def report(y_true: list[str], y_pred: list[str], labels: list[str]) -> dict:
    """The evaluation report (model-quality layout + per-class report + confusion matrix)."""
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    per_class = classification_report(y_true, y_pred, labels=labels, output_dict=True, zero_division=0)
    return {
        "multiclass_classification_metrics": {
            "accuracy": metric(accuracy_score(y_true, y_pred)),
            "macro_f1": metric(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
            "weighted_f1": metric(f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)),
            "confusion_matrix": {
                actual: {predicted: int(matrix[i][j]) for j, predicted in enumerate(labels)}
                for i, actual in enumerate(labels)
            },
        },
        "classification_report": {
            label: {key: round(float(value), 6) for key, value in per_class[label].items()} for label in labels
        },
        "labels": labels,
        "test_rows": len(y_true),
    }


def split_s3_uri(uri: str) -> tuple[str, str]:
    """'s3://bucket/key' -> ('bucket', 'key'). This script runs alone in its container, so it keeps
    its own copy of awsenv.s3uri.split_s3_uri(need_key=True); tests/test_s3uri.py holds them equal."""
    bucket, _, key = uri.removeprefix("s3://").partition("/") if uri.startswith("s3://") else ("", "", "")
    if not bucket or not key:
        raise ValueError(f"S3 URI: '{uri}' is not s3://<bucket>/<key>")
    return bucket, key


def champion(group: str) -> dict:
    """Accuracy of the newest Approved package in `group` ({"accuracy": 0.0} when none)."""
    import boto3
    from botocore.exceptions import ClientError

    sagemaker = boto3.client("sagemaker")
    try:
        packages = sagemaker.list_model_packages(
            ModelPackageGroupName=group,
            ModelApprovalStatus="Approved",
            SortBy="CreationTime",
            SortOrder="Descending",
            MaxResults=1,
        )["ModelPackageSummaryList"]
    except ClientError as error:
        if "does not exist" in str(error) or error.response["Error"]["Code"] == "ResourceNotFound":
            packages = []  # no group yet: no champion
        else:
            raise
    if not packages:
        return {"model_package_arn": None, "accuracy": 0.0}
    arn = packages[0]["ModelPackageArn"]
    described = sagemaker.describe_model_package(ModelPackageName=arn)
    uri = described.get("ModelMetrics", {}).get("ModelQuality", {}).get("Statistics", {}).get("S3Uri")
    if not uri:
        print(f"evaluate: champion {arn} has no model-quality metrics; treating its accuracy as 0.0")
        return {"model_package_arn": arn, "accuracy": 0.0}
    bucket, key = split_s3_uri(uri)
    body = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    accuracy = float(body["multiclass_classification_metrics"]["accuracy"]["value"])
    return {"model_package_arn": arn, "accuracy": accuracy}


def dataset_info(test_dir: Path) -> dict:
    """{"dataset_id", "uri"} that Preprocess wrote beside the test channel ("unknown" when absent)."""
    path = test_dir / "dataset.json"
    info = json.loads(path.read_text()) if path.is_file() else {}
    return {"dataset_id": info.get("dataset_id") or "unknown", "uri": info.get("uri")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-package-group", default="", help="registry group holding the champion")
    args = parser.parse_args(argv)
    root = opt_ml() / "processing"
    model, digests = load_model(root / "model")
    texts, labels = read_channel(root / "test")
    if not texts:
        raise SystemExit(f"evaluate: no test rows in {root / 'test'}")
    classes = sorted(set(labels) | {str(c) for c in model.classes_})
    # one pass of the model over the test split serves the report and the baseline
    probabilities = model.predict_proba(texts)
    result = report(labels, most_likely(model, probabilities), classes)
    result["model_artifact"] = digests
    result["champion"] = champion(args.model_package_group) if args.model_package_group else {"accuracy": 0.0}
    result["dataset"] = dataset_info(root / "test")
    out = root / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    training = load_metadata(root / "model").get("training_profile", {})
    drift_baseline = baseline(model, texts, training, probabilities)
    (out / "baseline.json").write_text(json.dumps(drift_baseline, sort_keys=True) + "\n")
    metrics = result["multiclass_classification_metrics"]
    print(
        f"evaluate: accuracy={metrics['accuracy']['value']} macro_f1={metrics['macro_f1']['value']} "
        f"champion_accuracy={result['champion']['accuracy']} dataset={result['dataset']['dataset_id']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
