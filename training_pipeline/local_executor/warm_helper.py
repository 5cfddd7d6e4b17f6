"""The warm helper of the local executor's step launcher (launcher.WarmLauncher); a plain script.

It imports the step scripts' libraries once (PRELOAD) and parses the service descriptions of the
AWS clients the steps make (BOTOCORE_SERVICES: botocore sessions made later in the process share
that parsed data, as `awsenv.sessions.share_botocore_loaders` does), then, for each request line
on stdin ({"id": ..., "argv": [script, *args], "env": {...}, "cwd": ..., "log": ...}), forks a
process that becomes the step: stdout/stderr appended to the log, the working directory and the
environment replaced, `sys.argv` set, the script run as `__main__`, and its exit code the
process's. Steps of several runs (the demo's environments) may run at once: requests are read
while steps run, and each step's end is noticed when it happens (SIGCHLD), not by polling.
Replies on stdout: {"ready": true} once warm, {"id": ..., "pid": ...} when a step started,
{"id": ..., "pid": ..., "code": ...} when it ended. Standard library and the preloaded libraries
only, and nothing of the project is imported: the steps find the interpreter as a fresh one
would, except that these libraries are already loaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path

PRELOAD = (
    "numpy",
    "scipy.sparse",
    "sklearn.feature_extraction.text",
    "sklearn.linear_model",
    "sklearn.metrics",
    "sklearn.pipeline",
    "joblib",
    "boto3",
    "botocore.session",
)
BOTOCORE_SERVICES = ("s3", "sagemaker", "sts")
WARM_UP_KEY = "warm-up"  # credentials of the clients made to parse the descriptions: they make no call


def _warm_botocore() -> None:
    """Parse the steps' service descriptions once; later botocore sessions (a step's
    `boto3.client(...)`) share the loader holding them. A session with its own AWS_DATA_PATH
    gets its own loader, as it would in a fresh interpreter."""
    import botocore.loaders
    import botocore.session

    shared = botocore.loaders.create_loader()
    original = botocore.loaders.create_loader

    def create_loader(search_path_string=None):
        return shared if search_path_string is None else original(search_path_string)

    botocore.session.create_loader = create_loader
    session = botocore.session.get_session()
    for service in BOTOCORE_SERVICES:  # no call: a client is made and dropped
        session.create_client(service, region_name="us-east-1", aws_access_key_id=WARM_UP_KEY,
                              aws_secret_access_key=WARM_UP_KEY)  # fmt: skip


def _child(request: dict) -> None:
    """In the forked process: become the step (log, directory, environment, argv), run it, exit."""
    import runpy
    import traceback

    code = 1
    try:
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - lives as long as the process
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        script, *arguments = request["argv"]
        sys.argv = [script, *arguments]
        sys.path[0] = str(Path(script).resolve().parent)
        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as exit_:
            if exit_.code is None or isinstance(exit_.code, int):
                code = exit_.code or 0
            else:
                print(exit_.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


class Helper:
    """The request loop: forks a step per request line, reports each step's end."""

    def __init__(self) -> None:
        self.running: dict[int, object] = {}  # pid -> request id (or, listening, its connection)
        self.buffer = b""
        self.wakeup, self.notify = os.pipe()
        os.set_blocking(self.notify, False)
        signal.set_wakeup_fd(self.notify)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so SIGCHLD writes to the wakeup fd

    def reply(self, message: dict) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    def fork(self, request: dict, *, close: tuple[int, ...] = (), own_group: bool = False) -> int:
        """The pid of a new process running the step of `request` (`close`: descriptors it must not keep)."""
        pid = os.fork()
        if pid == 0:
            try:  # the step gets the signal dispositions and descriptors of a fresh process
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                for fd in (self.wakeup, self.notify, *close):
                    os.close(fd)
                if own_group:  # killed with whatever it starts when its requester goes away
                    os.setpgid(0, 0)
            finally:
                _child(request)  # never returns
        return pid

    def start(self, line: bytes) -> None:
        request = json.loads(line)
        pid = self.fork(request)
        self.running[pid] = request.get("id")
        self.reply({"id": request.get("id"), "pid": pid})

    def ended(self, pid: int, code: int) -> None:
        self.reply({"id": self.running.pop(pid, None), "pid": pid, "code": code})

    def reap(self) -> None:
        while self.running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:  # none left (cannot happen while `running` is right)
                self.running.clear()
                return
            if pid == 0:
                return
            self.ended(pid, os.waitstatus_to_exitcode(status))

    def serve(self) -> None:
        import select

        stdin = sys.stdin.fileno()
        while True:
            readable, _, _ = select.select([stdin, self.wakeup], [], [])  # retried after a signal (PEP 475)
            if self.wakeup in readable:
                os.read(self.wakeup, 4096)
            self.reap()  # also after a request: a SIGCHLD may have come in between
            if stdin in readable:
                chunk = os.read(stdin, 65536)
                if not chunk:
                    return  # the launcher closed its end: the run is over
                *lines, self.buffer = (self.buffer + chunk).split(b"\n")
                for line in filter(None, lines):
                    self.start(line)


def warm_up() -> None:
    """Import PRELOAD and parse the steps' service descriptions."""
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    with contextlib.suppress(ImportError):
        _warm_botocore()


def serve() -> None:
    """Import PRELOAD once, warm botocore, then fork one step per request line on stdin."""
    warm_up()
    helper = Helper()
    helper.reply({"ready": True})
    helper.serve()


if __name__ == "__main__":
    serve()
