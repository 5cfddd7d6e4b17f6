"""Drift figures of captured traffic against a baseline (training_pipeline/steps/evaluate.py).

Pure functions, no AWS: `profile` computes, over captured texts and predictions, the figures
the baseline holds for the training data and test split (the model's own tokenizer and
vocabulary come from the baseline, so both sides count tokens the same way); `assess` turns
them into one `Metric` per threshold and a verdict.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass, field

from monitoring.thresholds import MIN_RECORDS, THRESHOLDS

EPSILON = 1e-4  # floor of a bin's share in PSI (an empty bin would be log(0))
BASELINE_SCHEMA = "aws-promote-code/drift-baseline/1"


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float  # probability of the predicted label


@dataclass(frozen=True)
class Metric:
    name: str
    value: float
    threshold: float

    @property
    def drifted(self) -> bool:
        return self.value > self.threshold

    def line(self) -> str:
        verdict = "DRIFT" if self.drifted else "ok"
        return f"{self.name:<22} {self.value:8.4f}   threshold {self.threshold:g}   {verdict}"


@dataclass
class Assessment:
    records: int
    min_records: int
    metrics: list[Metric] = field(default_factory=list)
    observed: dict = field(default_factory=dict)

    @property
    def enough_traffic(self) -> bool:
        return self.records >= self.min_records

    @property
    def drifted(self) -> list[str]:
        return [m.name for m in self.metrics if m.drifted] if self.enough_traffic else []

    def lines(self) -> list[str]:
        traffic = f"{'records':<22} {self.records:8d}   minimum {self.min_records}"
        if not self.enough_traffic:
            return [f"{traffic}   too little traffic: drift not assessed", "drift: none"]
        body = [traffic, *(metric.line() for metric in self.metrics)]
        return [*body, f"drift: {', '.join(self.drifted) or 'none'}"]


def share(values: list[float], edges: list[float]) -> list[float]:
    """Share of `values` per bin (-inf, e0], (e0, e1], ..., (e_last, inf), as evaluate.py bins them."""
    counts = [0] * (len(edges) + 1)
    for value in values:
        counts[bisect_left(edges, value)] += 1
    return [count / max(len(values), 1) for count in counts]


def psi(expected: list[float], actual: list[float]) -> float:
    """Population stability index of two distributions over the same bins."""
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, EPSILON), max(a, EPSILON)
        total += (a - e) * math.log(a / e)
    return total


def check_baseline(baseline: dict) -> dict:
    if baseline.get("schema") != BASELINE_SCHEMA:
        raise ValueError(f"baseline schema is {baseline.get('schema')!r}, expected {BASELINE_SCHEMA!r}")
    return baseline


def profile(baseline: dict, texts: list[str], predictions: list[Prediction]) -> dict:
    """Traffic's figures, binned and tokenized as the baseline was."""
    tokenizer = baseline["tokenizer"]
    pattern = re.compile(tokenizer["token_pattern"])
    token_lists = [pattern.findall(t.lower() if tokenizer["lowercase"] else t) for t in texts]
    known = set(baseline["vocabulary"])
    tokens = [token for tokens in token_lists for token in tokens]
    labels = list(baseline["test"]["predicted_class_distribution"])
    counts = {label: 0 for label in labels}
    for prediction in predictions:
        counts[prediction.label] = counts.get(prediction.label, 0) + 1
    total = max(len(predictions), 1)
    return {
        "oov_rate": sum(token not in known for token in tokens) / max(len(tokens), 1),
        "predicted_class_distribution": {label: count / total for label, count in counts.items()},
        "length_distribution": share([len(t) for t in token_lists], baseline["training"]["length_edges"]),
        "mean_confidence": sum(p.confidence for p in predictions) / total,
    }


def assess(
    baseline: dict,
    texts: list[str],
    predictions: list[Prediction],
    thresholds: dict[str, float] | None = None,
    min_records: int = MIN_RECORDS,
) -> Assessment:
    """Compare traffic with the baseline: one Metric per threshold (none with too little traffic)."""
    thresholds = {**THRESHOLDS, **(thresholds or {})}
    result = Assessment(records=len(predictions), min_records=min_records)
    if not result.enough_traffic:
        return result
    check_baseline(baseline)
    observed = profile(baseline, texts, predictions)
    test = baseline["test"]
    classes = sorted(set(test["predicted_class_distribution"]) | set(observed["predicted_class_distribution"]))
    values = {
        "predicted_class_psi": psi(
            [test["predicted_class_distribution"].get(c, 0.0) for c in classes],
            [observed["predicted_class_distribution"].get(c, 0.0) for c in classes],
        ),
        "length_psi": psi(baseline["training"]["length_distribution"], observed["length_distribution"]),
        "oov_rate_increase": observed["oov_rate"] - test["oov_rate"],
        "mean_confidence_drop": test["mean_confidence"] - observed["mean_confidence"],
    }
    result.metrics = [Metric(name, round(values[name], 6), thresholds[name]) for name in THRESHOLDS]
    result.observed = observed
    return result
