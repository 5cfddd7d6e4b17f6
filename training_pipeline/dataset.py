"""Read, validate and split a CSV in the mtsamples schema (pure functions, no AWS).

`load_examples` returns (text, label) pairs from any CSV whose text and label columns are
named (default `transcription` / `medical_specialty`; other columns are ignored), dropping
rows with an empty text. Every problem raises `DataError` with one line naming the file and
the row or column. `split` makes the deterministic stratified 70/15/15 train/test/validation
split; `render` turns it into CSV bytes with the contract's column names, and `content_hash`
names the result.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from awsenv.errors import UserError

TEXT_COLUMN = "transcription"
LABEL_COLUMN = "medical_specialty"
SPLITS = ("train", "test", "validation")
FRACTIONS = {"test": 0.15, "validation": 0.15}  # train gets the rest (70 %)
SEED = 42
MIN_ROWS_PER_CLASS = 3  # one row per class in each of the three splits
SAMPLE_CSV = Path(__file__).resolve().parent / "data" / "sample_mtsamples.csv"


class DataError(UserError):
    """A problem with the input CSV; the message is one line naming file, row or column."""


@dataclass(frozen=True)
class Examples:
    texts: list[str]
    labels: list[str]
    dropped_empty: int

    @property
    def class_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(self.labels).items()))


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise DataError(f"{path}: file not found; pass --csv with the path of a CSV in the mtsamples schema")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(
            f"{path}: not UTF-8 (invalid byte 0x{raw[error.start]:02x} at line {line}); save the file as UTF-8"
        ) from None


def load_examples(path: Path | str, text_column: str = TEXT_COLUMN, label_column: str = LABEL_COLUMN) -> Examples:
    """(text, label) pairs of `path`; empty texts dropped; raises DataError on any problem."""
    path = Path(path)
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    header = reader.fieldnames or []
    if not header:
        raise DataError(f"{path}: empty file, no header row; the first line must name the columns")
    for column, flag in ((text_column, "--text-column"), (label_column, "--label-column")):
        if column not in header:
            found = ", ".join(h for h in header if h) or "none"
            raise DataError(f"{path}: column '{column}' is missing (found: {found}); name the right one with {flag}")
    texts, labels, dropped = [], [], 0
    try:
        for row_number, row in enumerate(reader, start=1):
            text = " ".join((row.get(text_column) or "").split())
            label = (row.get(label_column) or "").strip()
            if not text:
                dropped += 1
                continue
            if not label:
                raise DataError(
                    f"{path}: row {row_number} (line {reader.line_num}) has an empty '{label_column}'; fill it or remove the row"
                )
            texts.append(text)
            labels.append(label)
    except csv.Error as error:
        raise DataError(f"{path}: line {reader.line_num}: malformed CSV ({error}); fix the quoting") from None
    examples = Examples(texts, labels, dropped)
    _check_classes(path, examples, label_column)
    return examples


def _check_classes(path: Path, examples: Examples, label_column: str) -> None:
    counts = examples.class_counts
    if len(counts) < 2:
        found = f"only '{next(iter(counts))}'" if counts else "no rows with a text"
        raise DataError(
            f"{path}: column '{label_column}' has {len(counts)} class ({found}); a classifier needs at least 2 classes"
        )
    small = [f"'{label}' ({count})" for label, count in counts.items() if count < MIN_ROWS_PER_CLASS]
    if small:
        raise DataError(
            f"{path}: column '{label_column}': class {', '.join(small)} has fewer than {MIN_ROWS_PER_CLASS} rows, "
            "too few for a stratified 70/15/15 split; add rows or remove the class"
        )


def split(examples: Examples, seed: int = SEED) -> dict[str, list[tuple[str, str]]]:
    """Deterministic stratified split: per class, shuffle with `seed`, then 15 % test, 15 % validation."""
    by_class: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(examples.labels):
        by_class[label].append(index)
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not security
    chosen: dict[str, list[int]] = {name: [] for name in SPLITS}
    for label in sorted(by_class):
        indices = by_class[label]
        rng.shuffle(indices)
        n_test = max(1, round(len(indices) * FRACTIONS["test"]))
        n_val = max(1, round(len(indices) * FRACTIONS["validation"]))
        chosen["test"] += indices[:n_test]
        chosen["validation"] += indices[n_test : n_test + n_val]
        chosen["train"] += indices[n_test + n_val :]
    return {
        name: [(examples.texts[i], examples.labels[i]) for i in sorted(indices)] for name, indices in chosen.items()
    }


def render(rows: list[tuple[str, str]]) -> bytes:
    """CSV bytes with the contract's columns (`transcription,medical_specialty`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((TEXT_COLUMN, LABEL_COLUMN))
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def content_hash(files: dict[str, bytes]) -> str:
    """16 hex characters naming the split's content (same data -> same prefix)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:16]


def prepare(path: Path | str, text_column: str = TEXT_COLUMN, label_column: str = LABEL_COLUMN) -> dict:
    """Validate + split + render: {"hash", "files": {key: bytes}, "manifest": {...}}."""
    examples = load_examples(path, text_column, label_column)
    parts = split(examples)
    files = {f"{name}/data.csv": render(rows) for name, rows in parts.items()}
    digest = content_hash(files)
    manifest = {
        "content_hash": digest,
        "source": Path(path).name,
        "text_column": text_column,
        "label_column": label_column,
        "dropped_empty_texts": examples.dropped_empty,
        "rows": {name: len(rows) for name, rows in parts.items()},
        "classes": examples.class_counts,
        "seed": SEED,
    }
    files["manifest.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    return {"hash": digest, "files": files, "manifest": manifest}
