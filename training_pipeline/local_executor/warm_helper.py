"""The warm helper of the local executor's step launcher (launcher.WarmLauncher); a plain script.

It imports the step scripts' libraries once (PRELOAD), then, for each request line on stdin
({"argv": [script, *args], "env": {...}, "cwd": ..., "log": ...}), forks a process that becomes
the step: stdout/stderr appended to the log, the working directory and the environment replaced,
`sys.argv` set, the script run as `__main__`, and its exit code the process's. Replies on stdout:
{"ready": true} once the imports are done, {"pid": ...} when a step started, {"pid": ..., "code": ...} when it ended. Standard library
only, and nothing of the project is imported: the steps find the interpreter as a fresh one
would, except that these libraries are already loaded.
"""

from __future__ import annotations

import contextlib
import json
import os
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


def serve() -> None:
    """Import PRELOAD once, then fork one step per request line on stdin (replies on stdout)."""
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    replies = sys.stdout
    replies.write(json.dumps({"ready": True}) + "\n")
    replies.flush()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        replies.write(json.dumps({"pid": pid, "code": code}) + "\n")
        replies.flush()


if __name__ == "__main__":
    serve()
