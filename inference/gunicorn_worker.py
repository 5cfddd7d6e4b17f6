"""gunicorn's threaded worker, changed for a server exposed to any client and for throughput.

1. A read deadline. gunicorn reads a request as if from a blocking socket with no timeout, so a
   client that sends fewer bytes than its Content-Length (or its headers byte by byte) would hold
   a thread for ever. Each connection is an `inference.client_socket.ClientSocket`: every
   request must arrive whole within the read timeout (`ServerSettings.read_timeout`); past it the
   client gets a one-line JSON 408 and the connection is closed.
2. New connections wait in the worker's poller, not in a thread, until they send something
   (gunicorn gives each one a thread for up to 5 s first): idle connections cannot starve the
   thread pool; they are closed after the keep-alive timeout.
3. Requests gunicorn itself refuses (garbage request line, oversized headers, malformed
   Content-Length...) are answered with the same one-line JSON errors as the app's, not HTML.
4. A keep-alive connection stays with its thread while its next request arrives within
   `NEXT_REQUEST_WAIT` and no other connection waits for a thread; otherwise it goes back to the
   poller, as in gunicorn. Pipelined requests (read ahead into the parser's buffer, so the
   socket never wakes the poller: gunicorn left them unanswered until the keep-alive timeout)
   are served next by the same thread, or queued for one behind the connections waiting. Handing a connection from the poller to a thread and back costs
   more than the request itself (a pipe write, two epoll changes, a future, a thread wake-up
   and the GIL passed between threads each time).
5. A connection to close is half-closed and drained by the poller: gunicorn waited for the
   client to close (up to 2 s) on the poller's own thread, so one client that read its answer
   and kept the connection open stopped the whole worker (accepting, dispatching, timeouts)
   for that long.
6. The heartbeat file (which tells the arbiter the worker is alive) is touched at most once per
   `HEARTBEAT_INTERVAL`, not on every pass of the event loop.
7. After a graceful stop the worker runs the `worker_exit` hook (data capture writes what it
   buffered), flushes its logs and exits without tearing the interpreter down: with numpy and
   scikit-learn loaded that teardown took ~0.3 s of every stop. A worker that fails to boot
   still exits through gunicorn, with its exit code.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import selectors
import socket
import sys
import time
from collections import deque
from functools import partial

from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import TConn, ThreadWorker

from inference.client_socket import ClientSocket, error_response
from inference.request_ids import new_request_id

NEXT_REQUEST_WAIT = 0.002  # seconds a thread waits for the next request on its keep-alive connection
CLOSE_DRAIN = 2.0  # seconds a closing connection is drained (gunicorn's graceful close waits as long)
HEARTBEAT_INTERVAL = 1.0  # seconds; the arbiter restarts a worker silent for `timeout` (>= 30 s)
STATUS = {  # gunicorn's parse errors -> our status; anything else is our fault (500)
    http_errors.ConfigurationProblem: (500, ""),
    http_errors.LimitRequestHeaders: (431, "Request Header Fields Too Large"),
    http_errors.LimitRequestLine: (414, "URI Too Long"),
    http_errors.ExpectationFailed: (417, "Expectation Failed"),
    http_errors.ForbiddenProxyRequest: (403, "Forbidden"),
    http_errors.ParseException: (400, "Bad Request"),
}


def _pipelined(conn) -> bool:
    """Whether the parser holds bytes of a next request (a client that pipelines)."""
    buffer = getattr(getattr(conn.parser, "unreader", None), "buf", None)
    if buffer is None:
        return False
    with buffer.getbuffer() as view:
        return view.nbytes > 0


class HostingWorker(ThreadWorker):
    """gunicorn's gthread worker with the changes of the module docstring."""

    _notified = float("-inf")

    def init_process(self):
        ClientSocket.read_timeout = float(os.environ.get("INFERENCE_READ_TIMEOUT", ClientSocket.read_timeout))
        self.waiting = deque()  # one entry per connection submitted to the pool and not yet in a thread
        self.closing = deque()  # (deadline, socket) of half-closed connections, oldest first
        super().init_process()

    def run(self):
        super().run()  # returns once the graceful stop is over (its connections served or timed out)
        self.log.info("Worker exiting (pid: %s)", self.pid)
        try:
            self.cfg.worker_exit(None, self)
        finally:
            logging.shutdown()
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(0)

    def notify(self):
        now = time.monotonic()
        if now - self._notified >= HEARTBEAT_INTERVAL:
            self._notified = now
            super().notify()

    def accept(self, listener):
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        sock = ClientSocket(client.family, client.type, client.proto, fileno=client.detach())
        self.nr_conns += 1
        conn = TConn(self.cfg, sock, address, listener.getsockname())  # non-blocking until readable
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))

    def enqueue_req(self, conn):
        self.waiting.append(conn)
        super().enqueue_req(conn)

    def handle(self, conn):
        with contextlib.suppress(IndexError):
            self.waiting.popleft()
        sock = conn.sock
        if not isinstance(sock, ClientSocket):
            return super().handle(conn)
        while True:
            sock.begin_request()
            keep_alive = super().handle(conn)
            if keep_alive is not True:
                break
            if not self.alive or self.waiting:
                break  # a pipelined request goes to the back of the queue (finish_request)
            if _pipelined(conn):  # already read: the socket will not wake the poller for it
                continue
            try:
                if not sock.readable_within(NEXT_REQUEST_WAIT):
                    break
            except OSError:  # the client went away while its answer was being sent
                return False
        if keep_alive is True:
            try:
                sock.flush()
            except OSError:
                return False
        return keep_alive

    def finish_request(self, conn, fs):
        """On the poller's thread, after `handle`: a connection whose next request is already read
        is queued for a thread again (the poller would never see it); one to close is half-closed
        and drained by the poller (`close_later`); the rest as gunicorn does."""
        result = None if fs.cancelled() or fs.exception() is not None else fs.result()
        if not isinstance(conn.sock, ClientSocket) or result not in (True, False):
            return super().finish_request(conn, fs)
        if result is True and self.alive and _pipelined(conn):
            return self.enqueue_req(conn)
        if result is False:
            self.nr_conns -= 1
            return self.close_later(conn.sock)
        return super().finish_request(conn, fs)

    def close_later(self, sock: ClientSocket) -> None:
        """gunicorn's graceful close without blocking its poller's thread: send FIN now, read and
        discard what the client still sends (so the close is not a reset that destroys the answer),
        and close when the client closes or after `CLOSE_DRAIN` seconds."""
        sock.setblocking(False)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            sock.close()
            return
        self.closing.append((time.monotonic() + CLOSE_DRAIN, sock))
        self.poller.register(sock, selectors.EVENT_READ, self._drain)

    def _drain(self, sock: ClientSocket) -> None:
        try:
            if sock.recv(65536):
                return  # more to discard; the deadline bounds it
        except BlockingIOError:
            return
        except OSError:
            pass
        self._close_now(sock)

    def _close_now(self, sock: ClientSocket) -> None:
        if sock.fileno() == -1:
            return
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(sock)
        sock.close()

    def murder_pending(self):
        super().murder_pending()
        now = time.monotonic()
        while self.closing and self.closing[0][0] <= now:
            self._close_now(self.closing.popleft()[1])

    def handle_error(self, req, client, addr, exc):
        request_id = new_request_id()
        status, reason = next((value for kind, value in STATUS.items() if isinstance(exc, kind)), (500, ""))
        if status == 500:
            self.log.exception("request %s: internal error", request_id)
            reason, message = "Internal Server Error", f"internal error; quote request id {request_id}"
        else:
            message = f"{reason.lower()}: {exc}"[:300]
            self.log.warning("request %s: HTTP %d from %s: %s", request_id, status, (addr or ("",))[0], exc)
        try:
            client.sendall(error_response(status, reason, message, request_id))
        except OSError:
            self.log.debug("request %s: could not send the error response", request_id)
