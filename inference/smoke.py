"""Smoke test of a deployed endpoint (`invoke endpoint.test --env=X [--local]`; CI runs it after a
staging deploy): ping, known inputs in JSON and CSV, the label set, a client error, latency.

The expected label set is the one the deployed model was trained with (`labels` of its
metadata.json, read from the verified model artifact the endpoint serves). The smoke test reads
metadata only: it never unpickles a model (it runs on CI runners that hold credentials).
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from dataclasses import dataclass, field

from inference.client import SAMPLE_TEXTS, Caller

LATENCY_REQUESTS = 20


@dataclass
class SmokeReport:
    where: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    p50_ms: float = 0.0
    p99_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append((name, bool(ok), detail))
        return bool(ok)

    def lines(self) -> list[str]:
        rows = [f"smoke test of {self.where}"]
        rows += [
            f"  {'PASS' if ok else 'FAIL'}  {name}{': ' + detail if detail else ''}" for name, ok, detail in self.checks
        ]
        rows.append(f"  {'all checks passed' if self.ok else 'FAILED'}")
        return rows


def _valid(payload: bytes, count: int, labels: set[str]) -> tuple[bool, str, list[str]]:
    try:
        predictions = json.loads(payload)["predictions"]
    except (ValueError, KeyError, TypeError) as error:
        return False, f"unreadable response ({error})", []
    got = [p.get("label") for p in predictions]
    if len(predictions) != count:
        return False, f"{len(predictions)} predictions for {count} texts", got
    for p in predictions:
        probabilities = p.get("probabilities", {})
        if p.get("label") not in labels or set(probabilities) != labels:
            return False, f"label/probabilities {p.get('label')!r} outside the label set {sorted(labels)}", got
        if abs(sum(probabilities.values()) - 1.0) > 1e-3:
            return False, f"probabilities sum to {sum(probabilities.values()):.4f}", got
    return True, ", ".join(got), got


def run(caller: Caller, labels: list[str], max_p50_ms: float, texts: tuple[str, ...] = SAMPLE_TEXTS) -> SmokeReport:
    report = SmokeReport(caller.where)
    expected = set(labels)
    if not report.check("ping", caller.ping(), "endpoint answers"):
        return report
    body = json.dumps({"instances": list(texts)}).encode()
    status, payload = caller.call(body, "application/json")
    ok, detail, json_labels = _valid(payload, len(texts), expected) if status == 200 else (False, f"HTTP {status}", [])
    report.check("JSON known inputs -> labels in the model's label set", ok, detail)

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["transcription"])
    writer.writerows([t] for t in texts)
    status, payload = caller.call(out.getvalue().encode(), "text/csv")
    ok, detail, csv_labels = _valid(payload, len(texts), expected) if status == 200 else (False, f"HTTP {status}", [])
    report.check("CSV known inputs -> same labels as JSON", ok and csv_labels == json_labels, "" if ok else detail)

    status, _ = caller.call(b"<xml/>", "application/xml")
    report.check("unsupported content type -> 415", status == 415, f"HTTP {status}")

    timings = []
    for i in range(LATENCY_REQUESTS):
        single = json.dumps({"instances": [texts[i % len(texts)]]}).encode()
        status, _, seconds = caller.timed(single, "application/json")
        timings.append(seconds * 1000)
        if status != 200:
            report.check("latency requests succeed", False, f"HTTP {status}")
            return report
    timings.sort()
    report.p50_ms = statistics.median(timings)
    report.p99_ms = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    report.check(
        f"latency p50 <= {max_p50_ms:.0f} ms",
        report.p50_ms <= max_p50_ms,
        f"p50 {report.p50_ms:.1f} ms, p99 {report.p99_ms:.1f} ms over {LATENCY_REQUESTS} requests",
    )
    return report


def smoke_test(session, *, port: int | None = None) -> SmokeReport:
    """Smoke-test the endpoint of `session`'s env (an `EnvSession`: AWS or local); see module docstring."""
    from awsenv.errors import UserError
    from inference.artifacts import deployed_metadata
    from inference.client import open_caller
    from inference.deployer import Target

    with open_caller(session, port=port) as caller:
        artifact = getattr(caller, "artifact", None)
        if artifact is not None:
            metadata = artifact.metadata
        else:
            _, metadata = deployed_metadata(session, Target.from_session(session))
        labels = [str(label) for label in metadata.get("labels") or []]
        if not labels:
            raise UserError("smoke test: the model artifact's metadata.json lists no labels; retrain with the pipeline")
        return run(caller, labels, max_p50_ms=250.0 if session.local else 1000.0)
