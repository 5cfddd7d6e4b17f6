"""The HTTP server answers /ping and /invocations with the handler's status codes."""

from __future__ import annotations

import http.client
import json

import pytest

from inference import handler
from inference.server import serve_in_thread


@pytest.fixture(scope="module")
def server(tiny_model):
    server, _url = serve_in_thread(tiny_model)
    yield server
    server.shutdown()
    server.server_close()


def request(server, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Content-Type")
    finally:
        connection.close()


def test_ping(server):
    assert request(server, "GET", "/ping")[0] == 200


def test_invocations_json(server):
    status, body, content_type = request(
        server,
        "POST",
        "/invocations",
        json.dumps({"instances": ["knee fracture"]}),
        {"Content-Type": "application/json"},
    )
    assert status == 200 and content_type == "application/json"
    assert json.loads(body)["predictions"][0]["label"] == "Orthopedic"


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"x", {"Content-Type": "application/xml"}, 415),
        (b"{broken", {"Content-Type": "application/json"}, 400),
        (b"", {"Content-Type": "application/json"}, 400),
        (b'{"instances": ["a"]}', {"Content-Type": "application/json", "Accept": "image/png"}, 406),
    ],
)
def test_client_errors_over_http(server, body, headers, status):
    code, payload, content_type = request(server, "POST", "/invocations", body, headers)
    assert code == status
    assert content_type == "application/json" and json.loads(payload)["error"]


def test_oversized_body_is_400_and_the_server_keeps_serving(server):
    big = b'{"instances": ["' + b"x" * (handler.MAX_BYTES + 10) + b'"]}'
    code, payload, _ = request(server, "POST", "/invocations", big, {"Content-Type": "application/json"})
    assert code == 400 and "limit" in json.loads(payload)["error"]
    assert request(server, "GET", "/ping")[0] == 200


def test_unknown_path_is_404(server):
    assert request(server, "GET", "/nope")[0] == 404
