"""The step helper that outlives runs (`step_server.start`); a plain script beside warm_helper.py.

    python warm_listener.py --listen PATH --idle SECONDS

It binds a Unix socket at PATH (mode 0600; `step_server` makes its directory 0700), imports what
warm_helper imports, then takes one request per connection: the same request as warm_helper's
(argv, env, cwd, log), from a peer of its own uid only (SO_PEERCRED). Each step is forked as
warm_helper forks it, in a process group of its own. SIGTERM kills the running steps' groups,
removes the socket and exits at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys

from warm_helper import Helper, warm_up  # the script's own directory is first on sys.path


class Listener(Helper):
    """The step helper that outlives runs (`step_server.start`): one request per connection on a
    Unix socket that only this user can reach (its directory 0700, the socket 0600, and each
    peer's uid checked). Replies go on the connection: {"pid": ...} when the step started,
    {"pid": ..., "code": ...} when it ended. A connection closed before its step ended (the run
    was interrupted or timed out) kills the step's process group. With nothing running and no
    request for `idle` seconds, the helper removes its socket and exits."""

    MAX_REQUEST = 1 << 20  # a request line is the step's argv, environment and paths: small

    def __init__(self, listener, idle: float) -> None:
        super().__init__()
        self.listener, self.idle = listener, idle
        self.connections: dict[int, list] = {}  # fd -> [socket, received bytes, pid or None]

    def reply_on(self, connection, message: dict) -> None:
        with contextlib.suppress(OSError):  # the requester may have gone: the step is killed anyway
            connection.sendall((json.dumps(message) + "\n").encode())

    def ended(self, pid: int, code: int) -> None:
        fd = self.running.pop(pid, None)
        entry = self.connections.pop(fd, None) if fd is not None else None
        if entry is not None:
            self.reply_on(entry[0], {"pid": pid, "code": code})
            entry[0].close()

    def accept(self) -> None:
        import socket
        import struct

        try:
            connection, _ = self.listener.accept()
        except OSError:  # the requester gave up between the wake-up and the accept
            return
        try:
            credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            peer_uid = struct.unpack("3i", credentials)[1]
        except OSError:
            peer_uid = None
        if peer_uid != os.getuid():  # only the user who started the helper
            connection.close()
            return
        self.connections[connection.fileno()] = [connection, b"", None]

    def receive(self, fd: int) -> None:
        entry = self.connections[fd]
        chunk = b""
        with contextlib.suppress(OSError):
            chunk = entry[0].recv(65536)
        if not chunk:  # the requester went away: its step goes too
            if entry[2] is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(entry[2], signal.SIGKILL)
                if entry[2] in self.running:
                    self.running[entry[2]] = None  # reaped later, nobody to tell
            del self.connections[fd]
            entry[0].close()
            return
        entry[1] += chunk
        if entry[2] is None and b"\n" in entry[1]:
            try:
                request = json.loads(entry[1].split(b"\n", 1)[0])
            except ValueError:
                request = None
            if not isinstance(request, dict) or not isinstance(request.get("argv"), list):
                del self.connections[fd]  # not a request of ours: nothing runs
                entry[0].close()
                return
            others = (*(c.fileno() for c, _, _ in self.connections.values()), self.listener.fileno())
            entry[2] = self.fork(request, close=others, own_group=True)
            self.running[entry[2]] = fd
            self.reply_on(entry[0], {"pid": entry[2]})
        elif len(entry[1]) > self.MAX_REQUEST:
            del self.connections[fd]
            entry[0].close()

    def terminate(self, path: str) -> None:
        """Kill the running steps' process groups, remove the socket, exit at once (also mid-import:
        no unwinding through half-imported libraries)."""
        for pid in self.running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.unlink(path)
        os._exit(0)

    def serve(self) -> None:
        import select
        import time

        quiet_since = time.monotonic()
        while True:
            timeout = max(0.0, quiet_since + self.idle - time.monotonic())
            watched = [self.listener.fileno(), self.wakeup, *self.connections]
            readable, _, _ = select.select(watched, [], [], timeout)
            if self.wakeup in readable:
                os.read(self.wakeup, 4096)
            self.reap()
            if self.listener.fileno() in readable:
                self.accept()
            for fd in readable:
                if fd in self.connections:
                    self.receive(fd)
            if self.running or self.connections:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= self.idle:
                return


def listen(path: str, idle: float) -> None:
    """Bind `path` first (a requester that comes during the warm-up waits in the backlog), warm
    up, then serve connections until idle; the socket goes with the helper."""
    import socket

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(previous)
    listener.listen(64)
    helper = Listener(listener, idle)
    signal.signal(signal.SIGTERM, lambda *_: helper.terminate(path))  # `step_server.stop`
    warm_up()
    helper.serve()
    with contextlib.suppress(OSError):
        os.unlink(path)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--listen" and sys.argv[3] == "--idle":
        listen(sys.argv[2], float(sys.argv[4]))
    else:
        sys.exit("usage: python warm_listener.py --listen PATH --idle SECONDS")
