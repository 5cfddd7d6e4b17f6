"""The hosting worker's pieces in one process: the client socket (response head held for its
body, bounded waits, 408 on a late request), request ids, the heartbeat's rate and directory."""

from __future__ import annotations

import json
import os
import re
import socket
import threading

import pytest

from inference import gunicorn_worker, serving
from inference.client_socket import ClientSocket, ClientTimeout
from inference.request_ids import new_request_id

HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    sock = ClientSocket(ours.family, ours.type, ours.proto, fileno=ours.detach())
    theirs.settimeout(5)
    yield sock, theirs
    sock.close()
    theirs.close()


def pending(peer: socket.socket) -> bytes:
    """What `peer` can read now, without waiting."""
    peer.setblocking(False)
    try:
        return peer.recv(65536)
    except BlockingIOError:
        return b""
    finally:
        peer.settimeout(5)


def test_a_response_head_leaves_with_its_body(pair):
    sock, peer = pair
    sock.setblocking(True)
    sock.sendall(HEAD)
    assert pending(peer) == b""
    sock.sendall(b"{}")
    assert peer.recv(65536) == HEAD + b"{}"


def test_a_held_head_without_body_is_sent_by_flush_and_by_close(pair):
    sock, peer = pair
    sock.setblocking(True)
    sock.sendall(HEAD)
    sock.flush()
    assert peer.recv(65536) == HEAD
    sock.sendall(HEAD)
    sock.close()
    assert peer.recv(65536) == HEAD


def test_an_interim_100_continue_is_sent_at_once(pair):
    sock, peer = pair
    sock.setblocking(True)
    sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert pending(peer) == b"HTTP/1.1 100 Continue\r\n\r\n"
    sock.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
    assert pending(peer).startswith(b"HTTP/1.1 103")


def test_gunicorns_modes_only_choose_how_reads_wait(pair):
    sock, peer = pair
    assert sock.gettimeout() == 0.0
    with pytest.raises(BlockingIOError):
        sock.recv(10)
    sock.setblocking(True)
    assert sock.gettimeout() == ClientSocket.read_timeout
    sock.settimeout(0.5)
    assert sock.gettimeout() == 0.5
    peer.sendall(b"GET")
    assert sock.recv(10) == b"GET"
    assert sock.readable_within(0.01) is False
    peer.sendall(b" /")
    assert sock.readable_within(1.0) is True


def test_a_request_not_received_within_the_read_timeout_gets_408(pair, monkeypatch):
    sock, peer = pair
    monkeypatch.setattr(ClientSocket, "read_timeout", 0.2)
    sock.setblocking(True)
    sock.begin_request()
    peer.sendall(b"POST /invocations HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
    assert sock.recv(65536).endswith(b"{")
    with pytest.raises(ClientTimeout) as raised:
        sock.recv(65536)
    assert isinstance(raised.value, TimeoutError)
    head, _, body = peer.recv(65536).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408") and b"Connection: close" in head
    error = json.loads(body)
    assert set(error) == {"error", "request_id"} and error["error"].startswith("request not received within")


def test_a_request_arriving_in_time_is_read_whole(pair, monkeypatch):
    sock, peer = pair
    monkeypatch.setattr(ClientSocket, "read_timeout", 2.0)
    sock.setblocking(True)
    sock.begin_request()
    sender = threading.Timer(0.1, peer.sendall, [b"late but in time"])
    sender.start()
    assert sock.recv(65536) == b"late but in time"
    sender.join()


def test_request_ids_are_unique_across_threads_and_forked_workers():
    ids: list[str] = []

    def draw():
        ids.extend(new_request_id() for _ in range(2000))

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == len(ids) == 8000
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the forked child
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    in_child = os.read(read, 64).decode()
    os.close(read)
    assert in_child[:20] != ids[0][:20], "a forked worker must not share its parent's id prefix"


def test_the_heartbeat_is_touched_at_most_once_per_interval(monkeypatch):
    touches = []
    worker = gunicorn_worker.HostingWorker.__new__(gunicorn_worker.HostingWorker)
    worker.tmp = type("Tmp", (), {"notify": lambda self: touches.append(1)})()
    now = [1000.0]
    monkeypatch.setattr(gunicorn_worker.time, "monotonic", lambda: now[0])
    for _ in range(50):
        worker.notify()
    assert len(touches) == 1
    now[0] += gunicorn_worker.HEARTBEAT_INTERVAL
    worker.notify()
    assert len(touches) == 2


def test_the_heartbeat_lives_in_a_writable_memory_directory_or_gunicorns_default(tmp_path):
    assert serving.heartbeat_dir(str(tmp_path)) == str(tmp_path)
    assert serving.heartbeat_dir(str(tmp_path / "missing")) is None
    (tmp_path / "file").write_text("")
    assert serving.heartbeat_dir(str(tmp_path / "file")) is None
    options = serving.ServerSettings(workers=1).gunicorn_options("127.0.0.1:8080")
    assert options["worker_tmp_dir"] == serving.heartbeat_dir()
