"""The real server (gunicorn, the image's entry point) in a subprocess: routes, hardened HTTP
edges (JSON errors for what gunicorn refuses, read deadline, keep-alive timeout, idle
connections), graceful SIGTERM and a tampered model refused before it is loaded."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import time

import pytest

from inference import handler
from inference.integrity import CONTENT_ENV, content_sha256
from inference.server import LocalServer

FAST = {"SAGEMAKER_MODEL_SERVER_WORKERS": "1", "INFERENCE_READ_TIMEOUT": "2", "INFERENCE_KEEPALIVE": "2"}
JSON_BODY = json.dumps({"instances": ["knee fracture"]})


@pytest.fixture(scope="module")
def server(tiny_model_dir):
    with LocalServer(tiny_model_dir, env=FAST) as running:
        yield running


def request(server, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Content-Type")
    finally:
        connection.close()


def raw(server, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes; return everything the server sends until it closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def one_line_json_error(response: bytes) -> dict:
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    assert b"\n" not in body
    error = json.loads(body)
    assert set(error) == {"error", "request_id"} and error["error"]
    return error


def test_ping_get_and_head(server):
    assert request(server, "GET", "/ping")[:2] == (200, b'{"status": "ok"}')
    assert request(server, "HEAD", "/ping")[:2] == (200, b"")


def test_invocations_json(server):
    status, body, content_type = request(
        server, "POST", "/invocations", JSON_BODY, {"Content-Type": "application/json"}
    )
    assert status == 200 and content_type == "application/json"
    assert json.loads(body)["predictions"][0]["label"] == "Orthopedic"


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("text/csv, application/json", "text/csv"),  # the SDK's PandasDeserializer
        ("application/*", "application/json"),
        ("application/json, text/plain, */*", "application/json"),  # axios's default
        ("text/csv;q=0.5, application/jsonlines", "application/jsonlines"),
    ],
)
def test_accept_lists_qvalues_and_wildcards(server, accept, content_type):
    headers = {"Content-Type": "application/json", "Accept": accept}
    status, _, got = request(server, "POST", "/invocations", JSON_BODY, headers)
    assert (status, got) == (200, content_type)


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"x", {"Content-Type": "application/xml"}, 415),
        (b"{broken", {"Content-Type": "application/json"}, 400),
        (b"", {"Content-Type": "application/json"}, 400),
        (b"[" * 100_000, {"Content-Type": "application/json"}, 400),
        (JSON_BODY.encode(), {"Content-Type": "application/json", "Accept": "image/png"}, 406),
        (JSON_BODY.encode(), {"Content-Type": "application/json", "Accept": "application/json;q=0"}, 406),
    ],
)
def test_client_errors_are_one_line_json_4xx(server, body, headers, status):
    code, payload, content_type = request(server, "POST", "/invocations", body, headers)
    assert code == status and content_type == "application/json"
    error = json.loads(payload)
    assert error["error"] and error["request_id"] and b"\n" not in payload


def test_oversized_body_is_413_and_the_server_keeps_serving(server):
    big = b'{"instances": ["' + b"x" * (handler.MAX_BYTES + 10) + b'"]}'
    code, payload, _ = request(server, "POST", "/invocations", big, {"Content-Type": "application/json"})
    assert code == 413 and "limit" in json.loads(payload)["error"]
    assert request(server, "GET", "/ping")[0] == 200


def test_unknown_path_is_404_and_wrong_method_405(server):
    assert request(server, "GET", "/nope")[0] == 404
    assert request(server, "PUT", "/invocations")[0] == 405


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GARBAGE\r\n\r\n", b" 400 "),
        ("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: \u00e91\r\n\r\n".encode(), b" 400 "),
        (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 12a\r\n\r\n", b" 400 "),
        (b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", b" 431 "),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b" 414 "),
    ],
)
def test_what_gunicorn_refuses_is_a_json_error_too(server, data, status):
    response = raw(server, data)
    assert status in response.split(b"\r\n", 1)[0]
    one_line_json_error(response)


def test_expect_100_continue_is_answered_at_once(server):
    body = JSON_BODY.encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=1.0) as sock:
        sock.sendall(
            b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Expect: 100-continue\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")  # within the 1 s socket timeout
        sock.settimeout(10)
        sock.sendall(body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 200")


def test_a_short_body_gets_408_and_is_closed(server):
    data = b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    response = raw(server, data, timeout=15)  # returns only once the server closes
    assert response.startswith(b"HTTP/1.1 408")
    one_line_json_error(response)


def test_idle_keep_alive_connections_are_closed(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):  # the answer, then EOF once the keep-alive timeout passed
            received += chunk
    assert received.startswith(b"HTTP/1.1 200") and received.endswith(b'{"status": "ok"}')


def test_idle_connections_do_not_starve_requests(server):
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(200)]
    try:
        assert request(server, "POST", "/invocations", JSON_BODY, {"Content-Type": "application/json"})[0] == 200
    finally:
        for sock in idle:
            sock.close()


def test_one_keep_alive_connection_answers_head_back_to_back_paused_and_pipelined_requests(server):
    """The worker keeps a busy connection in its thread and holds each response head for its body:
    a head with no body (HEAD) must still be sent, and every answer must come on the same connection."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.connect()
    first_socket = connection.sock
    try:
        answers = []
        for pause, method in [(0, "HEAD"), (0, "POST"), (0, "POST"), (0.05, "HEAD"), (0.05, "POST"), (0, "GET")]:
            time.sleep(pause)
            body = JSON_BODY if method == "POST" else None
            connection.request(method, "/invocations" if method == "POST" else "/ping", body=body,
                               headers={"Content-Type": "application/json"})  # fmt: skip
            response = connection.getresponse()
            answers.append((method, response.status, response.read()))
            assert connection.sock is first_socket, "the server closed a keep-alive connection"
    finally:
        connection.close()
    assert [(method, status) for method, status, _ in answers] == [
        ("HEAD", 200),
        ("POST", 200),
        ("POST", 200),
        ("HEAD", 200),
        ("POST", 200),
        ("GET", 200),
    ]
    assert answers[0][2] == b"" and answers[5][2] == b'{"status": "ok"}'
    assert json.loads(answers[1][2])["predictions"][0]["label"] == "Orthopedic"
    pipelined = (
        b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n" * 3 + b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert raw(server, pipelined).count(b"HTTP/1.1 200 OK\r\n") == 4


def test_pipelined_requests_of_more_connections_than_threads_are_all_answered(server):
    """20 connections pipelining 5 requests each at once, on 4 threads: connections wait for a
    thread, so read-ahead requests are queued again rather than left for the poller (which never
    sees them: they are already read). Each client keeps its connection open until all are read:
    a close that waited for the client on the poller's thread stalled the worker 2 s per
    connection, past the 2 s keep-alive timeout of connections not yet served, which were reset."""
    batch = b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n" * 4 + b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    sockets = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(20)]
    try:
        for sock in sockets:
            sock.sendall(batch)
        answers = []
        for sock in sockets:
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
            answers.append(received.count(b"HTTP/1.1 200 OK\r\n"))
    finally:
        for sock in sockets:
            sock.close()
    assert answers == [5] * 20


def test_sigterm_stops_gracefully(tiny_model_dir):
    server = LocalServer(tiny_model_dir, env=FAST)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0


def test_a_tampered_model_is_refused_before_it_is_loaded(tiny_model_dir, tmp_path):
    model_dir = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model_dir)
    expected = content_sha256(model_dir)
    (model_dir / "model.joblib").write_bytes(b"not the registered model")
    with pytest.raises(OSError, match=f"checksum mismatch: registered sha256 {expected}"):
        LocalServer(model_dir, env={**FAST, CONTENT_ENV: expected})
    with pytest.raises(OSError, match="not set; refusing"):
        LocalServer(model_dir, env={**FAST, "INFERENCE_REQUIRE_DIGEST": "1"})


