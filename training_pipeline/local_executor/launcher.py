"""How the local executor starts a step's process: fresh (`spawn`) or forked from a warm helper.

Every step runs in its own process with the container contract: its environment, working
directory, argv, stdout/stderr into step.log, its exit code. A fresh interpreter spends seconds
importing numpy, scikit-learn and boto3 before the step's first line, once per step. The warm
launcher starts one helper per run (`python warm_helper.py`, standard library only) that
imports them once, while the run prepares; each step's process is then forked from it, gets the
step's environment, directory, argv and log, and runs the script as `__main__` (as `python
script.py` would). The first step of a run starts fresh if the helper is still importing.
`PROMOTE_STEP_LAUNCH=spawn` starts every step fresh instead; a command that is
not `<this python> <script>`, or a platform without fork, always is.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

HELPER = Path(__file__).with_name("warm_helper.py")


class StepTimeout(Exception):
    pass


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
    """One warm helper process per run; `run()` forks each step's process from it."""

    def __init__(self) -> None:
        self.helper: subprocess.Popen | None = None
        self.ready = False  # the helper has imported PRELOAD
        self.steps = 0
        if hasattr(os, "fork") and os.environ.get("PROMOTE_STEP_LAUNCH", "warm") != "spawn":
            base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SM_"))}
            self.helper = subprocess.Popen(  # noqa: S603 - our own helper script, this Python
                [sys.executable, str(HELPER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=base, text=True
            )

    def run(self, command: list[str], *, env: dict[str, str], cwd: Path, log: Path, timeout: float) -> int:
        first, self.steps = self.steps == 0, self.steps + 1
        script = len(command) > 1 and command[0] == sys.executable and not command[1].startswith("-")
        if self.helper is None or self.helper.poll() is not None or not script:
            return spawn(command, env=env, cwd=cwd, log=log, timeout=timeout)
        if not self.ready:
            if first and not self._ready(wait=0.0):  # the first step does not wait for the warm-up
                return spawn(command, env=env, cwd=cwd, log=log, timeout=timeout)
            self._ready(wait=120.0)
        request = {"argv": command[1:], "env": env, "cwd": str(cwd), "log": str(log)}
        self.helper.stdin.write(json.dumps(request) + "\n")
        self.helper.stdin.flush()
        pid = self._reply(timeout=60.0)["pid"]
        try:
            return self._reply(timeout=timeout)["code"]
        except StepTimeout:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            self._reply(timeout=10.0)
            raise

    def _ready(self, wait: float) -> bool:
        """Whether the helper said it has imported PRELOAD (waiting up to `wait` seconds)."""
        if not self.ready:
            ready, _, _ = select.select([self.helper.stdout], [], [], wait)
            self.ready = bool(ready) and self._reply(timeout=1.0).get("ready", False)
        return self.ready

    def _reply(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StepTimeout
            ready, _, _ = select.select([self.helper.stdout], [], [], remaining)
            if ready:
                line = self.helper.stdout.readline()
                if not line:
                    raise RuntimeError("the step launcher's helper process exited")
                return json.loads(line)

    def close(self) -> None:
        """Stop the helper (it holds no state: no need to wait for a clean exit)."""
        if self.helper is None:
            return
        if self.helper.poll() is None:
            self.helper.kill()
            self.helper.wait()
        self.helper.stdin.close()
        self.helper.stdout.close()

    def __enter__(self) -> WarmLauncher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
