"""Processing step 1: resolve the dataset once, verify it, and clean the three channels.

SageMaker processing contract (paths under OPT_ML_ROOT, default /opt/ml):
    input   /opt/ml/processing/input/   (InputDataUri) either
              - current.json: the pointer `invoke data.upload` writes (the default and what the
                retraining schedule passes): the version it names is downloaded here, once
                per execution, so later steps all see the same dataset; or
              - one dataset version: manifest.json + {train,test,validation}/data.csv
            /opt/ml/processing/lib/csvrows.py   (the shared CSV reader)
    output  /opt/ml/processing/output/{train,test,validation}/data.csv
            /opt/ml/processing/output/test/dataset.json   ({"dataset_id", "uri"}: what the run used)

Every file is checked against the manifest's SHA-256 before it is read (a downloaded
version as it streams in: one GET per object, no second read). Whitespace is
normalised, empty texts dropped, and test/validation rows whose label never occurs in train
are dropped (the model could not predict them), each with a log line.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import json
import os
import sys
from pathlib import Path, PurePosixPath

TEXT_COLUMN = "transcription"
LABEL_COLUMN = "medical_specialty"
SPLITS = ("train", "test", "validation")
MANIFEST = "manifest.json"
CHUNK = 1 << 20


def opt_ml() -> Path:
    return Path(os.environ.get("OPT_ML_ROOT", "/opt/ml"))


def csvrows():
    """The shared reader: beside this file (training, tests) or the processing `lib` input."""
    for directory in (Path(__file__).resolve().parent, opt_ml() / "processing" / "lib"):
        if (directory / "csvrows.py").is_file() and str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
    return importlib.import_module("csvrows")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(s3, bucket: str, key: str, path: Path) -> str:
    """Stream s3://bucket/key to `path` (one GET, chunk by chunk); its SHA-256."""
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in ("NoSuchKey", "404", "NotFound"):
            raise
        raise SystemExit(f"preprocess: s3://{bucket}/{key} is missing; upload the data again") from None
    digest = hashlib.sha256()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for chunk in body.iter_chunks(CHUNK):
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def download_version(pointer: dict, directory: Path) -> Path:
    """Download the version a pointer names (manifest first, then its files) into `directory`,
    checking each file's SHA-256 against the manifest as it arrives."""
    import botocore.session  # boto3's own core: the same credentials, region and endpoint, less to import

    bucket, _, prefix = pointer["uri"].removeprefix("s3://").partition("/")
    s3 = botocore.session.get_session().create_client("s3")
    if fetch(s3, bucket, prefix + MANIFEST, directory / MANIFEST) != pointer["manifest_sha256"]:
        raise SystemExit(f"preprocess: {pointer['uri']}{MANIFEST} does not match the pointer; upload the data again")
    for key, facts in json.loads((directory / MANIFEST).read_text())["files"].items():
        if key.startswith("/") or ".." in PurePosixPath(key).parts:
            raise SystemExit(f"preprocess: manifest.json names {key!r}, outside the dataset; upload the data again")
        if fetch(s3, bucket, prefix + key, directory / key) != facts["sha256"]:
            raise SystemExit(f"preprocess: {key} does not match manifest.json; upload the data again")
    return directory


def resolve(source: Path, workdir: Path) -> tuple[Path, dict]:
    """(directory holding the verified splits, {"dataset_id", "uri"}) for what InputDataUri named."""
    pointers = [p for p in sorted(source.glob("*.json")) if p.name != MANIFEST]
    if pointers:
        pointer = json.loads(pointers[0].read_text())
        if not {"dataset_id", "uri", "manifest_sha256"} <= set(pointer):
            raise SystemExit(
                f"preprocess: {pointers[0].name} is not a dataset pointer; upload with `invoke data.upload`"
            )
        print(f"preprocess: {pointers[0].name} -> dataset {pointer['dataset_id']} ({pointer['uri']})")
        directory = download_version(pointer, workdir)
        return directory, {"dataset_id": pointer["dataset_id"], "uri": pointer["uri"]}
    verify(source)
    if (source / MANIFEST).is_file():
        return source, {"dataset_id": json.loads((source / MANIFEST).read_text())["dataset_id"], "uri": None}
    return source, {"dataset_id": None, "uri": None}


def verify(directory: Path) -> None:
    """Every file of the manifest has its SHA-256 (a damaged or mixed dataset stops the run)."""
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        print("preprocess: no manifest.json; the data is not verified")
        return
    for key, facts in json.loads(manifest_path.read_text())["files"].items():
        path = directory / key
        if not path.is_file() or sha256(path) != facts["sha256"]:
            raise SystemExit(f"preprocess: {key} is missing or does not match manifest.json; upload the data again")


def read_channel(directory: Path) -> list[tuple[str, str]]:
    reader = csvrows()
    if not sorted(directory.glob("**/*.csv")):
        raise SystemExit(f"preprocess: no CSV file in {directory}; upload data with `invoke data.upload`")
    try:
        texts, labels = reader.read_channel(directory, TEXT_COLUMN, LABEL_COLUMN)
    except reader.CsvError as error:
        raise SystemExit(f"preprocess: {directory.name}/{error}") from None
    return list(zip(texts, labels, strict=True))


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
    directory, dataset = resolve(root / "input", root / "dataset")
    splits = {name: read_channel(directory / name) for name in SPLITS}
    cleaned, log = clean(splits)
    for line in log:
        print(f"preprocess: {line}")
    if len({label for _, label in cleaned["train"]}) < 2:
        raise SystemExit("preprocess: train has fewer than 2 classes; upload a dataset with at least 2")
    for name, rows in cleaned.items():
        write_channel(root / "output" / name, rows)
        print(f"preprocess: {name}: {len(rows)} rows")
    (root / "output" / "test" / "dataset.json").write_text(json.dumps(dataset, sort_keys=True) + "\n")
    print(f"preprocess: dataset {dataset['dataset_id']}")


if __name__ == "__main__":
    sys.exit(main())
