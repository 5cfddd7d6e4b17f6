"""The tfidf model's serving arrays (linear.npz, written by the Train step): the endpoint serves
them with numpy alone and scikit-learn's probabilities, refuses damaged ones with one line, and
keeps unpickling model.joblib for models whose settings the format does not record."""

from __future__ import annotations

import json
import random  # seeded test data, not secrets
import subprocess
import sys

import numpy
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from inference import handler
from inference.fast_linear import FastTfidfLinear, ModelFormatError, load_linear, word_analyzer
from tests.conftest import REPO_ROOT, load_step
from tests.inference.test_fast_linear import corpus, probes

TRAIN = load_step("train")
DEFAULT_PATTERN = r"(?u)\b\w\w+\b"


@pytest.mark.parametrize(
    ("lowercase", "pattern", "ngrams"),
    [
        (True, DEFAULT_PATTERN, (1, 1)),
        (True, DEFAULT_PATTERN, (1, 2)),
        (False, DEFAULT_PATTERN, (1, 3)),
        (True, r"(?u)\b(\w+)\b", (2, 3)),
        (True, r"\S+", (1, 2)),
        (False, r"\w", (3, 3)),
    ],
)
def test_the_word_analyzer_is_scikit_learns(lowercase, pattern, ngrams):
    expected = TfidfVectorizer(lowercase=lowercase, token_pattern=pattern, ngram_range=ngrams).build_analyzer()
    analyze = word_analyzer(lowercase, pattern, ngrams)
    for text in probes(random.Random(f"{pattern}{ngrams}")):  # noqa: S311 (seeded test data)
        assert sorted(analyze(text)) == sorted(expected(text))


def fitted(options: dict, classes: int, seed: str) -> tuple[Pipeline, list[str]]:
    rng = random.Random(seed)  # noqa: S311 (seeded test data)
    texts, labels = corpus(rng, 200, classes)
    steps = [("tfidf", TfidfVectorizer(**options)), ("classifier", LogisticRegression(C=4.0, max_iter=500))]
    return Pipeline(steps).fit(texts, labels), probes(rng)


@pytest.mark.parametrize("classes", [2, 5])
@pytest.mark.parametrize(
    "options",
    [
        {"ngram_range": (1, 2), "sublinear_tf": True},
        {"norm": "l1", "use_idf": False},
        {"norm": None},
        {"lowercase": False, "token_pattern": r"\S+"},
        {"ngram_range": (2, 12)},
    ],
    ids=["train-step", "l1-no-idf", "no-norm", "cased", "long-ngrams"],
)
def test_the_arrays_give_scikit_learns_probabilities(tmp_path, options, classes):
    pipeline, texts = fitted(options, classes, f"{options}{classes}")
    serving = TRAIN.export_linear(pipeline, tmp_path)
    model = load_linear(tmp_path, json.loads(json.dumps(serving)))  # as read back from metadata.json
    assert model.classes_ == [str(label) for label in pipeline.classes_]
    numpy.testing.assert_allclose(model.predict_proba(texts), pipeline.predict_proba(texts), rtol=1e-9, atol=1e-12)


def test_a_model_the_train_step_wrote_is_served_from_its_arrays_with_numpy_alone(tmp_path):
    texts, labels = corpus(random.Random(7), 120, 4)  # noqa: S311 (seeded test data)
    (tmp_path / "train").mkdir()
    rows = "".join(f'"{text}",{label}\n' for text, label in zip(texts, labels, strict=True))
    (tmp_path / "train" / "data.csv").write_text(f"{TRAIN.TEXT_COLUMN},{TRAIN.LABEL_COLUMN}\n{rows}")
    metadata = TRAIN.train(tmp_path / "train", None, tmp_path / "model", dict(TRAIN.DEFAULTS))
    assert metadata["serving"]["file"] == "linear.npz" and (tmp_path / "model" / "linear.npz").is_file()
    script = (
        "import json, sys\nfrom inference.handler import model_fn\n"
        f"model = model_fn({str(tmp_path / 'model')!r})\n"
        "print(json.dumps([type(model.pipeline).__name__, any(m.split('.')[0] in ('sklearn', 'joblib', 'scipy')"
        " for m in sys.modules), model.pipeline.predict_proba(sys.argv[1:]).tolist()]))"
    )
    probe = ["knee fracture", "Ärzte naïve", "", "chest pain pain"]
    result = subprocess.run([sys.executable, "-c", script, *probe], cwd=REPO_ROOT, capture_output=True, text=True,
                            check=True, timeout=60)  # fmt: skip
    kind, imported_scikit_learn, probabilities = json.loads(result.stdout)
    assert (kind, imported_scikit_learn) == ("FastTfidfLinear", False)
    import pickle

    with (tmp_path / "model" / "model.joblib").open("rb") as handle:
        model = pickle.load(handle)  # noqa: S301 - written by this test: the same model, unpickled
    numpy.testing.assert_allclose(probabilities, model.predict_proba(probe), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "options", [{"analyzer": "char_wb"}, {"stop_words": ["pain"]}, {"strip_accents": "unicode"}, {"binary": True}]
)
def test_settings_the_format_does_not_record_leave_the_model_to_its_pickle(tmp_path, options):
    pipeline, texts = fitted(options, 3, str(options))
    assert TRAIN.export_linear(pipeline, tmp_path) is None
    assert not (tmp_path / TRAIN.SERVING_FILE).exists()
    TRAIN.save_model(pipeline, tmp_path / "model.joblib")
    (tmp_path / "metadata.json").write_text(json.dumps({"family": "tfidf", "serialization": "pickle"}))
    served = handler.model_fn(tmp_path).pipeline
    numpy.testing.assert_allclose(served.predict_proba(texts), pipeline.predict_proba(texts), rtol=1e-9, atol=1e-12)


