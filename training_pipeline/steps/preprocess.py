"""Processing step 1: clean the uploaded train/test/validation channels.

SageMaker processing contract (paths under OPT_ML_ROOT, default /opt/ml):
    input   /opt/ml/processing/input/{train,test,validation}/*.csv   (InputDataUri)
    output  /opt/ml/processing/output/{train,test,validation}/data.csv

Self-contained (standard library only): SageMaker uploads this one file as the step's code.
Whitespace is normalised, empty texts dropped, and test/validation rows whose label never
occurs in train are dropped (the model could not predict them), each with a log line.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

TEXT_COLUMN = "transcription"
LABEL_COLUMN = "medical_specialty"
SPLITS = ("train", "test", "validation")


def opt_ml() -> Path:
    return Path(os.environ.get("OPT_ML_ROOT", "/opt/ml"))


def read_channel(directory: Path) -> list[tuple[str, str]]:
    files = sorted(directory.glob("**/*.csv"))
    if not files:
        raise SystemExit(f"preprocess: no CSV file in {directory}; upload data with `invoke data.upload`")
    rows = []
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                rows.append((" ".join((row.get(TEXT_COLUMN) or "").split()), (row.get(LABEL_COLUMN) or "").strip()))
    return rows


def clean(splits: dict[str, list[tuple[str, str]]]) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """Drop empty texts/labels and labels unknown to train; return cleaned splits and log lines."""
    log = []
    cleaned = {}
    for name, rows in splits.items():
        kept = [(text, label) for text, label in rows if text and label]
        if len(kept) != len(rows):
            log.append(f"{name}: dropped {len(rows) - len(kept)} rows with an empty text or label")
        cleaned[name] = kept
    known = {label for _, label in cleaned["train"]}
    for name in ("test", "validation"):
        kept = [row for row in cleaned[name] if row[1] in known]
        if len(kept) != len(cleaned[name]):
            log.append(f"{name}: dropped {len(cleaned[name]) - len(kept)} rows whose label is not in train")
        cleaned[name] = kept
    return cleaned, log


def write_channel(directory: Path, rows: list[tuple[str, str]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "data.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow((TEXT_COLUMN, LABEL_COLUMN))
        writer.writerows(rows)


def main() -> None:
    root = opt_ml() / "processing"
    splits = {name: read_channel(root / "input" / name) for name in SPLITS}
    cleaned, log = clean(splits)
    for line in log:
        print(f"preprocess: {line}")
    if len({label for _, label in cleaned["train"]}) < 2:
        raise SystemExit("preprocess: train has fewer than 2 classes; upload a dataset with at least 2")
    for name, rows in cleaned.items():
        write_channel(root / "output" / name, rows)
        print(f"preprocess: {name}: {len(rows)} rows")


if __name__ == "__main__":
    sys.exit(main())
