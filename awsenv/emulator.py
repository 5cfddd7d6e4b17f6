"""The local AWS emulator: a moto server on 127.0.0.1 holding the four accounts.

`start()` launches `python -m awsenv.emulator serve` in the background (PID file and log in
`.emulator/`), waits for its health check and checks that every account of `.env` is
reachable by STS assume-role. `stop()` and `status()` do what they say. Every step is
idempotent: starting a running emulator, or stopping a stopped one, changes nothing.

moto's gaps (see `awsenv.emulator_ext`) are filled in the server process by installing the
extensions before it serves; the pytest fixtures install the same extensions.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from awsenv.config import ACCOUNTS, REPO_ROOT, Config
from awsenv.errors import UserError

STATE_DIR = REPO_ROOT / ".emulator"
HEALTH_PATH = "/moto-api/"
START_TIMEOUT_S = 20.0
POLL_S = 0.02  # start/stop checks: a loopback connect or a kill(pid, 0), cheap


class EmulatorError(UserError):
    """A one-line, user-fixable emulator problem."""


@dataclass(frozen=True)
class Status:
    running: bool
    url: str
    pid: int | None
    detail: str


def _pid_file(state_dir: Path) -> Path:
    return state_dir / "emulator.pid"


def _log_file(state_dir: Path) -> Path:
    return state_dir / "emulator.log"


def healthy(url: str, timeout: float = 1.0) -> bool:
    """True when a moto server answers on `url`."""
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status == 200 and b"moto" in response.read().lower()
    except (urllib.error.URLError, OSError, ValueError):
        return False


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _read_pid(state_dir: Path) -> int | None:
    try:
        pid = int(_pid_file(state_dir).read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child that has exited
            return None
    except ChildProcessError:
        pass  # started by another invoke process: not ours to reap
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def checkout_pid(state_dir: Path = STATE_DIR) -> int | None:
    """The pid of the emulator started from this checkout, if it runs."""
    return _read_pid(state_dir)


def status(cfg: Config, state_dir: Path = STATE_DIR) -> Status:
    pid = _read_pid(state_dir)
    url = cfg.emulator_url
    if healthy(url):
        owner = f"pid {pid}" if pid else "not started by this checkout"
        return Status(True, url, pid, f"running at {url} ({owner})")
    if pid:
        return Status(False, url, pid, f"process {pid} exists but {url} does not answer; run `invoke emulator.stop`")
    return Status(False, url, None, f"not running (start it with `invoke emulator.start`; port {cfg.emulator_port})")


def reset(url: str) -> None:
    """Wipe every account's resources (tests and demos start clean)."""
    request = urllib.request.Request(url + "/moto-api/reset", method="POST")  # noqa: S310 - loopback only
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        response.read()
    from awsenv.sessions import forget_emulator_sessions

    forget_emulator_sessions()  # old assumed-role credentials would fall back to moto's default account


def ensure_bucket(s3, bucket: str, region: str, *, versioned: bool = False) -> bool:
    """Create `bucket` on the emulator when missing (terraform creates buckets on AWS); True if created.

    The one place local code creates buckets: in `region` (no LocationConstraint in us-east-1, as
    S3 requires), versioned when asked. Errors other than "no such bucket" propagate."""
    from awsenv.errors import is_not_found

    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except s3.exceptions.ClientError as error:
        if not is_not_found(error):
            raise
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **location)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return True


def verify_accounts(cfg: Config, endpoint_url: str | None = None) -> dict[str, str]:
    """Assume a role into each of the four accounts; return account name -> id seen by STS."""
    from awsenv.sessions import aws_session

    seen = {}
    for account in ACCOUNTS:
        identity = aws_session(cfg, account, local=True, endpoint_url=endpoint_url).client("sts").get_caller_identity()
        seen[account] = identity["Account"]
        if seen[account] != cfg.accounts[account]:
            raise EmulatorError(
                f"emulator: assume-role into {account} landed in {seen[account]}, not {cfg.accounts[account]}; "
                "was the server started with MOTO_ACCOUNT_ID? unset it and restart"
            )
    return seen


