"""The shipped sample dataset: synthetic, in the mtsamples schema, byte-identical to its generator."""

from __future__ import annotations

import csv
import importlib.util
from collections import Counter

from training_pipeline.dataset import SAMPLE_CSV


def _generator(repo_root):
    spec = importlib.util.spec_from_file_location(
        "generate_sample_data", repo_root / "scripts" / "generate_sample_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_sample_is_byte_identical_to_the_generator(repo_root):
    assert _generator(repo_root).generate().encode("utf-8") == SAMPLE_CSV.read_bytes()


def test_sample_has_the_mtsamples_columns_and_is_labelled_synthetic():
    with SAMPLE_CSV.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames == ["description", "medical_specialty", "sample_name", "transcription", "keywords"]
    assert len(rows) >= 1000
    assert len(Counter(row["medical_specialty"] for row in rows)) >= 5
    assert all(row["description"].startswith("SYNTHETIC sample") for row in rows)
    assert SAMPLE_CSV.stat().st_size < 2_000_000
    assert "SYNTHETIC" in (SAMPLE_CSV.parent / "README.md").read_text()
