"""inference.fast_linear computes what scikit-learn computes, on random texts, for every pipeline
shape it accepts, and leaves every other shape to scikit-learn."""

from __future__ import annotations

import random  # seeded test data, not secrets

import numpy
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from inference.fast_linear import FastTfidfLinear, accelerate

WORDS = ["knee", "fracture", "chest", "pain", "ecg", "seizure", "migraine", "biopsy", "liver", "cough", "asthma"]
WORDS += ["Ärzte", "naïve", "心电图", "x-ray"]


def corpus(rng: random.Random, rows: int, classes: int) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for i in range(rows):
        label = i % classes
        tokens = [WORDS[(label * 3 + rng.randrange(5)) % len(WORDS)] for _ in range(rng.randrange(1, 12))]
        texts.append(" ".join(tokens))
        labels.append(f"class-{label}")
    return texts, labels


def probes(rng: random.Random) -> list[str]:
    noise = ["", "   ", "unseen words only", "KNEE Fracture!!", "a" * 5000, "\u0000\ufeff knee", "x-ray, x-ray; x-ray"]
    random_texts = [" ".join(rng.choice([*WORDS, "zzz", "pain,", "ECG."]) for _ in range(rng.randrange(0, 30)))
                    for _ in range(200)]  # fmt: skip
    return noise + random_texts


VECTORIZERS = [
    {"ngram_range": (1, 2), "sublinear_tf": True, "max_features": 50},
    {"ngram_range": (1, 1)},
    {"norm": "l1", "use_idf": False},
    {"norm": None, "smooth_idf": False},
    {"analyzer": "char_wb", "ngram_range": (2, 4), "lowercase": False},
]


@pytest.mark.parametrize("classes", [2, 6])
@pytest.mark.parametrize("options", VECTORIZERS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_same_probabilities_as_scikit_learn(options, classes):
    rng = random.Random(f"{options}{classes}")  # noqa: S311 (seeded test data)
    texts, labels = corpus(rng, 300, classes)
    pipeline = Pipeline([("tfidf", TfidfVectorizer(**options)), ("clf", LogisticRegression(C=4.0, max_iter=500))])
    pipeline.fit(texts, labels)
    fast = accelerate(pipeline)
    assert isinstance(fast, FastTfidfLinear)
    assert list(fast.classes_) == list(pipeline.classes_)
    batch = probes(rng)
    expected = pipeline.predict_proba(batch)
    numpy.testing.assert_allclose(fast.predict_proba(batch), expected, rtol=1e-9, atol=1e-12)
    for text in batch[:20]:  # one record per request, as served
        numpy.testing.assert_allclose(fast.predict_proba([text]), pipeline.predict_proba([text]), rtol=1e-9, atol=1e-12)


class Subclassed(TfidfVectorizer):
    pass


@pytest.mark.parametrize(
    "steps",
    [
        [("tfidf", TfidfVectorizer(binary=True)), ("clf", LogisticRegression())],
        [("tfidf", TfidfVectorizer(dtype=numpy.float32)), ("clf", LogisticRegression())],
        [("tfidf", Subclassed()), ("clf", LogisticRegression())],
        [("tfidf", TfidfVectorizer()), ("clf", SGDClassifier(loss="log_loss"))],
        [("tfidf", TfidfVectorizer()), ("id", FunctionTransformer(accept_sparse=True)), ("clf", LogisticRegression())],
    ],
    ids=["binary", "float32", "subclass", "another-estimator", "three-steps"],
)
def test_other_shapes_keep_scikit_learns_path(steps):
    texts, labels = corpus(random.Random(1), 120, 3)  # noqa: S311 (seeded test data)
    pipeline = Pipeline(steps).fit(texts, labels)
    assert accelerate(pipeline) is pipeline


def test_a_filename_input_vectorizer_is_never_accelerated():
    texts, labels = corpus(random.Random(2), 60, 2)  # noqa: S311 (seeded test data)
    pipeline = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression())]).fit(texts, labels)
    pipeline.steps[0][1].input = "filename"  # would open paths named by the request: never served fast
    assert accelerate(pipeline) is pipeline


def test_the_served_model_uses_it(tiny_model_dir):
    from inference import handler

    model = handler.model_fn(tiny_model_dir)
    assert isinstance(model.pipeline, FastTfidfLinear)
    body, media_type = handler.transform(model, b'{"instances": ["knee fracture"]}', "application/json", None)
    assert media_type == "application/json" and b'"label"' in body
