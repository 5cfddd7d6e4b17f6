"""gunicorn's threaded worker with three changes for a server exposed to any client.

1. A read deadline. gunicorn reads a request with blocking sockets and no timeout, so a client
   that sends fewer bytes than its Content-Length (or its headers byte by byte) holds a thread
   for ever. Here every request must arrive whole within the read timeout
   (`ServerSettings.read_timeout`); past it the client gets a one-line JSON 408 and the
   connection is closed.
2. New connections wait in the worker's poller, not in a thread, until they send something
   (gunicorn gives each one a thread for up to 5 s first): idle connections cannot starve the
   thread pool; they are closed after the keep-alive timeout.
3. Requests gunicorn itself refuses (garbage request line, oversized headers, malformed
   Content-Length...) are answered with the same one-line JSON errors as the app's, not HTML.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import selectors
import socket
import time
import uuid
from functools import partial

from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import TConn, ThreadWorker

log = logging.getLogger("inference.server")
STATUS = {  # gunicorn's parse errors -> our status; anything else is our fault (500)
    http_errors.ConfigurationProblem: (500, ""),
    http_errors.LimitRequestHeaders: (431, "Request Header Fields Too Large"),
    http_errors.LimitRequestLine: (414, "URI Too Long"),
    http_errors.ExpectationFailed: (417, "Expectation Failed"),
    http_errors.ForbiddenProxyRequest: (403, "Forbidden"),
    http_errors.ParseException: (400, "Bad Request"),
}


def _response(status: int, reason: str, message: str, request_id: str) -> bytes:
    body = json.dumps({"error": " ".join(message.split()), "request_id": request_id}).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"X-Request-Id: {request_id}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class ClientTimeout(TimeoutError):
    """The request did not arrive within the read timeout (errno ECONNRESET: gunicorn closes quietly)."""


class DeadlineSocket(socket.socket):
    """A client socket whose blocking reads share one deadline per request."""

    read_timeout = 20.0

    def begin_request(self) -> None:
        self.deadline = time.monotonic() + self.read_timeout
        self.answered = False

    def setblocking(self, flag: bool) -> None:  # gunicorn's "blocking" becomes "blocking, bounded"
        if flag:
            super().settimeout(self.read_timeout)
        else:
            super().setblocking(False)

    def _arm(self) -> None:
        current = self.gettimeout()
        if current == 0.0:  # non-blocking (the poller's): nothing to bound
            return
        remaining = getattr(self, "deadline", time.monotonic() + self.read_timeout) - time.monotonic()
        if remaining <= 0:
            self._timed_out()
        super().settimeout(remaining if current is None else min(current, remaining))

    def _timed_out(self):
        if not getattr(self, "answered", True):
            request_id = uuid.uuid4().hex
            log.warning("request %s: not received within %.0f s; answered 408, closed", request_id, self.read_timeout)
            message = f"request not received within {self.read_timeout:.0f} s; send it whole, promptly"
            try:
                super().settimeout(1.0)
                super().sendall(_response(408, "Request Timeout", message, request_id))
            except OSError:
                pass
            self.answered = True
        raise ClientTimeout(errno.ECONNRESET, "request read timed out")

    def recv(self, *args):
        self._arm()
        try:
            return super().recv(*args)
        except TimeoutError:
            self._timed_out()

    def recv_into(self, *args):
        self._arm()
        try:
            return super().recv_into(*args)
        except TimeoutError:
            self._timed_out()

    def sendall(self, *args):
        self.answered = True
        return super().sendall(*args)

    def send(self, data, *args):
        if bytes(data[:13]) != b"HTTP/1.1 100 ":  # an interim 100 Continue is not the answer
            self.answered = True
        return super().send(data, *args)


class HostingWorker(ThreadWorker):
    """gunicorn's gthread worker with a read deadline, lazy threads and JSON errors (module docstring)."""

    def init_process(self):
        DeadlineSocket.read_timeout = float(os.environ.get("INFERENCE_READ_TIMEOUT", DeadlineSocket.read_timeout))
        super().init_process()

    def accept(self, listener):
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        sock = DeadlineSocket(client.family, client.type, client.proto, fileno=client.detach())
        self.nr_conns += 1
        conn = TConn(self.cfg, sock, address, listener.getsockname())  # non-blocking until readable
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))

    def handle(self, conn):
        if isinstance(conn.sock, DeadlineSocket):
            conn.sock.begin_request()
        return super().handle(conn)

    def handle_error(self, req, client, addr, exc):
        request_id = uuid.uuid4().hex
        status, reason = next((value for kind, value in STATUS.items() if isinstance(exc, kind)), (500, ""))
        if status == 500:
            self.log.exception("request %s: internal error", request_id)
            reason, message = "Internal Server Error", f"internal error; quote request id {request_id}"
        else:
            message = f"{reason.lower()}: {exc}"[:300]
            self.log.warning("request %s: HTTP %d from %s: %s", request_id, status, (addr or ("",))[0], exc)
        try:
            client.sendall(_response(status, reason, message, request_id))
        except OSError:
            self.log.debug("request %s: could not send the error response", request_id)
