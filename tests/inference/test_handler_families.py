"""model_fn verifies the files before it dispatches on the family: both families' loads are checked."""

from __future__ import annotations

import json
import sys

import pytest

from inference import handler
from inference.integrity import CONTENT_ENV, IntegrityError, content_sha256


@pytest.mark.parametrize("family", ["tfidf", "transformer"])
def test_a_tampered_model_of_either_family_is_refused_before_it_loads(tmp_path, monkeypatch, family):
    (tmp_path / "metadata.json").write_text(json.dumps({"family": family, "labels": ["a", "b"]}))
    (tmp_path / "weights.bin").write_bytes(b"original")
    monkeypatch.setenv(CONTENT_ENV, content_sha256(tmp_path))
    (tmp_path / "weights.bin").write_bytes(b"tampered")
    monkeypatch.delitem(sys.modules, "inference.transformer_model", raising=False)
    with pytest.raises(IntegrityError, match="checksum mismatch"):
        handler.model_fn(tmp_path)
    assert "inference.transformer_model" not in sys.modules  # refused before the family's loader


def test_an_unverified_transformer_model_is_refused_in_the_image(tmp_path, monkeypatch):
    (tmp_path / "metadata.json").write_text(json.dumps({"family": "transformer"}))
    monkeypatch.delenv(CONTENT_ENV, raising=False)
    monkeypatch.setenv("INFERENCE_REQUIRE_DIGEST", "1")
    with pytest.raises(IntegrityError, match="refusing to load an unverified model"):
        handler.model_fn(tmp_path)
