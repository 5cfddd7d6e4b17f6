"""Processing step: evaluate the trained model on the test channel and compare with the champion.

SageMaker processing contract (paths under OPT_ML_ROOT, default /opt/ml):
    input   /opt/ml/processing/model/model.tar.gz     (the Train step's artifact)
            /opt/ml/processing/test/*.csv
    output  /opt/ml/processing/evaluation/evaluation.json

evaluation.json uses SageMaker's model-quality layout (`multiclass_classification_metrics`
with accuracy, macro_f1, weighted_f1, confusion_matrix) so the registry shows it, plus a
per-class report and `champion`: the accuracy of the newest Approved package in the
`--model-package-group` (0.0 when there is none). Looking the champion up here, inside the
run, means the pipeline's condition also knows it for scheduled runs.

The model's family (metadata.json) decides how it is loaded: TF-IDF (joblib, our training
image) or a fine-tuned transformer (Hugging Face, run in the Hugging Face image).

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


def load_model(model_dir: Path):
    """The model in model.tar.gz: something with `classes_` and `predict(texts)`, by its family.

    metadata.json names the family: `tfidf` (model.joblib; older artifacts have no family) or
    `transformer` (a saved Hugging Face model; this step then runs in the Hugging Face image).
    """
    archive = model_dir / "model.tar.gz"
    extract_dir = model_dir / "extracted"
    with tarfile.open(archive) as tar:
        tar.extractall(extract_dir, filter="data")
    metadata_path = extract_dir / "metadata.json"
    metadata = json.loads(metadata_path.read_text()) if metadata_path.exists() else {}
    family = metadata.get("family", "tfidf")
    if family == "transformer":
        return TransformerModel(extract_dir, metadata)
    if family != "tfidf":
        raise SystemExit(f"evaluate: model family '{family}' is unknown; expected tfidf or transformer")
    import joblib

    return joblib.load(extract_dir / "model.joblib")


class TransformerModel:
    """A fine-tuned sequence classifier (saved by train_transformer.py) behind `predict`."""

    def __init__(self, directory: Path, metadata: dict):
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(directory)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            directory, use_safetensors=True, trust_remote_code=False
        ).eval()
        self.classes_ = [str(label) for label in metadata["labels"]]
        self.max_length = int(metadata.get("max_length", 256))

    def predict(self, texts: list[str], batch_size: int = 32) -> list[str]:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model.to(device)
        predicted: list[str] = []
        with torch.no_grad():
            for start in range(0, len(texts), batch_size):
                batch = self.tokenizer(
                    texts[start : start + batch_size],
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                ).to(device)
                predicted += [self.classes_[i] for i in self.model(**batch).logits.argmax(dim=-1).tolist()]
        return predicted


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
    metrics = result["multiclass_classification_metrics"]
    print(
        f"evaluate: accuracy={metrics['accuracy']['value']} macro_f1={metrics['macro_f1']['value']} "
        f"champion_accuracy={result['champion']['accuracy']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
