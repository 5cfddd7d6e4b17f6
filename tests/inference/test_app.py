"""The WSGI app alone: our faults are a generic 500 (details only in the log), and the
per-request hook sees each exchange without being able to break it."""

from __future__ import annotations

import io
import json
import logging

from inference.app import Exchange, InferenceApp


def call(app, method="POST", path="/invocations", body=b"", headers=None):
    headers = headers or {}
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": headers.get("Content-Type", "application/json"),
        "wsgi.input": io.BytesIO(body),
    }
    if "Accept" in headers:
        environ["HTTP_ACCEPT"] = headers["Accept"]
    started = {}

    def start_response(status, response_headers):
        started["status"], started["headers"] = status, dict(response_headers)

    payload = b"".join(app(environ, start_response))
    return int(started["status"].split()[0]), payload, started["headers"]


class BrokenPipeline:
    classes_ = ("a", "b")

    def predict_proba(self, texts):
        raise ValueError("secret internal detail")


def test_a_model_failure_is_a_generic_500_with_the_details_only_in_the_log(tiny_model, caplog):
    broken = type(tiny_model)(BrokenPipeline(), ["a", "b"])
    with caplog.at_level(logging.ERROR, logger="inference.app"):
        status, payload, headers = call(InferenceApp(broken), body=b'{"instances": ["x"]}')
    error = json.loads(payload)
    assert status == 500 and "secret" not in payload.decode()
    assert error["request_id"] == headers["X-Request-Id"] and error["request_id"] in error["error"]
    assert "secret internal detail" in caplog.text and error["request_id"] in caplog.text


def test_observers_see_each_exchange_and_cannot_break_it(tiny_model):
    seen: list[Exchange] = []

    def broken_observer(exchange):
        raise RuntimeError("observer bug")

    app = InferenceApp(tiny_model, observers=[seen.append, broken_observer])
    status, payload, headers = call(app, body=b'{"instances": ["knee fracture"]}', headers={"Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"] == "text/csv"
    call(app, body=b"{bad", headers={"Content-Type": "application/json"})
    assert [(e.status, e.response_type, e.accept) for e in seen] == [(200, "text/csv", "text/csv"),
                                                                      (400, "application/json", None)]  # fmt: skip
    assert seen[0].body == b'{"instances": ["knee fracture"]}' and seen[0].response_body == payload
    assert seen[0].request_id == headers["X-Request-Id"]


def test_head_ping_has_no_body_but_the_length_of_get():
    app = InferenceApp(model=None)
    status, payload, headers = call(app, method="HEAD", path="/ping")
    assert (status, payload, headers["Content-Length"]) == (200, b"", str(len(b'{"status": "ok"}')))