def test_the_serving_code_needs_only_the_images_requirements(repo_root):
    import subprocess
    import sys

    probe = (
        "import sys; import inference.server, inference.app, inference.gunicorn_worker, inference.handler; "
        "print(','.join(sorted(m for m in ('boto3', 'botocore', 'sagemaker', 'invoke', 'dotenv', 'yaml', 'moto') "
        "if m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=repo_root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
    requirements = (repo_root / "docker" / "inference" / "requirements.txt").read_text()
    assert "gunicorn==" in requirements


def test_a_body_that_never_follows_100_continue_still_gets_408(server):
    data = (
        b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Expect: 100-continue\r\nContent-Length: 20\r\n\r\n"
    )
    response = raw(server, data, timeout=15)
    interim, _, final = response.partition(b"\r\n\r\n")
    assert interim.startswith(b"HTTP/1.1 100") and final.startswith(b"HTTP/1.1 408")
    one_line_json_error(final)


def _sockets_per_worker(arbiter_pid: int) -> list[int]:
    from pathlib import Path

    children = Path(f"/proc/{arbiter_pid}/task/{arbiter_pid}/children").read_text().split()
    counts = []
    for pid in children:
        fds = Path(f"/proc/{pid}/fd")
        counts.append(sum(1 for fd in fds.iterdir() if fd.is_symlink() and fd.readlink().name.startswith("socket:")))
    return counts


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT") or not os.path.exists("/proc/self/task"),
                    reason="SO_REUSEPORT and /proc are Linux facilities")  # fmt: skip
def test_keep_alive_connections_are_spread_over_the_workers(tiny_model_dir):
    """Each worker listens on its own SO_REUSEPORT socket, so the kernel spreads connections; with
    one shared socket the first worker to wake took nearly all (e.g. 48 of 50) and served alone."""
    with LocalServer(tiny_model_dir, env={**FAST, "SAGEMAKER_MODEL_SERVER_WORKERS": "2"}) as running:
        connections = [http.client.HTTPConnection("127.0.0.1", running.port, timeout=10) for _ in range(40)]
        try:
            for connection in connections:
                connection.request("GET", "/ping")
                assert connection.getresponse().read() == b'{"status": "ok"}'
            counts = _sockets_per_worker(running.process.pid)
        finally:
            for connection in connections:
                connection.close()
    assert len(counts) == 2
    assert min(counts) >= 5, f"connections per worker (sockets held): {counts}"
