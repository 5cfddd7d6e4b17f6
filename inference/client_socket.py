"""The client socket the hosting worker serves a connection on: bounded waits, few system calls.

gunicorn reads and writes a connection as if it were a blocking socket with no timeout. A
`ClientSocket` keeps the operating-system socket non-blocking and waits itself, only when a
read or write cannot complete at once:

- Reads of a request share one deadline (`begin_request` + `read_timeout`): a client that sends
  fewer bytes than its Content-Length, or its headers byte by byte, gets a one-line JSON 408
  and the connection is closed (`ClientTimeout`, errno ECONNRESET: gunicorn closes quietly).
- A write waits at most `read_timeout` for a client that does not read its answer.
- Data already there is read or sent by one system call: no poll before each recv/send and no
  switch of the file descriptor's blocking mode per request (what a Python socket timeout costs).
- A response head (`HTTP/1.x NNN ...\\r\\n\\r\\n`, not an interim 1xx) is held until its body, so
  head and body leave in one send; anything else sent, any read and `flush()` send it first.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import select
import socket
import time

from inference.request_ids import new_request_id

log = logging.getLogger("inference.server")


def error_response(status: int, reason: str, message: str, request_id: str) -> bytes:
    """A whole one-line JSON error response that closes the connection."""
    body = json.dumps({"error": " ".join(message.split()), "request_id": request_id}).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"X-Request-Id: {request_id}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class ClientTimeout(TimeoutError):
    """The request did not arrive (or its answer was not read) within the read timeout."""


def _is_response_head(data) -> bool:
    return (
        isinstance(data, bytes)
        and data[:7] == b"HTTP/1."
        and data[9:10] != b"1"  # an interim 1xx is sent at once
        and data.endswith(b"\r\n\r\n")
    )


class ClientSocket(socket.socket):
    """See module docstring. gunicorn's `setblocking`/`settimeout` only choose how we wait."""

    read_timeout = 20.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        super().setblocking(False)
        self._waits = False  # what gunicorn asked for: blocking (bounded waits) or non-blocking
        self._limit: float | None = None  # an explicit settimeout (gunicorn's drains), else read_timeout
        self._head = b""
        self.deadline: float | None = None
        self.answered = True

    def begin_request(self) -> None:
        self.deadline = time.monotonic() + self.read_timeout
        self.answered = False

    # gunicorn's view of the socket's mode ---------------------------------------------------
    def setblocking(self, flag: bool) -> None:
        self._waits, self._limit = bool(flag), None

    def settimeout(self, value: float | None) -> None:
        self._waits = value is None or value > 0
        self._limit = value if value else None

    def gettimeout(self) -> float | None:
        if not self._waits:
            return 0.0
        return self._limit if self._limit is not None else self.read_timeout

    # waiting ------------------------------------------------------------------------------------
    def readable_within(self, seconds: float) -> bool:
        """Whether data (or the client's close) arrives within `seconds`."""
        self.flush()
        return self._ready(select.POLLIN, seconds)

    def _ready(self, event: int, seconds: float) -> bool:
        poller = select.poll()
        poller.register(self, event)
        return bool(poller.poll(max(0.0, seconds) * 1000))

    def _wait(self, event: int) -> None:
        remaining = self._limit if self._limit is not None else self.read_timeout
        if event == select.POLLIN and self.deadline is not None:
            remaining = min(remaining, self.deadline - time.monotonic())
        if remaining <= 0 or not self._ready(event, remaining):
            self._timed_out()

    def _timed_out(self):
        if not self.answered:
            request_id = new_request_id()
            log.warning("request %s: not received within %.0f s; answered 408, closed", request_id, self.read_timeout)
            message = f"request not received within {self.read_timeout:.0f} s; send it whole, promptly"
            self._head = b""
            self.answered = True
            try:
                if self._ready(select.POLLOUT, 1.0):
                    super().send(error_response(408, "Request Timeout", message, request_id))
            except OSError:
                pass
        raise ClientTimeout(errno.ECONNRESET, "request read timed out")

    # reads ----------------------------------------------------------------------------------------
    def _read(self, call, *args):
        self.flush()
        while True:
            if self._waits and self.deadline is not None and time.monotonic() > self.deadline:
                self._timed_out()
            try:
                return call(*args)
            except BlockingIOError:
                if not self._waits:
                    raise
                self._wait(select.POLLIN)

    def recv(self, *args):
        return self._read(super().recv, *args)

    def recv_into(self, *args):
        return self._read(super().recv_into, *args)

    # writes -----------------------------------------------------------------------------------------
    def _send_all(self, data, flags: int = 0) -> None:
        view = memoryview(data).cast("B")
        while view:
            try:
                sent = super().send(view, flags)
            except BlockingIOError:
                self._wait(select.POLLOUT)
                continue
            view = view[sent:]

    def flush(self) -> None:
        """Send a held response head."""
        if self._head:
            head, self._head = self._head, b""
            self._send_all(head)

    def sendall(self, data, flags: int = 0) -> None:
        self.answered = True
        if not self._head and not flags and _is_response_head(data):
            self._head = data
            return None
        if self._head:
            data, self._head = self._head + bytes(data), b""
        self._send_all(data, flags)
        return None

    def send(self, data, flags: int = 0) -> int:
        if bytes(data[:13]) != b"HTTP/1.1 100 ":  # an interim 100 Continue is not the answer
            self.answered = True
        self.flush()
        while True:
            try:
                return super().send(data, flags)
            except BlockingIOError:
                self._wait(select.POLLOUT)

    def shutdown(self, how: int) -> None:
        with contextlib.suppress(OSError):  # the client is gone: nothing to send it
            self.flush()
        super().shutdown(how)

    def close(self) -> None:
        with contextlib.suppress(OSError):  # the client is gone: nothing to send it
            self.flush()
        super().close()
