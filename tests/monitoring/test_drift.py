"""Drift figures against the baseline the pipeline writes: same traffic -> none, shifted -> all."""

from __future__ import annotations

import pytest

from monitoring.drift import MIN_RECORDS, Assessment, Metric, assess, psi
from monitoring.thresholds import THRESHOLDS
from tests.monitoring.conftest import SHIFTED, predictions


def test_psi_is_zero_for_equal_distributions_and_grows_with_the_shift():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0
    small, large = psi([0.5, 0.5], [0.45, 0.55]), psi([0.5, 0.5], [0.1, 0.9])
    assert 0 < small < 0.05 < large
    assert psi([1.0, 0.0], [0.0, 1.0]) > 5  # an empty bin is floored, never log(0)


def test_traffic_like_the_baseline_data_shows_no_drift(tiny, baseline):
    model, texts, _, _ = tiny
    traffic = texts * 3  # the same distribution, enough records
    result = assess(baseline, traffic, predictions(model, traffic))
    values = {m.name: m.value for m in result.metrics}
    assert set(values) == set(THRESHOLDS)
    # the monitor tokenizes, bins and scores exactly as train.py/evaluate.py did
    assert values == pytest.approx(dict.fromkeys(THRESHOLDS, 0.0), abs=1e-5)
    assert result.drifted == []
    assert result.lines()[-1] == "drift: none"


def test_shifted_traffic_drifts_on_every_metric(tiny, baseline):
    model, _, _, _ = tiny
    traffic = SHIFTED * 20
    result = assess(baseline, traffic, predictions(model, traffic))
    assert result.drifted == list(THRESHOLDS)
    assert result.observed["oov_rate"] > 0.9
    assert result.lines()[-1] == "drift: " + ", ".join(THRESHOLDS)
    for metric, line in zip(result.metrics, result.lines()[1:-1], strict=True):
        assert line.startswith(metric.name) and f"threshold {metric.threshold:g}" in line and "DRIFT" in line


def test_too_little_traffic_is_reported_as_such_not_as_drift(tiny, baseline):
    model, _, _, _ = tiny
    traffic = SHIFTED * 2
    result = assess(baseline, traffic, predictions(model, traffic))
    assert not result.enough_traffic and result.metrics == [] and result.drifted == []
    assert "too little traffic" in result.lines()[0] and f"minimum {MIN_RECORDS}" in result.lines()[0]
    assert result.lines()[-1] == "drift: none"


def test_a_threshold_decides_and_only_exceeding_it_is_drift():
    assert not Metric("oov_rate_increase", 0.1, 0.1).drifted
    assert Metric("oov_rate_increase", 0.1001, 0.1).drifted
    one = Assessment(records=60, min_records=50, metrics=[Metric("length_psi", 0.3, 0.2), Metric("x", 0, 1)])
    assert one.lines()[-1] == "drift: length_psi"


def test_a_baseline_of_another_format_is_refused(tiny, baseline):
    model, texts, _, _ = tiny
    with pytest.raises(ValueError, match="baseline schema"):
        assess({**baseline, "schema": "other"}, texts * 3, predictions(model, texts * 3))
