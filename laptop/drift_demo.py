"""`make demo`, drift part (local orchestration, like laptop/demo.py): on prod's endpoint,
in-domain traffic -> no drift; shifted traffic -> drift -> alarm -> retraining started.

The deployed model is served on 127.0.0.1 by the real server (`inference.server.start_server`)
with data capture to the emulator's bucket (`inference.capture.capture_environ`: the SageMaker
format and prefixes); `monitoring.job.run` reads it as the monitor Lambda does on AWS; the drift alarm (as terraform declares it) is evaluated by `awsenv.local_alarms`, which puts
its state-change event on the emulator's event bus, where the retraining rule (terraform's
pattern) starts the pipeline only if it matches.
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections.abc import Callable

from awsenv.errors import UserError
from awsenv.sessions import EnvSession

TRAFFIC = 120  # records per phase (the monitor needs MIN_RECORDS)
BATCH = 20  # texts per request
CAPTURE_SECONDS = 0.1  # the server writes captured records this often
POLL_SECONDS = 0.05  # how often the emulator's bucket is listed while waiting for them (loopback: cheap)
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


def _deliver(session: EnvSession, say: Callable[[str], None]) -> None:
    """Evaluate the drift alarm and publish its state change on env's event bus, where the
    retraining rule (terraform's pattern) starts the pipeline if it matches."""
    from awsenv import event_bus, local_alarms
    from monitoring.alarm import retraining_rule_name, retraining_rule_pattern, start_retraining

    cfg, env, sagemaker = session.cfg, session.env, session.sagemaker
    event_bus.bus(cfg.accounts[env]).put_rule(
        retraining_rule_name(cfg, env),
        retraining_rule_pattern(cfg, env),
        lambda _: start_retraining(sagemaker, cfg, env),
    )
    cloudwatch = session.client("cloudwatch")
    for event, deliveries in local_alarms.publish(
        cloudwatch, cfg.drift_metrics_namespace(), cfg.accounts[env], cfg.region
    ):
        state = event["detail"]["state"]["value"]
        say(f"  alarm      {event['detail']['alarmName']}: {event['detail']['previousState']['value']} -> {state}")
        for delivery in deliveries:
            if delivery.error:
                raise UserError(f"demo: rule {delivery.rule} failed: {delivery.error}")
            say(
                f"  retrain    started {delivery.result.rsplit('/', 1)[-1]} of {cfg.pipeline_name(env)} (the champion gate decides)"
            )


def captured_records(session: EnvSession) -> int:
    """Captured records under the env's capture URI now."""
    return _captured(session.s3, session.cfg.data_capture_uri(session.env))


def _captured(s3, uri: str) -> int:
    """Captured records under `uri` (one JSON line each)."""
    from awsenv.s3uri import split_s3_uri

    bucket, prefix = split_s3_uri(uri)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
    return sum(s3.get_object(Bucket=bucket, Key=key)["Body"].read().count(b"\n") for key in keys)


def _wait_for_capture(s3, uri: str, records: int, timeout: float = 30.0) -> None:
    """Until `records` captured records are under `uri` (the server writes every CAPTURE_SECONDS)."""
    deadline = time.monotonic() + timeout
    while (found := _captured(s3, uri)) < records:
        if time.monotonic() > deadline:
            raise UserError(f"demo: {found} of {records} captured records reached {uri} in {timeout:.0f} s")
        time.sleep(POLL_SECONDS)


def capture_settings(session: EnvSession) -> dict[str, str]:
    """A local server's environment for data capture to the env's capture URI (the SageMaker
    format and prefixes; written every CAPTURE_SECONDS)."""
    from inference.capture import capture_environ

    cfg, env = session.cfg, session.env
    return capture_environ(session, cfg.data_capture_uri(env), cfg.endpoint_name(env), max_seconds=CAPTURE_SECONDS)


def start_capture_server(session: EnvSession):
    """The env's deployed model served on 127.0.0.1 with data capture on: (server, url)."""
    from inference.server import start_server
    from laptop.demo_endpoints import fetch_verified

    model_dir, environ, _ = fetch_verified(session)
    return start_server(model_dir, env={**environ, **capture_settings(session)})


def show(session: EnvSession, say: Callable[[str], None] = print, phases=None, served=None,
         records: int | None = None) -> float:  # fmt: skip
    """The drift part of the demo on `session`'s env (an emulator `EnvSession`, prod in the demo);
    returns its duration in seconds. `phases`: (name, texts) pairs, by default in-domain sample
    transcriptions, then shifted texts. `served`: (server, url) of a server capturing to the env's
    capture URI (`capture_settings`), stopped by whoever started it; `records`: how many captured
    records the URI holds once what that server answered so far is written (default: what it
    holds now); None: a server started and stopped here."""
    from monitoring.alarm import drift_alarm
    from monitoring.job import MonitorTarget, run

    started = time.monotonic()
    cfg, env = session.cfg, session.env
    server, url = served or start_capture_server(session)
    uri = cfg.data_capture_uri(env)
    session.client("cloudwatch").put_metric_alarm(**drift_alarm(cfg, env))  # terraform creates it on AWS
    say(f"== drift monitoring ({env}: {url}, capture to {uri})")
    sent = _captured(session.s3, uri) if records is None else records
    try:
        for phase, texts in phases or (("in-domain", in_domain_texts()), ("shifted", shifted_texts())):
            _send(url, texts)
            sent += -(-len(texts) // BATCH)  # one capture record per request
            _wait_for_capture(session.s3, uri, sent)
            result = run(session, MonitorTarget.from_config(cfg, env))
            say(f"  traffic    {len(texts)} {phase} texts -> monitor run ({result.seconds:.2f} s):")
            for line in result.lines():
                say(f"             {line}")
            _deliver(session, say)
    finally:
        if served is None:
            server.shutdown()
    seconds = time.monotonic() - started
    say(f"  drift part {seconds:.1f} s")
    return seconds
