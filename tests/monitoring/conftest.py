"""A tiny model and its drift baseline, built by the pipeline's own step functions."""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_step

SHIFTED = [
    "please reset my password the invoice was charged twice",
    "router firmware update failed after reboot wifi drops",
    "refund for the parcel delivered to the wrong warehouse",
]


step = load_step


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """(fitted model, texts, labels) of tests/inference's tiny model."""
    import joblib

    from tests.inference.conftest import tiny_texts, train_tiny_model

    directory = tmp_path_factory.mktemp("monitor-model")
    train_tiny_model(directory)
    texts, labels = tiny_texts()
    return joblib.load(directory / "model.joblib"), texts, labels, directory / "model.tar.gz"


@pytest.fixture(scope="session")
def baseline(tiny) -> dict:
    """baseline.json as train.py + evaluate.py write it (test split = the training texts here)."""
    model, texts, labels, _ = tiny
    training = step("train").training_profile(model, texts, labels)
    return json.loads(json.dumps(step("evaluate").baseline(model, texts, training)))


def predictions(model, texts):
    from inference.handler import LoadedModel, predict_fn
    from monitoring.drift import Prediction

    loaded = LoadedModel(model, [str(c) for c in model.classes_])
    return [Prediction(p["label"], max(p["probabilities"].values())) for p in predict_fn(texts, loaded)]
