"""Read, validate, de-duplicate and split a CSV in two streaming passes (no AWS).

Pass 1 (`scan`) reads the file once with the shared reader (`steps/csvrows.py`) and keeps,
per row, only a 16-byte digest of its text and a class code: memory grows by ~20 bytes a
row, never by the texts. `plan` then drops exact-duplicate texts (the first occurrence
stays, so no text can land in two splits), checks the classes and assigns every kept row to
train/test/validation: per class, rows ordered by their digest (salted with the seed), the
first 15 % test, the next 15 % validation, the rest train. That order depends only on the
texts, so the split is byte-stable and independent of row order. Pass 2 (`dataset_files`)
writes the three CSVs.

Every problem raises `DataError`: one line, the file name, the true line number.
"""

from __future__ import annotations

import hashlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from awsenv.errors import UserError
from training_pipeline.steps.csvrows import CsvError, clip, one_line, records, summarise

TEXT_COLUMN = "transcription"
LABEL_COLUMN = "medical_specialty"
SPLITS = ("train", "test", "validation")
FRACTIONS = {"test": 0.15, "validation": 0.15}  # train gets the rest (70 %)
SEED = 42
MIN_ROWS_PER_CLASS = 3  # one row per class in each of the three splits
MAX_CLASSES = 10_000
DROPPED = 255  # split code of a duplicate row
SAMPLE_CSV = Path(__file__).resolve().parent / "data" / "sample_mtsamples.csv"


class DataError(UserError):
    """A problem with the input CSV; the message is one line naming file, line or column."""


def text_digest(text: str) -> bytes:
    """16-byte digest of a normalised text, salted with the split seed."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16, salt=SEED.to_bytes(16, "big")).digest()


@dataclass
class Scan:
    """What pass 1 keeps: per non-empty row a digest and a class code; plus counts."""

    path: Path
    label_column: str
    labels: dict[str, int] = field(default_factory=dict)  # label -> class code
    digests: bytearray = field(default_factory=bytearray)
    codes: array = field(default_factory=lambda: array("I"))
    dropped_empty: int = 0

    @property
    def rows(self) -> int:
        return len(self.codes)


def fail(path: Path, message: str) -> DataError:
    return DataError(one_line(f"{path.name}: {message}"))


def scan(path: Path | str, text_column: str = TEXT_COLUMN, label_column: str = LABEL_COLUMN) -> Scan:
    """Pass 1: validate every row and keep digests + class codes."""
    path = Path(path)
    if not path.is_file():
        raise DataError(one_line(f"{path}: file not found; pass --csv with the path of a CSV in the mtsamples schema"))
    result = Scan(path, label_column)
    try:
        for line, text, label in records(path, text_column, label_column):
            if not text:
                result.dropped_empty += 1
                continue
            if not label:
                raise fail(path, f"line {line}: empty {clip(label_column)}; fill it or remove the row")
            code = result.labels.setdefault(label, len(result.labels))
            if code >= MAX_CLASSES:
                raise fail(
                    path,
                    f"column {clip(label_column)} has more than {MAX_CLASSES:,} distinct values (line {line}); "
                    "is it the label? name the right one with --label-column",
                )
            result.digests += text_digest(text)
            result.codes.append(code)
    except CsvError as error:
        raise fail(path, str(error)) from None
    return result


@dataclass(frozen=True)
class Plan:
    """Pass-1 decisions: split code per row (0 train, 1 test, 2 validation, 255 duplicate)."""

    assignment: bytes
    classes: dict[str, int]  # kept rows per class, sorted by label
    rows: dict[str, int]  # rows per split
    duplicates_dropped: int
    duplicate_label_conflicts: int  # duplicates whose label differs from the kept row's


def _check_classes(path: Path, label_column: str, counts: dict[str, int]) -> None:
    if len(counts) < 2:
        found = f"only {clip(next(iter(counts)))}" if counts else "no rows with a text"
        raise fail(
            path,
            f"column {clip(label_column)} has {len(counts)} class ({found}); a classifier needs at least 2 classes",
        )
    small = [label for label, count in counts.items() if count < MIN_ROWS_PER_CLASS]
    if small:
        which = clip(small[0]) + f" ({counts[small[0]]})" if len(small) == 1 else summarise(small, "classes")
        raise fail(
            path,
            f"column {clip(label_column)}: {which} with fewer than {MIN_ROWS_PER_CLASS} distinct texts, too few "
            "for a stratified 70/15/15 split; add rows or remove the class",
        )


def plan(result: Scan) -> Plan:
    """Drop duplicate texts, check the classes, assign the stratified split (numpy, vectorised)."""
    import numpy as np

    n = result.rows
    digests = np.frombuffer(bytes(result.digests), dtype="S16") if n else np.array([], dtype="S16")
    codes = np.frombuffer(result.codes.tobytes(), dtype=np.uint32) if n else np.array([], dtype=np.uint32)
    _, first, inverse = np.unique(digests, return_index=True, return_inverse=True)
    keep = np.zeros(n, dtype=bool)
    keep[first] = True
    conflicts = int(np.count_nonzero(codes != codes[first][inverse.reshape(-1)])) if n else 0
    names = sorted(result.labels, key=result.labels.__getitem__)
    per_code = np.bincount(codes[keep], minlength=len(names))
    counts = {label: int(per_code[code]) for code, label in sorted(enumerate(names), key=lambda item: item[1])}
    _check_classes(result.path, result.label_column, counts)

    rank = np.frombuffer(bytes(result.digests), dtype=">u8")[::2] if n else np.array([], dtype=">u8")
    kept = np.flatnonzero(keep)
    order = kept[np.lexsort((kept, rank[kept], codes[kept]))]
    assignment = np.full(n, DROPPED, dtype=np.uint8)
    start = 0
    for code in range(len(names)):  # `order` is grouped by class code
        size = int(per_code[code])
        n_test = max(1, round(size * FRACTIONS["test"]))
        n_val = max(1, round(size * FRACTIONS["validation"]))
        block = order[start : start + size]
        assignment[block[:n_test]] = 1
        assignment[block[n_test : n_test + n_val]] = 2
        assignment[block[n_test + n_val :]] = 0
        start += size
    sizes = np.bincount(assignment[keep], minlength=3)
    return Plan(
        assignment=assignment.tobytes(),
        classes=counts,
        rows={name: int(sizes[index]) for index, name in enumerate(SPLITS)},
        duplicates_dropped=int(n - len(kept)),
        duplicate_label_conflicts=conflicts,
    )
