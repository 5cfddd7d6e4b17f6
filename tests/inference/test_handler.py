"""The hosting handler: JSON and CSV in, labels and probabilities out, 4xx for bad requests."""

from __future__ import annotations

import json

import pytest

from inference import handler
from inference.handler import RequestError, input_fn, output_fn, predict_fn, transform
from tests.inference.conftest import LABELS, csv_body


def test_json_request_gives_labels_and_probabilities(tiny_model):
    body = json.dumps({"instances": ["chest pain and atrial fibrillation", "seizure and migraine headache"]})
    payload, content_type = transform(tiny_model, body, "application/json", "application/json")
    assert content_type == "application/json"
    predictions = json.loads(payload)["predictions"]
    assert [p["label"] for p in predictions] == ["Cardiology", "Neurology"]
    for p in predictions:
        assert set(p["probabilities"]) == set(LABELS)
        assert sum(p["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
        assert max(p["probabilities"], key=p["probabilities"].get) == p["label"]


def test_json_instances_may_be_records_with_a_transcription():
    assert input_fn(
        json.dumps({"instances": [{"transcription": "knee fracture"}]}), "application/json; charset=utf-8"
    ) == ["knee fracture"]


def test_csv_request_uses_the_transcription_column(tiny_model):
    payload, _ = transform(
        tiny_model, csv_body(["knee fracture and ligament tear", "eeg shows seizure"]), "text/csv", None
    )
    assert [p["label"] for p in json.loads(payload)["predictions"]] == ["Orthopedic", "Neurology"]


def test_headerless_one_column_csv_is_one_text_per_row():
    assert input_fn(b"chest pain\nknee fracture\n", "text/csv") == ["chest pain", "knee fracture"]


def test_csv_and_jsonlines_responses(tiny_model):
    prediction = predict_fn(["chest pain"], tiny_model)
    body, content_type = output_fn(prediction, "text/csv")
    assert content_type == "text/csv" and body.decode().splitlines()[0].startswith("label,")
    body, content_type = output_fn(prediction, "application/jsonlines")
    assert json.loads(body.decode().splitlines()[0])["label"] == "Cardiology"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        (b"<xml/>", "application/xml", 415, "not supported"),
        (b"hello", "text/plain", 415, "application/json, text/csv"),
        (b"{not json", "application/json", 400, "not valid"),
        (b'{"texts": ["a"]}', "application/json", 400, "'instances'"),
        (b'{"instances": [1, 2]}', "application/json", 400, "not a string"),
        (b'{"instances": ["  "]}', "application/json", 400, "empty text"),
        (b'{"instances": []}', "application/json", 400, "no instances"),
        (b"", "application/json", 400, "empty request body"),
        (b"   \n", "text/csv", 400, "empty request body"),
        (b"a,b\n1,2\n", "text/csv", 400, "no 'transcription'"),
        (b"\xff\xfe", "application/json", 400, "not valid"),
    ],
)
def test_bad_requests_are_client_errors(body, content_type, status, words):
    with pytest.raises(RequestError) as caught:
        input_fn(body, content_type)
    assert caught.value.status == status
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_oversized_bodies_are_413_and_too_many_instances_400(monkeypatch):
    big = json.dumps({"instances": ["x" * 1000] * (handler.MAX_BYTES // 1000 + 1)})
    with pytest.raises(RequestError) as caught:
        input_fn(big, "application/json")
    assert caught.value.status == 413 and "limit" in str(caught.value)
    monkeypatch.setattr(handler, "MAX_INSTANCES", 3)
    with pytest.raises(RequestError) as caught:
        input_fn(json.dumps({"instances": ["a"] * 4}), "application/json")
    assert caught.value.status == 400 and "limit is 3" in str(caught.value)


def test_unsupported_accept_is_406(tiny_model):
    with pytest.raises(RequestError) as caught:
        transform(tiny_model, b'{"instances": ["a"]}', "application/json", "application/xml")
    assert caught.value.status == 406


def test_tasks_are_listed(repo_root):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "invoke", "--list"], cwd=repo_root, capture_output=True, text=True, timeout=60
    )
    names = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")}
    assert {"demo", "model.deploy", "model.approve", "model.list", "model.batch"} <= names
    assert {"endpoint.serve", "endpoint.invoke", "endpoint.test"} <= names
