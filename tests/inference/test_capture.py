"""The local endpoint's data capture: SageMaker's record format and keys, batching off the request path."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time

from inference.app import InferenceApp
from inference.capture import CaptureWriter, capture_key
from monitoring.captured import pairs

DEST = "s3://bucket/data-capture/ep"
KEY = re.compile(r"^data-capture/ep/ep/AllTraffic/\d{4}/\d{2}/\d{2}/\d{2}/\d{2}-\d{2}-\d{3}-[0-9a-f-]{36}\.jsonl$")
REQUEST = json.dumps({"instances": ["chest pain", "knee fracture"]}).encode()
RESPONSE = json.dumps(
    {
        "predictions": [
            {"label": "A", "probabilities": {"A": 0.9, "B": 0.1}},
            {"label": "B", "probabilities": {"A": 0.3, "B": 0.7}},
        ]
    }
).encode()


class FakeS3:
    def __init__(self, fail: bool = False, gate: threading.Event | None = None):
        self.objects: dict[str, bytes] = {}
        self.fail, self.gate = fail, gate

    def put_object(self, Bucket, Key, Body, **_):
        if self.gate is not None:
            self.gate.wait(10)
        if self.fail:
            raise ConnectionError("S3 is down")
        self.objects[f"{Bucket}/{Key}"] = Body

    def records(self) -> list[dict]:
        return [json.loads(line) for body in self.objects.values() for line in body.decode().splitlines()]


def test_records_use_sagemakers_format_and_prefix_scheme_and_read_back():
    s3 = FakeS3()
    writer = CaptureWriter(s3, DEST, "ep", max_seconds=60)
    assert writer.record(REQUEST, "application/json", RESPONSE, "application/json")
    assert writer.record(b"transcription\nheadache\n", "text/csv", b"label,A,B\nA,0.6,0.4\n", "text/csv")
    assert writer.close() == 2
    [key] = s3.objects
    assert KEY.match(key.removeprefix("bucket/")), key
    first, second = s3.records()
    assert set(first) == {"captureData", "eventMetadata", "eventVersion"} and first["eventVersion"] == "0"
    assert first["captureData"]["endpointInput"] == {
        "observedContentType": "application/json", "mode": "INPUT", "data": REQUEST.decode(), "encoding": "JSON",
    }  # fmt: skip
    assert first["captureData"]["endpointOutput"]["mode"] == "OUTPUT"
    assert second["captureData"]["endpointInput"]["encoding"] == "CSV"
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", first["eventMetadata"]["inferenceTime"])
    texts, predictions, unreadable = pairs(s3.records())
    assert texts == ["chest pain", "knee fracture", "headache"] and unreadable == 0
    assert [(p.label, p.confidence) for p in predictions] == [("A", 0.9), ("B", 0.7), ("A", 0.6)]


def test_other_content_types_are_base64_and_records_are_filed_by_their_hour():
    s3 = FakeS3()
    hours = iter([dt.datetime(2026, 1, 1, 9, 59, 59, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, 10, 0, 1, tzinfo=dt.UTC)])
    writer = CaptureWriter(s3, DEST, "ep", now=lambda: next(hours))
    writer.record(b"\x00\x01", "application/octet-stream", RESPONSE, "application/json")
    writer.record(REQUEST, "application/json", RESPONSE, "application/json")
    writer.close()
    assert sorted(k.split("/")[5:9] for k in s3.objects) == [["2026", "01", "01", "09"], ["2026", "01", "01", "10"]]
    assert s3.records()[0]["captureData"]["endpointInput"] == {
        "observedContentType": "application/octet-stream", "mode": "INPUT", "data": "AAE=", "encoding": "BASE64",
    }  # fmt: skip


def test_a_full_buffer_drops_instead_of_blocking_the_request():
    gate = threading.Event()  # S3 hangs until the gate opens
    s3 = FakeS3(gate=gate)
    writer = CaptureWriter(s3, DEST, "ep", max_records=1, max_queue=2)
    started = time.monotonic()
    accepted = [writer.record(REQUEST, "application/json", RESPONSE, "application/json") for _ in range(20)]
    assert time.monotonic() - started < 1.0
    assert accepted.count(False) >= 17 and writer.dropped == accepted.count(False)
    gate.set()
    assert writer.close() == accepted.count(True)


def test_a_batch_is_written_when_full_without_a_flush():
    s3 = FakeS3()
    writer = CaptureWriter(s3, DEST, "ep", max_records=3, max_seconds=60)
    for _ in range(3):
        writer.record(REQUEST, "application/json", RESPONSE, "application/json")
    deadline = time.monotonic() + 5
    while not s3.objects and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(s3.records()) == 3
    writer.close()


def test_s3_failures_are_counted_never_raised():
    writer = CaptureWriter(FakeS3(fail=True), DEST, "ep")
    writer.record(REQUEST, "application/json", RESPONSE, "application/json")
    assert writer.flush() == 0 and writer.dropped == 1
    writer.close()


def test_the_app_captures_what_it_answered_and_not_client_errors(tiny_model):
    from inference.capture import CaptureObserver
    from tests.inference.test_app import call

    s3 = FakeS3()
    writer = CaptureWriter(s3, DEST, "ep")
    app = InferenceApp(tiny_model, observers=[CaptureObserver(writer)])
    body = json.dumps({"instances": ["chest pain heart murmur"]}).encode()
    assert call(app, body=body)[0] == 200
    assert call(app, body=b"not json")[0] == 400  # a client error is not captured
    writer.flush()
    writer.close()
    [record] = s3.records()
    assert record["captureData"]["endpointInput"]["data"] == body.decode()
    assert json.loads(record["captureData"]["endpointOutput"]["data"])["predictions"][0]["label"] == "Cardiology"


def test_no_capture_without_the_variable():
    from inference.capture import observer_from_environ

    assert observer_from_environ({}) is None


def test_the_server_subprocess_captures_to_the_emulator_and_flushes_at_exit(emulator, tiny_model_dir):
    from awsenv.sessions import EnvSession
    from inference.capture import capture_environ
    from inference.client import http_call
    from inference.server import start_server

    session = EnvSession(emulator, "dev", local=True)
    bucket = emulator.data_bucket("dev")
    session.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": emulator.region})
    uri = f"s3://{bucket}/data-capture/ep"
    server, url = start_server(tiny_model_dir, env=capture_environ(session, uri, "ep", max_seconds=600))
    try:
        body = json.dumps({"instances": ["knee fracture"]}).encode()
        assert http_call(url, body, "application/json")[0] == 200
    finally:
        server.shutdown()  # the 600 s batch is written by the worker's exit hook
    s3 = session.client("s3")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix="data-capture/ep/")["Contents"]]
    [line] = b"".join(s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys).splitlines()
    assert json.loads(line)["captureData"]["endpointInput"]["data"] == body.decode()


def test_capture_key_names_the_hour_folder():
    when = dt.datetime(2026, 12, 3, 7, 5, 9, 123000, tzinfo=dt.UTC)
    key = capture_key("data-capture/ep/", "ep", "AllTraffic", when)
    assert key.startswith("data-capture/ep/ep/AllTraffic/2026/12/03/07/05-09-123-")


def test_a_batch_is_written_when_old_enough_without_a_flush():
    s3 = FakeS3()
    writer = CaptureWriter(s3, DEST, "ep", max_records=500, max_seconds=0.2)
    writer.record(REQUEST, "application/json", RESPONSE, "application/json")
    deadline = time.monotonic() + 5
    while not s3.objects and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(s3.records()) == 1
    writer.close()
