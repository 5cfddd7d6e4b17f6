"""Artifact digests: the Evaluate step and the loaders agree on them, and a mismatch is one line
naming the package version and both digests."""

from __future__ import annotations

import importlib.util
import shutil
import tarfile
from pathlib import Path

import pytest

from inference.integrity import (
    ARCHIVE_KEY,
    CONTENT_KEY,
    IntegrityError,
    content_sha256,
    file_sha256,
    verify_archive,
    verify_model_dir,
)
from training_pipeline.pipeline import ARTIFACT_DIGEST_PATHS

STEPS = Path(__file__).resolve().parents[2] / "training_pipeline" / "steps"


def evaluate_step():
    spec = importlib.util.spec_from_file_location("evaluate_step", STEPS / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_evaluate_step_computes_the_digests_the_loaders_check(tiny_archive, tmp_path):
    step = evaluate_step()
    with tarfile.open(tiny_archive) as tar:
        tar.extractall(tmp_path, filter="data")
    assert step.content_sha256(tmp_path) == content_sha256(tmp_path)
    assert step.file_sha256(tiny_archive) == file_sha256(tiny_archive)
    assert set(ARTIFACT_DIGEST_PATHS) == {ARCHIVE_KEY, CONTENT_KEY}


def test_content_digest_changes_with_any_file_or_name(tiny_model_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    original = content_sha256(copy)
    (copy / "extra.txt").write_text("x")
    assert content_sha256(copy) != original
    (copy / "extra.txt").unlink()
    assert content_sha256(copy) == original
    (copy / "metadata.json").rename(copy / "renamed.json")
    assert content_sha256(copy) != original


def test_mismatch_and_missing_digest_are_refused_in_one_line(tiny_archive, tiny_model_dir):
    with pytest.raises(IntegrityError) as caught:
        verify_archive(tiny_archive, "0" * 64, version=7)
    message = str(caught.value)
    assert "\n" not in message and "version 7" in message
    assert "0" * 64 in message and file_sha256(tiny_archive) in message
    with pytest.raises(IntegrityError, match="no registered checksum"):
        verify_archive(tiny_archive, None, version=7)
    with pytest.raises(IntegrityError, match="checksum mismatch"):
        verify_model_dir(tiny_model_dir, "f" * 64, version=7)
    verify_archive(tiny_archive, file_sha256(tiny_archive))
