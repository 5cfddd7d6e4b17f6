"""The step helper that outlives runs: started with the emulator, used by every local run after.

A run's own helper (launcher.WarmLauncher) imports numpy, scikit-learn and boto3 while the run
prepares, and the first step waits for it: ~2 s of every `invoke pipeline.run --local`.
`invoke emulator.start` also starts this helper (`python warm_listener.py --listen ...`), which
imports them once and then forks the steps of every later run; `invoke emulator.stop` stops it,
and it exits by itself after IDLE_SECONDS without a request.

Who may use it: the socket lives in `.emulator/step-helper/` (mode 0700, the socket 0600) and
both ends check the other's uid (SO_PEERCRED): only the user who started it. What it runs: the
step scripts of the definition, with this interpreter, exactly as the run's own helper would.
Which libraries: the socket's name is a digest of this interpreter, the helper's source and the
installed preloaded packages (their paths, sizes and times), so after `make bootstrap` upgrades
one, runs no longer find the old helper (they warm their own) until the next `emulator.start`,
which replaces it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

from awsenv.emulator import STATE_DIR
from training_pipeline.local_executor.launcher import host_environ

HELPER = Path(__file__).with_name("warm_helper.py")
LISTENER = Path(__file__).with_name("warm_listener.py")
IDLE_SECONDS = 3 * 3600.0
SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes on Linux
START_WAIT_S = 5.0
STOP_WAIT_S = 3.0


def fingerprint() -> str:
    """A digest naming this interpreter, the helper's code and the preloaded packages as installed."""
    from training_pipeline.local_executor.warm_helper import PRELOAD

    digest = hashlib.sha256(f"{os.path.realpath(sys.executable)}\n{sys.version}\n".encode())
    digest.update(HELPER.read_bytes() + LISTENER.read_bytes())
    for name in sorted({module.split(".")[0] for module in PRELOAD}):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            stat = os.stat(spec.origin)
            digest.update(f"{name} {spec.origin} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def _directory(state_dir: Path) -> Path:
    return state_dir / "step-helper"


def socket_path(state_dir: Path = STATE_DIR) -> Path:
    return _directory(state_dir) / f"{fingerprint()}.sock"


def _private_directory(state_dir: Path) -> Path | None:
    """The helper's directory, made 0700 if missing; None when it is not this user's alone."""
    directory = _directory(state_dir)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = directory.lstat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077 or not directory.is_dir() or directory.is_symlink():
        return None
    return directory


def _peer_uid(sock: socket.socket) -> int:
    credentials = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", credentials)[1]


def connect(state_dir: Path = STATE_DIR, path: Path | None = None) -> socket.socket | None:
    """A connection to this user's running helper for these libraries (`path`: their
    `socket_path`, when already known); None when there is none."""
    if not hasattr(socket, "SO_PEERCRED"):
        return None
    path = path or socket_path(state_dir)
    try:
        info = path.lstat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or _private_directory(state_dir) is None:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
        if _peer_uid(sock) == os.getuid():
            return sock
    except OSError:
        pass
    sock.close()
    return None


def _pid_file(state_dir: Path) -> Path:
    return _directory(state_dir) / "helper.json"


def _running(state_dir: Path) -> dict | None:
    """The recorded helper, if its process is alive and still is that helper (a pid can be reused)."""
    try:
        record = json.loads(_pid_file(state_dir).read_text())
        pid = int(record["pid"])
        os.kill(pid, 0)
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record if str(LISTENER).encode() in command and str(record.get("socket")).encode() in command else None


def start(state_dir: Path = STATE_DIR) -> str:
    """Start the helper for the current libraries (replacing one for other libraries); what happened."""
    if not hasattr(os, "fork") or not hasattr(socket, "SO_PEERCRED"):
        return "not used on this platform (each run starts its steps itself)"
    directory = _private_directory(state_dir)
    if directory is None:
        return f"not started: {_directory(state_dir)} is not private to this user (mode 0700, owned by you)"
    path = socket_path(state_dir)
    if len(str(path).encode()) > SOCKET_PATH_MAX:
        return f"not started: the path of its socket is too long for a Unix socket ({path})"
    record = _running(state_dir)
    if record and record.get("socket") == str(path) and path.exists():
        return f"already warm (pid {record['pid']})"
    stop(state_dir)
    with (directory / "helper.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own helper script, this Python, fixed arguments
            [sys.executable, str(LISTENER), "--listen", str(path), "--idle", str(IDLE_SECONDS)],
            cwd=directory, env=host_environ(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    _pid_file(state_dir).write_text(json.dumps({"pid": process.pid, "socket": str(path)}))
    deadline = time.monotonic() + START_WAIT_S
    while not path.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if not path.exists():
        stop(state_dir)
        return f"not started: the helper did not listen within {START_WAIT_S:.0f} s; see {directory / 'helper.log'}"
    return f"warming up in the background (pid {process.pid}; steps of local runs fork from it)"


def status(state_dir: Path = STATE_DIR) -> str:
    """Whether the helper runs, and for these libraries."""
    record = _running(state_dir)
    if record is None:
        return "not running (`invoke emulator.start` starts it)"
    if record.get("socket") != str(socket_path(state_dir)):
        return f"running for other libraries (pid {record['pid']}); `invoke emulator.start` replaces it"
    return f"running (pid {record['pid']})"


def stop(state_dir: Path = STATE_DIR) -> str:
    """Stop the recorded helper and the steps it is running; what happened."""
    record = _running(state_dir)
    _pid_file(state_dir).unlink(missing_ok=True)
    if record is None:
        return "not running"
    pid = int(record["pid"])
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_WAIT_S
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if alive(pid):  # it did not exit on SIGTERM: the steps it forked are in groups of their own
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        Path(record["socket"]).unlink()
    return f"stopped (pid {pid})"


def alive(pid: int) -> bool:
    """Running: not gone, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