class Subclassed(LogisticRegression):
    pass


@pytest.mark.parametrize(
    "steps",
    [
        [("tfidf", TfidfVectorizer()), ("classifier", SGDClassifier(loss="log_loss"))],
        [("tfidf", TfidfVectorizer()), ("classifier", Subclassed())],
        [
            ("tfidf", TfidfVectorizer()),
            ("id", FunctionTransformer(accept_sparse=True)),
            ("classifier", LogisticRegression()),
        ],
    ],
    ids=["another-classifier", "subclass", "three-steps"],
)
def test_other_model_shapes_write_no_arrays(tmp_path, steps):
    texts, labels = corpus(random.Random(3), 90, 3)  # noqa: S311 (seeded test data)
    assert TRAIN.export_linear(Pipeline(steps).fit(texts, labels), tmp_path) is None
    assert not (tmp_path / TRAIN.SERVING_FILE).exists()


def rewrite(path, **arrays) -> None:
    """Rewrite `path` with its arrays replaced (None: removed), as numpy.savez would."""
    with numpy.load(path, allow_pickle=False) as stored:
        current = {name: stored[name] for name in stored.files}
    current.update(arrays)
    numpy.savez(path, **{name: array for name, array in current.items() if array is not None})


def as_json_bytes(value) -> numpy.ndarray:
    return numpy.frombuffer(json.dumps(value).encode(), dtype=numpy.uint8)


def repeat_first_term(path) -> list[str]:
    with numpy.load(path, allow_pickle=False) as stored:
        terms = json.loads(stored["terms_json"].tobytes())
    return [terms[0], *terms[:-1]]


DAMAGES = {
    "pickled terms": (lambda p: numpy.savez(p, terms_json=numpy.array([{"a": 1}], dtype=object)), "not readable"),
    "not a zip": (lambda p: p.write_bytes(b"PK\x03\x04 damaged"), "not readable"),
    "no idf": (lambda p: rewrite(p, idf=None), "not readable"),
    "short coef": (lambda p: rewrite(p, coef=numpy.zeros((3, 2))), "float64 of the shapes"),
    "integer intercept": (lambda p: rewrite(p, intercept=numpy.zeros(3, dtype=int)), "float64 of the shapes"),
    "repeated term": (lambda p: rewrite(p, terms_json=as_json_bytes(repeat_first_term(p))), "distinct strings"),
    "terms not a list": (lambda p: rewrite(p, terms_json=as_json_bytes({"knee": 0})), "not lists"),
}


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_damaged_arrays_are_refused_with_one_line(tmp_path, damage):
    pipeline, _ = fitted({}, 3, "damaged")
    serving = TRAIN.export_linear(pipeline, tmp_path)
    assert load_linear(tmp_path, serving).predict_proba(["knee"]).shape == (1, 3)  # intact first
    apply, message = DAMAGES[damage]
    apply(tmp_path / serving["file"])
    with pytest.raises(ModelFormatError, match=message) as caught:
        load_linear(tmp_path, serving)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"file": "../linear.npz"}, "file name"),
        ({"file": None}, "file name"),
        ({"ngram_range": [0, 2]}, "settings"),
        ({"ngram_range": [3, 2]}, "settings"),
        ({"norm": "max"}, "settings"),
        ({"lowercase": "yes"}, "settings"),
        ({"token_pattern": "(a)(b)"}, "group"),
        ({"token_pattern": "("}, "compile"),
    ],
)
def test_serving_settings_are_checked_before_the_file_is_read(tmp_path, change, message):
    pipeline, _ = fitted({}, 3, "settings")
    serving = {**TRAIN.export_linear(pipeline, tmp_path), **change}
    with pytest.raises(ModelFormatError, match=message):
        load_linear(tmp_path, serving)


def test_load_linear_builds_the_same_model_as_accelerate(tmp_path):
    pipeline, texts = fitted({"ngram_range": (1, 2), "sublinear_tf": True}, 4, "same")
    from_arrays = load_linear(tmp_path, TRAIN.export_linear(pipeline, tmp_path))
    from_pickle = FastTfidfLinear.from_pipeline(pipeline)
    assert from_arrays.vocabulary == {str(term): int(i) for term, i in from_pickle.vocabulary.items()}
    numpy.testing.assert_array_equal(from_arrays.predict_proba(texts), from_pickle.predict_proba(texts))
