"""The SageMaker scikit-learn hosting contract for the medical-specialty classifier.

SageMaker's scikit-learn serving stack (and our own `inference.server`) calls, per request:

    model = model_fn("/opt/ml/model")              # once, at start-up
    data = input_fn(body, content_type)            # -> list of texts
    prediction = predict_fn(data, model)           # -> list of {"label", "probabilities"}
    body, content_type = output_fn(prediction, accept)

Requests: `application/json` `{"instances": ["text", ...]}` (an instance may also be an object
with a `transcription` key), or `text/csv` with a `transcription` header column (other columns
ignored; a header-less one-column CSV is one text per row). Responses: `application/json`
`{"predictions": [{"label": ..., "probabilities": {label: p, ...}}, ...]}`, `application/jsonlines`
(one prediction per line, used by batch transform) or `text/csv`.

`Accept` is negotiated per RFC 9110 (lists, q-values, wildcards: `inference.media`).

A bad request raises `RequestError` carrying its HTTP status: 415 unsupported content type,
406 unacceptable Accept, 413 oversized body, 400 malformed, empty or too deeply nested body.
Never a 500 for a client error.

`model_fn` checks the extracted files against $MODEL_CONTENT_SHA256 (set by the deployer from
the model package's registered digest) before either model family loads them; with $INFERENCE_REQUIRE_DIGEST=1
(the inference image) a missing digest is refused too.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.media import negotiate

TEXT_COLUMN = "transcription"
MAX_BYTES = int(os.environ.get("INFERENCE_MAX_BYTES", 1_000_000))
MAX_INSTANCES = int(os.environ.get("INFERENCE_MAX_INSTANCES", 1000))
REQUEST_TYPES = ("application/json", "text/csv")
RESPONSE_TYPES = ("application/json", "application/jsonlines", "text/csv")


class RequestError(Exception):
    """A client error: `status` is the HTTP status to answer with, `str()` the one-line reason."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class LoadedModel:
    pipeline: Any  # scikit-learn Pipeline or TransformerClassifier: predict_proba and classes_
    labels: list[str]
    text_column: str = TEXT_COLUMN
    metadata: dict | None = None


def model_fn(model_dir: str | Path) -> LoadedModel:
    """Load an extracted model.tar.gz; metadata.json's `family` says how (default tfidf).

    tfidf: the plain arrays metadata.json's "serving" entry names (`linear.npz`, read with numpy
    alone: inference.fast_linear), else `model.joblib` (artifacts without them); transformer: a
    saved Hugging Face model (inference.transformer_model).
    The files are verified against the registered digest before either family loads them.
    """
    from inference.integrity import CONTENT_ENV, IntegrityError, verify_model_dir

    model_dir = Path(model_dir)
    expected = os.environ.get(CONTENT_ENV, "")
    version = os.environ.get("MODEL_PACKAGE_VERSION")
    if not expected and os.environ.get("INFERENCE_REQUIRE_DIGEST") == "1":
        raise IntegrityError(
            f"model package version {version}: ${CONTENT_ENV} is not set; refusing to load an unverified model "
            "(deploy it with `invoke model.deploy`, which passes the registered digest)"
        )
    verify_model_dir(model_dir, expected, version)
    metadata_path = model_dir / "metadata.json"
    metadata = json.loads(metadata_path.read_text()) if metadata_path.exists() else {}
    family = metadata.get("family", "tfidf")
    if family == "transformer":
        from inference import transformer_model

        pipeline = transformer_model.load(model_dir, metadata)
    elif family == "tfidf":
        from inference.fast_linear import LINEAR_FORMAT, accelerate, load_linear

        serving = metadata.get("serving")
        if isinstance(serving, dict) and serving.get("format") == LINEAR_FORMAT:
            pipeline = load_linear(model_dir, serving)  # numpy only: no unpickling, no scikit-learn
        else:
            pipeline = accelerate(_load_pickled(model_dir / "model.joblib", metadata))
    else:
        raise ValueError(f"metadata.json: model family '{family}' is unknown; expected tfidf or transformer")
    labels = [str(label) for label in pipeline.classes_]
    return LoadedModel(pipeline, labels, metadata.get("text_column", TEXT_COLUMN), metadata)


def _load_pickled(path: Path, metadata: dict):
    """The verified model file: by the C unpickler when training wrote it with `pickle`
    (metadata "serialization"), else by joblib (older artifacts)."""
    if metadata.get("serialization") == "pickle":
        import pickle

        with path.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - verified against the registered digest above
    import joblib

    return joblib.load(path)


def _media_type(value: str | None, default: str) -> str:
    value = (value or "").split(";", 1)[0].strip().lower()
    return default if value in ("", "*/*") else value


def _check_size(body: bytes | str) -> bytes:
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if not data.strip():
        raise RequestError(
            400, 'empty request body; send {"instances": ["text", ...]} or a CSV with a \'transcription\' column'
        )
    if len(data) > MAX_BYTES:
        raise RequestError(
            413, f"request body is {len(data)} bytes; the limit is {MAX_BYTES}: split it into smaller requests"
        )
    return data