def start(cfg: Config, state_dir: Path = STATE_DIR, timeout: float = START_TIMEOUT_S, *,
          warm_services: bool = False) -> Status:  # fmt: skip
    """Start the emulator in the background (no-op when it is already running). `warm_services`:
    then have it warm its services in the background (`invoke emulator.start`, whose user's next
    command comes later; not the demo, whose own requests would wait for that warming)."""
    current = status(cfg, state_dir)
    if current.running:
        return current
    if port_in_use(cfg.emulator_port):
        raise EmulatorError(
            f"EMULATOR_PORT: port {cfg.emulator_port} on 127.0.0.1 is taken by another program; "
            "stop it or set EMULATOR_PORT in .env to a free port"
        )
    state_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}
    # AWS managed policies exist in every account (terraform/main attaches one to the Lambda role).
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    with _log_file(state_dir).open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "awsenv.emulator", "serve", "--port", str(cfg.emulator_port)],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    _pid_file(state_dir).write_text(f"{process.pid}\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _pid_file(state_dir).unlink(missing_ok=True)
            raise EmulatorError(
                f"emulator: the server exited with code {process.returncode}; see {_log_file(state_dir)}"
            )
        if healthy(cfg.emulator_url, timeout=0.5):
            verify_accounts(cfg)
            if warm_services:  # now that nobody waits for the server
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, WARM_SIGNAL)
            return Status(True, cfg.emulator_url, process.pid, f"running at {cfg.emulator_url} (pid {process.pid})")
        time.sleep(POLL_S)
    stop(cfg, state_dir)
    raise EmulatorError(f"emulator: no answer on {cfg.emulator_url} after {timeout:.0f} s; see {_log_file(state_dir)}")


def stop(cfg: Config, state_dir: Path = STATE_DIR, timeout: float = 10.0) -> str:
    """Stop the emulator started from this checkout (no-op when none is running)."""
    pid = _read_pid(state_dir)
    if pid is None:
        _pid_file(state_dir).unlink(missing_ok=True)
        if healthy(cfg.emulator_url):
            return f"an emulator at {cfg.emulator_url} was not started from this checkout; left running"
        return "not running"
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _read_pid(state_dir) is not None:
        time.sleep(POLL_S)
    if _read_pid(state_dir) is not None:
        os.killpg(pid, signal.SIGKILL)
    _pid_file(state_dir).unlink(missing_ok=True)
    return f"stopped (pid {pid})"


# The first request for a service in a fresh server pays moto's imports and the parsing of its
# service description (0.05-1.3 s each; application-autoscaling, sagemaker and lambda the most):
# the server makes one read-only request per service the local runs and the demo use, in the
# background, once `start(warm_services=True)` has checked the accounts and signals it
# (WARM_SIGNAL): warming while the start waits for those checks would only delay them.
WARM_REQUESTS = (
    ("sagemaker", "list_model_package_groups", {}),
    ("s3", "list_buckets", {}),
    ("sts", "get_caller_identity", {}),
    ("events", "list_event_buses", {}),
    ("lambda", "list_functions", {}),
    ("cloudwatch", "describe_alarms", {}),
    ("scheduler", "list_schedules", {}),
    ("application-autoscaling", "describe_scalable_targets", {"ServiceNamespace": "sagemaker"}),
)


WARM_SIGNAL = signal.SIGUSR1
WARM_UP_KEY = "warm-up"  # not an account's key: moto serves it from its default account


def warm(url: str) -> None:
    """One read-only request per service of WARM_REQUESTS to the server at `url` (moto's default
    account; nothing is created). A failure only means that service stays cold."""
    import boto3
    from botocore.config import Config as ClientConfig

    session = boto3.session.Session(aws_access_key_id=WARM_UP_KEY, aws_secret_access_key=WARM_UP_KEY)
    once = ClientConfig(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=60)
    for service, operation, arguments in WARM_REQUESTS:
        with contextlib.suppress(Exception):
            client = session.client(service, region_name="us-east-1", endpoint_url=url, config=once)
            getattr(client, operation)(**arguments)


def serve(port: int) -> None:
    """Run the server in the foreground until SIGTERM/SIGINT (the background process)."""
    # Blocked in every thread (the server's threads inherit the mask) and taken by sigwait on the
    # main thread: a signal the kernel hands to another thread can neither be lost nor kill the
    # process before it is handled.
    handled = {signal.SIGTERM, signal.SIGINT, WARM_SIGNAL}
    signal.pthread_sigmask(signal.SIG_BLOCK, handled)
    from moto.server import ThreadedMotoServer

    from awsenv.emulator_ext import install

    install()

    def warm_and_say() -> None:
        started = time.monotonic()
        warm(f"http://127.0.0.1:{port}")
        print(json.dumps({"warm_s": round(time.monotonic() - started, 2)}), flush=True)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    print(json.dumps({"listening": f"http://127.0.0.1:{port}", "pid": os.getpid()}), flush=True)
    warming = None
    while signal.sigwait(handled) == WARM_SIGNAL:
        if warming is None:  # once, in the background
            warming = threading.Thread(target=warm_and_say, name="warm", daemon=True)
            warming.start()
    # The state is in memory only: nothing to save. Stop accepting, then exit at once rather than
    # wait for the server loop's next poll and for idle keep-alive connections.
    server._server.socket.close()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve" and sys.argv[2] == "--port":
        serve(int(sys.argv[3]))
    else:
        sys.exit("usage: python -m awsenv.emulator serve --port PORT")
