"""Data capture for the local endpoint, in SageMaker's format, so one monitor reads both.

On AWS the endpoint's DataCaptureConfig makes SageMaker write every request and response to
`<DestinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/<mm-ss-mmm>-<uuid>.jsonl`, one JSON
object per line:

    {"captureData": {"endpointInput":  {"observedContentType": ..., "mode": "INPUT",  "data": ..., "encoding": "JSON"},
                     "endpointOutput": {"observedContentType": ..., "mode": "OUTPUT", "data": ..., "encoding": "JSON"}},
     "eventMetadata": {"eventId": "<uuid>", "inferenceTime": "2026-12-03T07:40:01Z"},
     "eventVersion": "0"}

(`encoding` JSON or CSV keeps the body as text, as the endpoint config's
CaptureContentTypeHeader asks; anything else is BASE64.) `CaptureWriter` writes the same
records and keys for the local endpoint. `record()` never blocks a request: it puts the pair
in a bounded queue (a full queue drops it and counts the drop); a background thread writes a
file per hour of traffic when `max_records` are buffered or `max_seconds` have passed, and
`close()` writes what is left.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import queue
import threading
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger("inference.capture")
JSON_TYPES = ("application/json", "application/jsonlines")
CSV_TYPES = ("text/csv",)
_STOP = object()


def _media(content_type: str | None) -> str:
    return (content_type or "application/json").split(";", 1)[0].strip().lower()


def capture_part(data: bytes, content_type: str | None, mode: str) -> dict[str, str]:
    """One side of a capture record (`mode` INPUT or OUTPUT)."""
    media = _media(content_type)
    if media in JSON_TYPES or media in CSV_TYPES:
        text, encoding = data.decode("utf-8", errors="replace"), "JSON" if media in JSON_TYPES else "CSV"
    else:
        text, encoding = base64.b64encode(data).decode("ascii"), "BASE64"
    return {"observedContentType": content_type or media, "mode": mode, "data": text, "encoding": encoding}


def capture_record(
    body: bytes, content_type: str | None, response: bytes, accept: str | None, when: dt.datetime
) -> dict[str, Any]:
    return {
        "captureData": {
            "endpointInput": capture_part(body, content_type, "INPUT"),
            "endpointOutput": capture_part(response, accept, "OUTPUT"),
        },
        "eventMetadata": {"eventId": str(uuid.uuid4()), "inferenceTime": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
        "eventVersion": "0",
    }


def capture_key(prefix: str, endpoint: str, variant: str, when: dt.datetime) -> str:
    """`<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/<mm-ss-mmm>-<uuid>.jsonl`, as SageMaker names it."""
    name = f"{when:%M-%S}-{when.microsecond // 1000:03d}-{uuid.uuid4()}.jsonl"
    return f"{prefix.strip('/')}/{endpoint}/{variant}/{when:%Y/%m/%d/%H}/{name}"


class CaptureWriter:
    """Batches captured request/response pairs to S3 off the request path (see module docstring)."""

    def __init__(
        self,
        s3,
        destination_uri: str,
        endpoint: str,
        variant: str = "AllTraffic",
        *,
        max_records: int = 500,
        max_seconds: float = 30.0,
        max_queue: int = 10_000,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ):
        if not destination_uri.startswith("s3://"):
            raise ValueError(f"capture destination '{destination_uri}' is not an s3:// URI")
        self.bucket, _, self.prefix = destination_uri.removeprefix("s3://").partition("/")
        self.s3, self.endpoint, self.variant, self.now = s3, endpoint, variant, now
        self.max_records, self.max_seconds = max_records, max_seconds
        self.queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self.dropped = self.written = 0
        self.keys: list[str] = []
        self._flush_now = threading.Event()
        self._flushed = threading.Condition()
        self._pending = 0
        self._thread = threading.Thread(target=self._run, name="capture-writer", daemon=True)
        self._thread.start()

    def record(self, body: bytes, content_type: str | None, response: bytes, accept: str | None) -> bool:
        """Queue one pair; False (and counted in `dropped`) when the queue is full. Never blocks."""
        with self._flushed:
            self._pending += 1
        try:
            self.queue.put_nowait(capture_record(body, content_type, response, accept, self.now()))
        except queue.Full:
            with self._flushed:
                self._pending -= 1
            self.dropped += 1
            return False
        return True

    def flush(self, timeout: float = 30.0) -> int:
        """Write everything queued so far; returns the records written in total."""
        self._flush_now.set()
        with self._flushed:
            self._flushed.wait_for(lambda: self._pending == 0, timeout=timeout)
        return self.written

    def close(self, timeout: float = 30.0) -> int:
        """Write what is left and stop the writer thread."""
        self.queue.put(_STOP)
        self._thread.join(timeout)
        return self.written

    def _run(self) -> None:
        batch: list[dict] = []
        started = None
        while True:
            wait = self.max_seconds if started is None else max(0.0, started + self.max_seconds - _clock())
            try:
                item = self.queue.get(timeout=min(wait, 0.05) if self._flush_now.is_set() else min(wait, 0.5))
            except queue.Empty:
                item = None
            if item is _STOP:
                self._write(batch)
                return
            if item is not None:
                batch.append(item)
                started = started if started is not None else _clock()
            idle = item is None
            due = started is not None and _clock() - started >= self.max_seconds
            if len(batch) >= self.max_records or due or (self._flush_now.is_set() and idle):
                self._write(batch)
                batch, started = [], None
                if idle:
                    self._flush_now.clear()

    def _write(self, batch: list[dict]) -> None:
        by_hour: dict[str, list[dict]] = {}
        for item in batch:
            by_hour.setdefault(item["eventMetadata"]["inferenceTime"][:13], []).append(item)
        for records in by_hour.values():
            when = dt.datetime.strptime(records[0]["eventMetadata"]["inferenceTime"], "%Y-%m-%dT%H:%M:%SZ")
            key = capture_key(self.prefix, self.endpoint, self.variant, when.replace(tzinfo=dt.UTC))
            body = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode("utf-8")
            try:
                self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/jsonlines")
                self.written += len(records)
                self.keys.append(key)
            except Exception as error:  # capture must never take the endpoint down
                self.dropped += len(records)
                log.warning(
                    "capture: could not write %d records to s3://%s/%s: %s", len(records), self.bucket, key, error
                )
        with self._flushed:
            self._pending -= len(batch)
            self._flushed.notify_all()


def _clock() -> float:
    import time

    return time.monotonic()


# ---- wiring into the hosting app (inference.app observers; one writer per gunicorn worker) ----
CAPTURE_URI_ENV = "INFERENCE_CAPTURE_URI"  # s3://bucket/prefix; unset: no capture (as in the image)
CAPTURE_ENDPOINT_ENV = "INFERENCE_CAPTURE_ENDPOINT"
CAPTURE_SECONDS_ENV = "INFERENCE_CAPTURE_SECONDS"
_writers: list[CaptureWriter] = []


class CaptureObserver:
    """`InferenceApp` observer: records each answered (HTTP 200) /invocations exchange."""

    def __init__(self, writer: CaptureWriter):
        self.writer = writer

    def __call__(self, exchange) -> None:
        if exchange.status == 200:
            self.writer.record(exchange.body, exchange.content_type, exchange.response_body, exchange.response_type)


def observer_from_environ(environ: dict[str, str]) -> CaptureObserver | None:
    """A CaptureObserver when $INFERENCE_CAPTURE_URI is set, else None. S3 credentials and endpoint
    come from the standard AWS_* variables (`capture_environ` sets them for a local server)."""
    uri = environ.get(CAPTURE_URI_ENV, "")
    if not uri:
        return None
    import boto3  # only when capture is on: the inference image does not capture, nor ship boto3

    seconds = float(environ.get(CAPTURE_SECONDS_ENV) or 30.0)
    writer = CaptureWriter(boto3.client("s3"), uri, environ.get(CAPTURE_ENDPOINT_ENV) or "local", max_seconds=seconds)
    _writers.append(writer)
    return CaptureObserver(writer)


def close_writers(_arbiter=None, _worker=None) -> None:
    """Write what is left (gunicorn's worker_exit(arbiter, worker) hook: a stopping worker loses no record)."""
    while _writers:
        writer = _writers.pop()
        writer.close()
        log.info("capture: %d records written, %d dropped", writer.written, writer.dropped)


def capture_environ(session, destination_uri: str, endpoint: str, max_seconds: float | None = None) -> dict[str, str]:
    """Environment that turns capture on in a server subprocess, writing with `session`'s credentials
    (an `awsenv.sessions.Clients`; and its endpoint URL: the emulator's, for a local endpoint)."""
    account = session.credentials_environ()
    environ = {
        CAPTURE_URI_ENV: destination_uri,
        CAPTURE_ENDPOINT_ENV: endpoint,
        **{
            key: account[key]
            for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION")
        },
    }
    if session.endpoint_url:
        environ["AWS_ENDPOINT_URL_S3"] = session.endpoint_url
    if max_seconds is not None:
        environ[CAPTURE_SECONDS_ENV] = str(max_seconds)
    return environ