def _check_texts(texts: list[Any], what: str, limit: int | None) -> list[str]:
    if not texts:
        raise RequestError(400, f"{what} holds no instances; send at least one text")
    if limit is not None and len(texts) > limit:
        raise RequestError(400, f"{what} holds {len(texts)} instances; the limit is {limit}: split it")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise RequestError(400, f"instance {index} is {type(text).__name__}, not a string; send texts")
        if not text.strip():
            raise RequestError(400, f"instance {index} is an empty text; send a transcription")
    return texts


def _json_texts(data: bytes, limit: int | None) -> list[str]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RequestError(
            400, f'body is not valid UTF-8 JSON ({error}); send {{"instances": ["text", ...]}}'
        ) from None
    except RecursionError:
        raise RequestError(400, 'JSON body is nested too deeply; send {"instances": ["text", ...]}') from None
    if not isinstance(document, dict) or not isinstance(document.get("instances"), list):
        raise RequestError(400, 'JSON body needs an \'instances\' list; send {"instances": ["text", ...]}')
    texts = [
        item.get(TEXT_COLUMN) if isinstance(item, dict) and TEXT_COLUMN in item else item
        for item in document["instances"]
    ]
    return _check_texts(texts, "'instances'", limit)


def _csv_texts(data: bytes, limit: int | None) -> list[str]:
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as error:
        raise RequestError(
            400, f"body is not valid UTF-8 CSV ({error}); send a CSV with a 'transcription' column"
        ) from None
    rows = [row for row in rows if row]
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    if TEXT_COLUMN in header:
        column = header.index(TEXT_COLUMN)
        body_rows = rows[1:]
        if any(len(row) <= column for row in body_rows):
            raise RequestError(400, f"a CSV row has no '{TEXT_COLUMN}' value (column {column + 1}); fix the row")
        texts = [row[column] for row in body_rows]
    elif all(len(row) == 1 for row in rows):
        texts = [row[0] for row in rows]
    else:
        raise RequestError(400, f"CSV has no '{TEXT_COLUMN}' header column; add a header row naming it")
    return _check_texts(texts, "CSV", limit)


def input_fn(body: bytes | str, content_type: str | None) -> list[str]:
    """Decode a request body into a list of texts (raises RequestError for a bad request)."""
    media_type = _media_type(content_type, "application/json")
    if media_type not in REQUEST_TYPES:
        raise RequestError(415, f"content type '{media_type}' is not supported; use one of: {', '.join(REQUEST_TYPES)}")
    return parse_texts(_check_size(body), media_type, max_instances=MAX_INSTANCES)


def parse_texts(data: bytes, content_type: str, *, max_instances: int | None = None) -> list[str]:
    """Texts of a JSON or CSV document of any size (batch files); `input_fn` adds the request limits."""
    media_type = _media_type(content_type, "application/json")
    if media_type == "text/csv":
        return _csv_texts(data, max_instances)
    return _json_texts(data, max_instances)


def predict_fn(data: list[str], model: LoadedModel) -> list[dict[str, Any]]:
    """Label and class probabilities for each text."""
    probabilities = model.pipeline.predict_proba(data)
    classes = [str(label) for label in model.pipeline.classes_]
    predictions = []
    for row in probabilities:
        best = max(range(len(classes)), key=lambda i: row[i])
        predictions.append(
            {
                "label": classes[best],
                "probabilities": {label: round(float(p), 6) for label, p in zip(classes, row, strict=True)},
            }
        )
    return predictions


def response_type(accept: str | None) -> str:
    """The response media type an Accept header negotiates to (RequestError 406 when none)."""
    media_type = negotiate(accept, RESPONSE_TYPES)
    if media_type is None:
        raise RequestError(
            406, f"accept '{(accept or '')[:200]}' allows none of the response types: {', '.join(RESPONSE_TYPES)}"
        )
    return media_type


def output_fn(prediction: list[dict[str, Any]], accept: str | None) -> tuple[bytes, str]:
    """Serialize predictions; returns (body, content type). `accept` is an Accept header."""
    media_type = response_type(accept)
    if media_type == "application/json":
        return json.dumps({"predictions": prediction}).encode("utf-8"), media_type
    if media_type == "application/jsonlines":
        return "".join(json.dumps(p) + "\n" for p in prediction).encode("utf-8"), media_type
    if media_type == "text/csv":
        labels = list(prediction[0]["probabilities"]) if prediction else []
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["label", *labels])
        for p in prediction:
            writer.writerow([p["label"], *(p["probabilities"][label] for label in labels)])
        return out.getvalue().encode("utf-8"), media_type
    raise AssertionError(f"negotiated an unserializable type {media_type}")  # pragma: no cover


def transform(model: LoadedModel, body: bytes | str, content_type: str | None, accept: str | None) -> tuple[bytes, str]:
    """One request end to end: input_fn -> predict_fn -> output_fn (Accept checked first)."""
    media_type = response_type(accept)
    return output_fn(predict_fn(input_fn(body, content_type), model), media_type)
