"""Pass 2: write a planned dataset version to a directory, named by its content.

`prepare(csv, directory)` runs both passes and leaves in `directory`

    train/data.csv  test/data.csv  validation/data.csv   (columns transcription,medical_specialty)
    manifest.json   (dataset id, SHA-256 and size of every file, classes, rows, duplicates)

The dataset id is a hash of the three files' SHA-256 digests: same data -> same id, whatever
the source file was called. Files are streamed row by row; memory does not grow with them.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from training_pipeline.dataset import (
    DROPPED,
    LABEL_COLUMN,
    SEED,
    SPLITS,
    TEXT_COLUMN,
    Plan,
    Scan,
    fail,
    plan,
    scan,
    text_digest,
)
from training_pipeline.steps.csvrows import CsvError, records

MANIFEST = "manifest.json"


class _HashingFile:
    """A text sink for csv.writer that writes UTF-8 and keeps SHA-256, size and row count."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("wb")
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.sha256.update(data)
        self.size += len(data)
        self.handle.write(data)


def write_splits(source: Path, text_column: str, scanned: Scan, decided: Plan, directory: Path) -> dict:
    """Stream `source` again and write each kept row to its split; return {key: file facts}.

    Every row's digest is checked against pass 1, so a file that changed in between is refused.
    """
    sinks = {name: _HashingFile(directory / name / "data.csv") for name in SPLITS}
    writers = {name: csv.writer(sink, lineterminator="\n") for name, sink in sinks.items()}
    for writer in writers.values():
        writer.writerow((TEXT_COLUMN, LABEL_COLUMN))
    rows = dict.fromkeys(SPLITS, 0)
    index = 0
    try:
        for _, text, label in records(source, text_column, scanned.label_column):
            if not text:
                continue
            if index >= scanned.rows or text_digest(text) != scanned.digests[16 * index : 16 * index + 16]:
                raise fail(source, "the file changed while it was read; upload it again")
            split = decided.assignment[index]
            index += 1
            if split == DROPPED:
                continue
            name = SPLITS[split]
            writers[name].writerow((text, label))
            rows[name] += 1
    except CsvError as error:
        raise fail(source, str(error)) from None
    finally:
        for sink in sinks.values():
            sink.handle.close()
    if index != scanned.rows or rows != decided.rows:
        raise fail(source, "the file changed while it was read; upload it again")
    return {
        f"{name}/data.csv": {"sha256": sink.sha256.hexdigest(), "bytes": sink.size, "rows": rows[name]}
        for name, sink in sinks.items()
    }


def dataset_id(files: dict) -> str:
    """16 hex characters naming the content of the split files."""
    digest = hashlib.sha256()
    for key in sorted(files):
        digest.update(key.encode() + b"\0" + bytes.fromhex(files[key]["sha256"]))
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Prepared:
    dataset_id: str
    directory: Path
    manifest: dict

    def object_keys(self) -> list[str]:
        """Object keys relative to the version prefix, manifest last (it marks completeness)."""
        return [*sorted(self.manifest["files"]), MANIFEST]


def prepare(
    source: Path | str, directory: Path | str, text_column: str = TEXT_COLUMN, label_column: str = LABEL_COLUMN
) -> Prepared:
    """Validate, de-duplicate, split and write `source` into `directory`; raises DataError."""
    source, directory = Path(source), Path(directory)
    scanned = scan(source, text_column, label_column)
    decided = plan(scanned)
    files = write_splits(source, text_column, scanned, decided, directory)
    identifier = dataset_id(files)
    manifest = {
        "dataset_id": identifier,
        "files": files,
        "text_column": text_column,
        "label_column": label_column,
        "classes": decided.classes,
        "rows": decided.rows,
        "dropped_empty_texts": scanned.dropped_empty,
        "duplicates_dropped": decided.duplicates_dropped,
        "duplicate_label_conflicts": decided.duplicate_label_conflicts,
        "seed": SEED,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return Prepared(identifier, directory, manifest)
