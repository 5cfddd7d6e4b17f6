"""Drift thresholds: the one place they are set (the monitor job, `invoke monitor.run`, the demo).

A metric above its threshold is drift. Fewer than MIN_RECORDS captured records is reported as
too little traffic, never as drift. The CloudWatch alarm (terraform/main) fires on the `Drift`
metric the monitor publishes (1 when any metric drifted), so terraform repeats none of these.
"""

from __future__ import annotations

THRESHOLDS = {
    "predicted_class_psi": 0.2,  # population stability index of the predicted classes
    "length_psi": 0.2,  # PSI of text length (model tokens) against the training data's bins
    "oov_rate_increase": 0.10,  # out-of-vocabulary token rate minus the test split's
    "mean_confidence_drop": 0.15,  # test split's mean top-class probability minus traffic's
}
MIN_RECORDS = 50
FIRST_RUN_LOOKBACK_HOURS = 24  # window of a first run (no earlier report)
METRIC_NAMES = {  # CloudWatch metric name of each figure
    "predicted_class_psi": "PredictedClassPSI",
    "length_psi": "LengthPSI",
    "oov_rate_increase": "OOVRateIncrease",
    "mean_confidence_drop": "MeanConfidenceDrop",
}
