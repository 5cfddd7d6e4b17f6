"""How the local executor starts a step's process: fresh (`spawn`) or forked from a warm helper.

Every step runs in its own process with the container contract: its environment, working
directory, argv, stdout/stderr into step.log, its exit code. A fresh interpreter spends seconds
importing numpy, scikit-learn and boto3 before the step's first line, once per step. The warm
launcher starts one helper per run, or one for the demo's concurrent runs (`python
warm_helper.py`, standard library only), that imports them once, while the run prepares; each
step's process is then forked from it, gets the step's environment, directory, argv and log, and
runs the script as `__main__` (as `python script.py` would). A step that comes before the
helper is warm waits for it: starting cold would import the same libraries again, on the same
CPUs. The helper and its steps are one process group: closing the launcher (also after Ctrl-C)
kills steps still running. When the helper started with the emulator (`step_server`) runs for
these libraries, a launcher starts no helper of its own: each step is a connection to that one,
so nothing waits for a warm-up. `PROMOTE_STEP_LAUNCH=run` always starts the run's own helper;
`PROMOTE_STEP_LAUNCH=spawn` starts every step fresh instead; a command that is not `<this
python> <script>`, or a platform without fork, always is.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

HELPER = Path(__file__).with_name("warm_helper.py")
READY_SECONDS = 120.0  # the longest a step waits for the helper's imports before it starts cold


class StepTimeout(Exception):
    pass


class HelperGone(RuntimeError):
    """The helper a step was forked from went away (or the launcher was closed) before the step ended."""


def host_environ() -> dict[str, str]:
    """This process's environment without AWS credentials and SageMaker variables: what a helper
    or a step inherits, before a step gets its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SM_"))}


def spawn(command: list[str], *, env: dict[str, str], cwd: Path, log: Path, timeout: float) -> int:
    """Run `command` in a fresh process; its exit code (StepTimeout after `timeout` seconds)."""
    with log.open("a") as out:
        try:
            return subprocess.run(  # noqa: S603 - the definition's own step script, with this Python
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False
            ).returncode
        except subprocess.TimeoutExpired:
            raise StepTimeout from None


class WarmLauncher:
    """One warm helper process; `run()` forks each step's process from it. Thread-safe: the
    runs of several environments (the demo's) may share one launcher and run steps at once."""

    def __init__(self, state_dir: Path | None = None) -> None:
        from training_pipeline.local_executor import step_server

        self.helper: subprocess.Popen | None = None
        self._ready = threading.Event()  # the helper has imported PRELOAD (or has exited)
        self._lock = threading.Lock()
        self._waiting: dict[int, queue.SimpleQueue] = {}  # request id -> its replies
        self._ids = itertools.count()
        self.started_at, self.ready_seconds = time.monotonic(), None  # how long the warm-up took
        self.state_dir = state_dir or step_server.STATE_DIR
        self.shared = False  # steps fork from the helper started with the emulator (step_server)
        self._connections: set = set()  # to that helper, one per running step
        self.hint = ""  # for the user, when a run could have been faster
        mode = os.environ.get("PROMOTE_STEP_LAUNCH", "warm")
        if not hasattr(os, "fork") or mode == "spawn":
            return
        self._socket = step_server.socket_path(self.state_dir) if mode != "run" else None  # once, not per step
        probe = step_server.connect(self.state_dir, self._socket) if self._socket else None
        if probe is not None:
            probe.close()
            self.shared, self.ready_seconds = True, 0.0
            self._ready.set()
            return
        if mode != "run":
            self.hint = "steps: warming a step helper for this run (~2 s); `invoke emulator.start` keeps one warm"
        self.helper = subprocess.Popen(  # noqa: S603 - our own helper script, this Python
            [sys.executable, str(HELPER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=host_environ(),
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read_replies, name="step-launcher", daemon=True).start()

    @property
    def ready(self) -> bool:
        return self.shared or (self._ready.is_set() and self.helper is not None and self.helper.poll() is None)

    def wait_ready(self, timeout: float = READY_SECONDS) -> bool:
        """Whether the helper is warm (waiting up to `timeout` seconds for its imports)."""
        self._ready.wait(timeout)
        return self.ready

    def run(self, command: list[str], *, env: dict[str, str], cwd: Path, log: Path, timeout: float) -> int:
        """The step's exit code; a step waits for the helper's warm-up rather than start cold
        (a cold start imports the same libraries, competing with the helper for the CPU)."""
        script = len(command) > 1 and command[0] == sys.executable and not command[1].startswith("-")
        request = {"argv": command[1:], "env": env, "cwd": str(cwd), "log": str(log)}
        if self.shared and script:
            code = self._run_shared(request, timeout)
            if code is not None:
                return code
        if self.helper is None or not script or not self.wait_ready():
            return spawn(command, env=env, cwd=cwd, log=log, timeout=timeout)
        request_id, replies = next(self._ids), queue.SimpleQueue()
        request["id"] = request_id
        with self._lock:
            self._waiting[request_id] = replies
            self.helper.stdin.write(json.dumps(request) + "\n")
            self.helper.stdin.flush()
        try:
            pid = self._reply(replies, 60.0)["pid"]
            try:
                return self._reply(replies, timeout)["code"]
            except StepTimeout:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                self._reply(replies, 10.0)
                raise
        finally:
            with self._lock:
                self._waiting.pop(request_id, None)

    def _run_shared(self, request: dict, timeout: float) -> int | None:
        """The step's exit code, forked by the helper started with the emulator; None when that
        helper is gone (the caller then starts the step itself)."""
        from training_pipeline.local_executor import step_server

        connection = step_server.connect(self.state_dir, self._socket)
        if connection is None:
            return None
        with self._lock:
            self._connections.add(connection)
        try:
            connection.sendall((json.dumps(request) + "\n").encode())
            replies = connection.makefile("rb")
            connection.settimeout(READY_SECONDS)  # the helper may still be warming up
            pid = self._shared_reply(replies)["pid"]
            connection.settimeout(timeout)
            try:
                return self._shared_reply(replies)["code"]
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                raise StepTimeout from None
        finally:
            with self._lock:
                self._connections.discard(connection)
            connection.close()

    @staticmethod
    def _shared_reply(replies) -> dict:
        line = replies.readline()
        if not line:
            raise HelperGone("the step helper started with the emulator stopped, or the launcher was closed")
        return json.loads(line)

    @staticmethod
    def _reply(replies: queue.SimpleQueue, timeout: float) -> dict:
        try:
            message = replies.get(timeout=timeout)
        except queue.Empty:
            raise StepTimeout from None
        if message is None:
            raise HelperGone("the step launcher's helper process exited")
        return message

    def _read_replies(self) -> None:
        """Route each reply line of the helper to the step waiting for it (a thread per launcher)."""
        for line in self.helper.stdout:
            message = json.loads(line)
            if message.get("ready"):
                self.ready_seconds = time.monotonic() - self.started_at
                self._ready.set()
                continue
            with self._lock:
                replies = self._waiting.get(message.get("id"))
            if replies is not None:
                replies.put(message)
        self._ready.set()  # the helper exited: nobody waits for a warm-up that will not come
        with self._lock:
            for replies in self._waiting.values():
                replies.put(None)

    def close(self) -> None:
        """Stop the helper and any step still running (no state to keep: no clean exit needed).
        The helper started with the emulator stays; it kills the steps whose connection closes."""
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        if self.helper is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.helper.pid, signal.SIGKILL)
        self.helper.wait()
        with contextlib.suppress(OSError):
            self.helper.stdin.close()

    def __enter__(self) -> WarmLauncher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
