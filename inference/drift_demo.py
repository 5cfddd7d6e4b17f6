"""`make demo`, drift part (local orchestration, like inference/demo.py): on prod's endpoint,
in-domain traffic -> no drift; shifted traffic -> drift -> alarm -> retraining started.

The deployed model is served on 127.0.0.1 with data capture to the emulator's bucket (the
SageMaker format and prefixes); `monitoring.job.run` reads it as the monitor Lambda does on
AWS; the drift alarm (as terraform declares it) is evaluated by `awsenv.local_alarms`, and its
state-change event goes to the retraining target only if terraform's rule pattern matches it.
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections.abc import Callable

from awsenv.config import Config
from awsenv.errors import UserError

TRAFFIC = 120  # records per phase (the monitor needs MIN_RECORDS)
BATCH = 20  # texts per request
SHIFTED_WORDS = (
    *("invoice", "refund", "password", "login", "account", "order", "shipment", "delivered", "parcel"),
    *("warehouse", "subscription", "cancel", "upgrade", "router", "wifi", "firmware", "reboot", "printer"),
    *("toner", "laptop", "charger", "warranty", "receipt", "coupon"),
)


def in_domain_texts(count: int = TRAFFIC) -> list[str]:
    """Transcriptions of the sample data set: the traffic the model was trained for."""
    from training_pipeline.dataset import SAMPLE_CSV

    with SAMPLE_CSV.open(newline="", encoding="utf-8") as handle:
        rows = [row["transcription"] for row in csv.DictReader(handle)]
    return rows[-count:]


def shifted_texts(count: int = TRAFFIC, seed: int = 13) -> list[str]:
    """Customer-support messages: short, out of vocabulary, no medical specialty fits."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo traffic, not a secret
    return [" ".join(rng.choice(SHIFTED_WORDS) for _ in range(rng.randint(6, 14))) for _ in range(count)]


def _send(url: str, texts: list[str]) -> None:
    from inference.client import http_call

    for start in range(0, len(texts), BATCH):
        body = json.dumps({"instances": texts[start : start + BATCH]}).encode()
        status, payload = http_call(url, body, "application/json")
        if status != 200:
            raise UserError(f"demo: local endpoint {url} answered HTTP {status}: {payload[:200]!r}")


def _deliver(cfg: Config, env: str, session, say: Callable[[str], None]) -> None:
    """Evaluate the drift alarm; deliver its state change to the retraining target if the rule matches."""
    from awsenv import local_alarms
    from monitoring.alarm import retraining_rule_pattern, start_retraining

    cloudwatch = session.client("cloudwatch")
    events = local_alarms.evaluate(cloudwatch, cfg.drift_metrics_namespace(), cfg.accounts[env], cfg.region)
    for event in events:
        state = event["detail"]["state"]["value"]
        say(f"  alarm      {event['detail']['alarmName']}: {event['detail']['previousState']['value']} -> {state}")
        if local_alarms.matches(retraining_rule_pattern(cfg, env), event):
            arn = start_retraining(session.client("sagemaker"), cfg, env)
            say(
                f"  retrain    started {arn.rsplit('/', 1)[-1]} of {cfg.pipeline_name(env)} (the champion gate decides)"
            )


def show(cfg: Config, env: str = "prod", say: Callable[[str], None] = print, phases=None) -> float:
    """The drift part of the demo; returns its duration in seconds. `phases`: (name, texts) pairs,
    by default in-domain sample transcriptions, then shifted texts."""
    from awsenv.sessions import aws_session
    from inference.artifacts import load_deployed
    from inference.capture import CaptureWriter
    from inference.deployer import Target
    from inference.server import serve_in_thread
    from monitoring.alarm import drift_alarm
    from monitoring.job import MonitorTarget, run

    started = time.monotonic()
    session = aws_session(cfg, env, local=True)
    deployed = load_deployed(session, Target.from_config(cfg, env, local=True))
    capture = CaptureWriter(session.client("s3"), cfg.data_capture_uri(env), cfg.endpoint_name(env), max_seconds=1.0)
    server, url = serve_in_thread(deployed.model, capture=capture)
    session.client("cloudwatch").put_metric_alarm(**drift_alarm(cfg, env))  # terraform creates it on AWS
    say(f"== drift monitoring ({env}: {url}, capture to {cfg.data_capture_uri(env)})")
    try:
        for phase, texts in phases or (("in-domain", in_domain_texts()), ("shifted", shifted_texts())):
            _send(url, texts)
            capture.flush()
            result = run(session, MonitorTarget.from_config(cfg, env))
            say(f"  traffic    {len(texts)} {phase} texts -> monitor run ({result.seconds:.2f} s):")
            for line in result.lines():
                say(f"             {line}")
            _deliver(cfg, env, session, say)
    finally:
        server.shutdown()
        server.server_close()
        capture.close()
    seconds = time.monotonic() - started
    say(f"  drift part {seconds:.1f} s")
    return seconds
