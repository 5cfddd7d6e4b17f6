"""The tfidf family's model served without scikit-learn's per-call overhead, or without scikit-learn.

A fitted `Pipeline([TfidfVectorizer, LogisticRegression])` spends most of a one-record request
in scikit-learn's generic machinery (input validation, sparse-matrix construction, dataframe
detection), not in arithmetic. `FastTfidfLinear` computes the same numbers from the fitted
attributes (the analyzer, the vocabulary, idf, coefficients and intercepts) with a dictionary
and one small dense product: ~4x less CPU per request. It is built either way:

- `load_linear`: from the plain arrays the Train step writes beside model.joblib (`linear.npz`,
  format `LINEAR_FORMAT`, described by metadata.json's "serving" entry). Nothing is unpickled
  and scikit-learn is not imported: a worker starts with numpy only (~0.3 s instead of ~1.8 s
  of imports). The word analyzer is `word_analyzer`, which reproduces scikit-learn's for the
  settings the format records (lowercase, token_pattern, ngram_range; no accent stripping,
  stop words, custom preprocessor or tokenizer: the Train step writes no arrays for those);
- `accelerate`: from an unpickled pipeline (artifacts without the arrays), with the
  vectorizer's own analyzer; any other shape (another estimator, a subclass, `input` other
  than 'content', `binary`, a dtype other than float64, a norm other than l2/l1/None) keeps
  scikit-learn's own path (`accelerate` returns the pipeline unchanged).

tests/inference/test_fast_linear.py compares both with scikit-learn on random texts.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from awsenv.errors import UserError

LINEAR_FORMAT = "tfidf-linear/1"  # metadata.json "serving": {"format": ..., "file": ..., settings}
NORMS = ("l2", "l1", None)


class ModelFormatError(UserError):
    """The serving arrays of a (verified) model artifact are not what LINEAR_FORMAT describes."""


class FastTfidfLinear:
    """The arithmetic of TfidfVectorizer.transform + LogisticRegression.predict_proba."""

    def __init__(self, *, analyze: Callable[[str], list[str]], vocabulary: dict[str, int], idf: list[float] | None,
                 sublinear: bool, norm: str | None, coef: Any, intercept: Any, classes: list) -> None:  # fmt: skip
        import numpy

        self.numpy = numpy
        self.classes_ = classes
        self.analyze = analyze
        self.vocabulary = vocabulary
        self.idf = idf
        self.sublinear = sublinear
        self.norm = norm
        self.coef = numpy.ascontiguousarray(coef.T)  # features x classes (1 column if binary)
        self.intercept = intercept
        self.binary = len(classes) <= 2

    @classmethod
    def from_pipeline(cls, pipeline: Any) -> FastTfidfLinear:
        vectorizer, classifier = (step for _, step in pipeline.steps)
        return cls(analyze=vectorizer.build_analyzer(), vocabulary=vectorizer.vocabulary_,
                   idf=vectorizer.idf_.tolist() if vectorizer.use_idf else None, sublinear=vectorizer.sublinear_tf,
                   norm=vectorizer.norm, coef=classifier.coef_, intercept=classifier.intercept_,
                   classes=classifier.classes_)  # fmt: skip

    def _row(self, text: str) -> tuple[list[int], list[float]]:
        counts = Counter(index for token in self.analyze(text) if (index := self.vocabulary.get(token)) is not None)
        indices = sorted(counts)
        values = [float(counts[i]) for i in indices]
        if self.sublinear:
            values = [math.log(v) + 1.0 for v in values]
        if self.idf is not None:
            values = [v * self.idf[i] for v, i in zip(values, indices, strict=True)]
        if self.norm == "l2":
            length = math.sqrt(sum(v * v for v in values))
        elif self.norm == "l1":
            length = sum(abs(v) for v in values)
        else:
            length = 0.0
        if length > 0.0:
            values = [v / length for v in values]
        return indices, values

    def predict_proba(self, texts: list[str]):
        numpy = self.numpy
        scores = numpy.empty((len(texts), self.coef.shape[1]))
        for row, text in enumerate(texts):
            indices, values = self._row(text)
            scores[row] = numpy.asarray(values) @ self.coef[indices] if indices else 0.0
        scores += self.intercept
        if self.binary:  # scikit-learn: expit of the one decision value, as [1 - p, p]
            positive = 1.0 / (1.0 + numpy.exp(-scores[:, 0]))
            return numpy.stack([1.0 - positive, positive], axis=1)
        scores -= scores.max(axis=1, keepdims=True)  # multinomial: softmax
        numpy.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores


def word_analyzer(lowercase: bool, token_pattern: str, ngram_range: tuple[int, int]) -> Callable[[str], list[str]]:
    """scikit-learn's `TfidfVectorizer(analyzer="word", ...).build_analyzer()` for these settings
    (no accent stripping, stop words, preprocessor or tokenizer): lowercase, the pattern's
    matches (its group if it has one), then every n-gram of them joined by single spaces."""
    findall = re.compile(token_pattern).findall
    low, high = ngram_range

    def analyze(text: str) -> list[str]:
        tokens = findall(text.lower() if lowercase else text)
        if high == 1:
            return tokens
        grams = list(tokens) if low == 1 else []
        for n in range(max(low, 2), min(high, len(tokens)) + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return grams

    return analyze


def _settings(serving: dict) -> tuple[bool, str, tuple[int, int], bool, str | None, bool]:
    """The analyzer and weighting settings of a "serving" entry, checked."""
    lowercase, pattern = serving.get("lowercase"), serving.get("token_pattern")
    ngrams, sublinear = serving.get("ngram_range"), serving.get("sublinear_tf")
    norm, use_idf = serving.get("norm"), serving.get("use_idf")
    flags_ok = all(isinstance(flag, bool) for flag in (lowercase, sublinear, use_idf))
    ngrams_ok = isinstance(ngrams, list) and len(ngrams) == 2 and all(type(n) is int for n in ngrams)
    if not (flags_ok and ngrams_ok and 1 <= ngrams[0] <= ngrams[1] and norm in NORMS):
        raise ModelFormatError(f"metadata.json: the serving settings are not those of {LINEAR_FORMAT}: {serving}")
    try:
        groups = re.compile(pattern).groups if isinstance(pattern, str) else 2
    except re.error as error:
        raise ModelFormatError(f"metadata.json: serving token_pattern does not compile: {error}") from None
    if groups > 1:
        raise ModelFormatError("metadata.json: serving token_pattern has more than one group")
    return lowercase, pattern, (ngrams[0], ngrams[1]), sublinear, norm, use_idf


def _arrays(path: Path, use_idf: bool) -> tuple[list, list, Any, Any, list[float] | None]:
    """(terms, classes, coef, intercept, idf) from `path`, their types and shapes checked."""
    import zipfile

    import numpy

    try:
        with numpy.load(path, allow_pickle=False) as stored:  # plain arrays only: never unpickles
            terms = json.loads(stored["terms_json"].tobytes())
            classes = json.loads(stored["classes_json"].tobytes())
            floats = [stored[name] for name in ("coef", "intercept", *(("idf",) if use_idf else ()))]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:  # ValueError: object arrays, bad JSON
        raise ModelFormatError(f"{path.name}: not readable as {LINEAR_FORMAT}: {error}") from None
    coef, intercept, idf = (*floats, None)[:3]
    if not (isinstance(terms, list) and isinstance(classes, list) and len(classes) >= 2):
        raise ModelFormatError(f"{path.name}: its terms and classes are not lists (at least two classes)")
    width = 1 if len(classes) == 2 else len(classes)
    shapes = [(width, len(terms)), (width,), (len(terms),)]
    if any(array.dtype != numpy.float64 or array.shape != shape for array, shape in zip(floats, shapes, strict=False)):
        raise ModelFormatError(
            f"{path.name}: its arrays are not float64 of the shapes {len(terms)} terms and {len(classes)} classes need"
        )
    if not all(isinstance(term, str) for term in terms) or len(set(terms)) != len(terms):
        raise ModelFormatError(f"{path.name}: its terms are not {len(terms)} distinct strings")
    return terms, [str(label) for label in classes], coef, intercept, None if idf is None else idf.tolist()


def load_linear(model_dir: str | Path, serving: dict) -> FastTfidfLinear:
    """The model from `model_dir`'s serving arrays (`serving`: metadata.json's entry, format
    LINEAR_FORMAT); ModelFormatError, one line, when they are not what the format describes."""
    name = serving.get("file")
    if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
        raise ModelFormatError(f"metadata.json: serving file must be a file name in the model directory, not {name!r}")
    lowercase, pattern, ngrams, sublinear, norm, use_idf = _settings(serving)
    terms, classes, coef, intercept, idf = _arrays(Path(model_dir) / name, use_idf)
    return FastTfidfLinear(analyze=word_analyzer(lowercase, pattern, ngrams),
                           vocabulary={term: index for index, term in enumerate(terms)}, idf=idf, sublinear=sublinear,
                           norm=norm, coef=coef, intercept=intercept, classes=classes)  # fmt: skip


def accelerate(pipeline: Any) -> Any:
    """`FastTfidfLinear.from_pipeline(pipeline)` when the pipeline is exactly the shape it reproduces, else `pipeline`."""
    import numpy
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    if type(pipeline) is not Pipeline or len(pipeline.steps) != 2:
        return pipeline
    (_, vectorizer), (_, classifier) = pipeline.steps
    if type(vectorizer) is not TfidfVectorizer or type(classifier) is not LogisticRegression:
        return pipeline
    if vectorizer.input != "content" or vectorizer.binary or vectorizer.norm not in NORMS:
        return pipeline
    if numpy.dtype(vectorizer.dtype) != numpy.float64:
        return pipeline
    if getattr(classifier, "multi_class", "deprecated") == "ovr" and len(classifier.classes_) > 2:
        return pipeline  # one-vs-rest probabilities are normalised differently
    return FastTfidfLinear.from_pipeline(pipeline)
