"""Processing step: evaluate the trained model on the test channel and compare with the champion.

SageMaker processing contract (paths under OPT_ML_ROOT, default /opt/ml):
    input   /opt/ml/processing/model/model.tar.gz     (the Train step's artifact)
            /opt/ml/processing/test/*.csv
    output  /opt/ml/processing/evaluation/evaluation.json
            /opt/ml/processing/evaluation/baseline.json

evaluation.json uses SageMaker's model-quality layout (`multiclass_classification_metrics`
with accuracy, macro_f1, weighted_f1, confusion_matrix) so the registry shows it, plus a
per-class report and `champion`: the accuracy of the newest Approved package in the
`--model-package-group` (0.0 when there is none). Looking the champion up here, inside the
run, means the pipeline's condition also knows it for scheduled runs.

baseline.json is the drift monitor's baseline (registered with the model package as its
DriftCheckBaselines): the training profile train.py stored in metadata.json (class prior, text
length bins), the model's tokenizer and unigram vocabulary, and, on the test split, the
out-of-vocabulary rate, the predicted-class distribution and the prediction confidence.
`monitoring/drift.py` computes the same figures over captured traffic.

Each step script is self-contained (SageMaker uploads it alone into its container), so the
few lines it shares with train.py (`read_channel`) stand in both.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tarfile
from pathlib import Path

TEXT_COLUMN = "transcription"
LABEL_COLUMN = "medical_specialty"


def opt_ml() -> Path:
    return Path(os.environ.get("OPT_ML_ROOT", "/opt/ml"))


CONFIDENCE_EDGES = [round(0.1 * i, 1) for i in range(1, 10)]
BASELINE_SCHEMA = "aws-promote-code/drift-baseline/1"


def load_model(model_dir: Path):
    import joblib

    archive = model_dir / "model.tar.gz"
    extract_dir = model_dir / "extracted"
    with tarfile.open(archive) as tar:
        tar.extractall(extract_dir, filter="data")
    return joblib.load(extract_dir / "model.joblib")


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


def baseline(model, texts: list[str], training: dict) -> dict:
    """The drift baseline: training profile + tokenizer, vocabulary and test-split predictions."""
    vectorizer = model.named_steps["tfidf"]
    preprocess, tokenize = vectorizer.build_preprocessor(), vectorizer.build_tokenizer()
    vocabulary = sorted(term for term in vectorizer.vocabulary_ if " " not in term)
    known = set(vocabulary)
    tokens = [token for text in texts for token in tokenize(preprocess(text))]
    probabilities = model.predict_proba(texts)
    classes = [str(label) for label in model.classes_]
    predicted = [classes[max(range(len(row)), key=row.__getitem__)] for row in probabilities]
    confidence = [float(max(row)) for row in probabilities]
    return {
        "schema": BASELINE_SCHEMA,
        "training": training,
        "tokenizer": {"token_pattern": vectorizer.token_pattern, "lowercase": bool(vectorizer.lowercase)},
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


def read_channel(directory: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for path in sorted(directory.glob("**/*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts.append(row[TEXT_COLUMN])
                labels.append(row[LABEL_COLUMN])
    return texts, labels


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
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    body = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    accuracy = float(body["multiclass_classification_metrics"]["accuracy"]["value"])
    return {"model_package_arn": arn, "accuracy": accuracy}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-package-group", default="", help="registry group holding the champion")
    args = parser.parse_args(argv)
    root = opt_ml() / "processing"
    model = load_model(root / "model")
    texts, labels = read_channel(root / "test")
    if not texts:
        raise SystemExit(f"evaluate: no test rows in {root / 'test'}")
    classes = sorted(set(labels) | {str(c) for c in model.classes_})
    result = report(labels, [str(p) for p in model.predict(texts)], classes)
    result["champion"] = champion(args.model_package_group) if args.model_package_group else {"accuracy": 0.0}
    out = root / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    training = load_metadata(root / "model").get("training_profile", {})
    (out / "baseline.json").write_text(json.dumps(baseline(model, texts, training), sort_keys=True) + "\n")
    metrics = result["multiclass_classification_metrics"]
    print(
        f"evaluate: accuracy={metrics['accuracy']['value']} macro_f1={metrics['macro_f1']['value']} "
        f"champion_accuracy={result['champion']['accuracy']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
