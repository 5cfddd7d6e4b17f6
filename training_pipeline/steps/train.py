"""Training step: fit TF-IDF + logistic regression (scikit-learn, CPU) on the train channel.

The solver is SAGA: the same model as L-BFGS (same loss, same C), fitted ~20x faster on
sparse TF-IDF features; it stops when an epoch moves the coefficients by less than
SOLVER_TOLERANCE relative to their size (1e-3: test accuracy as at 1e-4, in ~2/3 of the
epochs; see the benchmark table in training_pipeline/README.md). model.joblib is written with
the standard pickler (protocol 5): ~8x faster than `joblib.dump`, whose pure-Python pickler
spends its time on the vocabulary dictionary. metadata.json says so (`"serialization":
"pickle"`), and readers then load it with the C unpickler (~10x faster than `joblib.load`,
which also reads it, and which they keep for artifacts without that key). Beside it, linear.npz
holds the same model as plain arrays (`export_linear`): the hosting handler serves those with
numpy alone, without unpickling or importing scikit-learn (inference/fast_linear.py reads them;
metadata.json's "serving" entry names the format and the analyzer's settings).

SageMaker training contract (script mode; paths under OPT_ML_ROOT, default /opt/ml):
    channels          SM_CHANNEL_TRAIN / SM_CHANNEL_VALIDATION  (/opt/ml/input/data/<channel>)
    hyperparameters   /opt/ml/input/config/hyperparameters.json (string values, as SageMaker writes them)
    model directory   SM_MODEL_DIR (/opt/ml/model): model.joblib + linear.npz + metadata.json
                      (`"family": "tfidf"`); SageMaker packs it into model.tar.gz
    failure reason    /opt/ml/output/failure
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
import zipfile
from pathlib import Path

TEXT_COLUMN = "transcription"
LABEL_COLUMN = "medical_specialty"
DEFAULTS = {"max_features": 10000, "ngram_max": 2, "C": 4.0}
SEED = 42
SOLVER_TOLERANCE = 1e-3
SERVING_FORMAT = "tfidf-linear/1"  # what inference/fast_linear.py reads (LINEAR_FORMAT)
SERVING_FILE = "linear.npz"


def opt_ml() -> Path:
    return Path(os.environ.get("OPT_ML_ROOT", "/opt/ml"))


def hyperparameters(path: Path) -> dict:
    """Our hyperparameters from hyperparameters.json (values are strings, some JSON-encoded)."""
    raw = json.loads(path.read_text()) if path.exists() else {}
    values = {}
    for key, value in raw.items():
        try:
            values[key] = json.loads(value)
        except (TypeError, ValueError):
            values[key] = value
    return {
        "max_features": int(values.get("max_features", DEFAULTS["max_features"])),
        "ngram_max": int(values.get("ngram_max", DEFAULTS["ngram_max"])),
        "C": float(values.get("C", DEFAULTS["C"])),
    }


def csvrows():
    """The shared CSV reader: beside this file (training sourcedir, tests) or the processing `lib` input."""
    for directory in (Path(__file__).resolve().parent, opt_ml() / "processing" / "lib"):
        if (directory / "csvrows.py").is_file() and str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
    return importlib.import_module("csvrows")


def read_channel(directory: Path) -> tuple[list[str], list[str]]:
    return csvrows().read_channel(directory, TEXT_COLUMN, LABEL_COLUMN)


def build_model(max_features: int, ngram_max: int, C: float):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(max_features=max_features, ngram_range=(1, ngram_max), sublinear_tf=True)),
            (
                "classifier",
                LogisticRegression(C=C, solver="saga", tol=SOLVER_TOLERANCE, max_iter=1000, random_state=SEED),
            ),
        ]
    )


def length_histogram(lengths: list[int], edges: list[int]) -> list[float]:
    """Share of `lengths` in each bin: (-inf, e0], (e0, e1], ..., (e_last, inf)."""
    from bisect import bisect_left

    counts = [0] * (len(edges) + 1)
    for length in lengths:
        counts[bisect_left(edges, length)] += 1
    return [round(count / max(len(lengths), 1), 6) for count in counts]


def training_profile(model, texts: list[str], labels: list[str]) -> dict:
    """Class prior and text length (in the model's own tokens) of the training data: the drift
    monitor's baseline (evaluate.py adds the test-split predictions and writes baseline.json)."""
    from collections import Counter

    vectorizer = model.named_steps["tfidf"]
    preprocess, tokenize = vectorizer.build_preprocessor(), vectorizer.build_tokenizer()
    lengths = sorted(len(tokenize(preprocess(text))) for text in texts)
    edges = sorted({lengths[len(lengths) * q // 10] for q in range(1, 10)})
    counts = Counter(labels)
    return {
        "rows": len(texts),
        "class_prior": {label: round(counts[label] / len(labels), 6) for label in sorted(counts)},
        "length_edges": edges,
        "length_distribution": length_histogram(lengths, edges),
        "length_mean": round(sum(lengths) / len(lengths), 3),
    }


def save_model(model, path: Path) -> None:
    """Pickle `model` to `path` (protocol 5, the C pickler; `joblib.load` reads it)."""
    import pickle

    with path.open("wb") as handle:
        pickle.dump(model, handle, protocol=5)


def export_linear(model, model_dir: Path) -> dict | None:
    """Write the fitted model as plain arrays to `model_dir`/SERVING_FILE (an .npz: the terms and
    class labels as UTF-8 JSON bytes, coef, intercept, idf; fixed timestamps, never pickled) and
    return metadata.json's "serving" entry; None (nothing written: the endpoint unpickles
    model.joblib) when the model is not exactly TfidfVectorizer + LogisticRegression or the
    vectorizer uses settings the format does not record."""
    import numpy
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    steps = [step for _, step in getattr(model, "steps", ())]
    if len(steps) != 2 or (type(steps[0]), type(steps[1])) != (TfidfVectorizer, LogisticRegression):
        return None  # e.g. another classifier: its probabilities are not this format's arithmetic
    vectorizer, classifier = steps
    plain = vectorizer.analyzer == "word" and vectorizer.input == "content" and not vectorizer.binary
    plain = plain and all(getattr(vectorizer, name) is None
                          for name in ("preprocessor", "tokenizer", "strip_accents", "stop_words"))  # fmt: skip
    plain = plain and vectorizer.norm in ("l2", "l1", None) and numpy.dtype(vectorizer.dtype) == numpy.float64
    if not plain or (getattr(classifier, "multi_class", "deprecated") == "ovr" and len(classifier.classes_) > 2):
        return None
    terms = [""] * len(vectorizer.vocabulary_)
    for term, index in vectorizer.vocabulary_.items():
        terms[index] = term
    labels = [str(label) for label in classifier.classes_]
    arrays = {
        "terms_json": numpy.frombuffer(json.dumps(terms).encode("utf-8"), dtype=numpy.uint8),
        "classes_json": numpy.frombuffer(json.dumps(labels).encode("utf-8"), dtype=numpy.uint8),
        "coef": classifier.coef_,
        "intercept": classifier.intercept_,
    }
    if vectorizer.use_idf:
        arrays["idf"] = vectorizer.idf_
    with zipfile.ZipFile(model_dir / SERVING_FILE, "w") as archive:
        for name, array in arrays.items():
            with archive.open(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w") as handle:
                numpy.lib.format.write_array(handle, numpy.asarray(array, order="C"), allow_pickle=False)
    return {
        "format": SERVING_FORMAT,
        "file": SERVING_FILE,
        "lowercase": bool(vectorizer.lowercase),
        "token_pattern": vectorizer.token_pattern,
        "ngram_range": [int(n) for n in vectorizer.ngram_range],
        "sublinear_tf": bool(vectorizer.sublinear_tf),
        "norm": vectorizer.norm,
        "use_idf": bool(vectorizer.use_idf),
    }


def train(train_dir: Path, validation_dir: Path | None, model_dir: Path, params: dict) -> dict:
    """Fit, report validation accuracy, and write model.joblib, linear.npz and metadata.json to `model_dir`."""
    from sklearn.metrics import accuracy_score

    texts, labels = read_channel(train_dir)
    if len(set(labels)) < 2:
        raise ValueError(f"train channel {train_dir} has {len(set(labels))} classes; at least 2 are needed")
    model = build_model(**params).fit(texts, labels)
    metadata = {
        "family": "tfidf",
        "serialization": "pickle",
        "labels": [str(label) for label in model.classes_],
        "text_column": TEXT_COLUMN,
        "label_column": LABEL_COLUMN,
        "hyperparameters": params,
        "train_rows": len(texts),
        "model": "TfidfVectorizer + LogisticRegression (saga)",
        "training_profile": training_profile(model, texts, labels),
    }
    if validation_dir is not None and validation_dir.is_dir():
        val_texts, val_labels = read_channel(validation_dir)
        if val_texts:
            metadata["validation_accuracy"] = round(float(accuracy_score(val_labels, model.predict(val_texts))), 6)
            print(f"validation:accuracy={metadata['validation_accuracy']}")
    model_dir.mkdir(parents=True, exist_ok=True)
    save_model(model, model_dir / "model.joblib")
    if serving := export_linear(model, model_dir):
        metadata["serving"] = serving
    (model_dir / "metadata.json").write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n")
    return metadata


def main() -> int:
    root = opt_ml()
    channel = os.environ.get
    try:
        params = hyperparameters(root / "input" / "config" / "hyperparameters.json")
        print(f"train: hyperparameters {json.dumps(params, sort_keys=True)}")
        metadata = train(
            Path(channel("SM_CHANNEL_TRAIN", root / "input" / "data" / "train")),
            Path(channel("SM_CHANNEL_VALIDATION", root / "input" / "data" / "validation")),
            Path(channel("SM_MODEL_DIR", root / "model")),
            params,
        )
    except Exception as error:
        (root / "output").mkdir(parents=True, exist_ok=True)
        (root / "output" / "failure").write_text(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
        print(f"train: failed: {error}", file=sys.stderr)
        return 1
    print(f"train: {metadata['train_rows']} rows, {len(metadata['labels'])} classes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
