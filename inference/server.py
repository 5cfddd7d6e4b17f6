"""Serve the hosting app with gunicorn: what the inference container runs, and the local endpoint.

SageMaker starts the container as `docker run <image> serve` and talks to port 8080:
`GET /ping` and `POST /invocations` (`inference.app`). The image's entry point is
`python -m inference.server`, so `serve` arrives as the first argument:

    python -m inference.server serve [--model-dir /opt/ml/model] [--port 8080] [--host HOST]

HOST defaults to $INFERENCE_HOST or 127.0.0.1 (the image sets INFERENCE_HOST to listen on all
of its interfaces); the port defaults to $SAGEMAKER_BIND_TO_PORT or 8080. The server settings
(workers, threads, timeouts, backlog) are `inference.serving.ServerSettings`, the same for the
image and `invoke endpoint.serve --local`. Each worker loads the model (checking its digest,
see `inference.integrity`) before it accepts a request; SIGTERM stops gracefully. A model
that fails to load stops the server with exit code 4 and one log line saying why. With
$INFERENCE_CAPTURE_URI set (never in the image), each worker also captures the requests it
answers (`inference.capture`).

Tests and the demo use `LocalServer`: the same entry point in a subprocess on a free loopback
port, ready when /ping answers, stopped (SIGTERM) on `shutdown()` or leaving its `with` block.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from awsenv.errors import UserError
from inference.serving import ServerSettings

log = logging.getLogger("inference.server")
APP_LOAD_ERROR = 4  # gunicorn's exit status when the app (here: the model) cannot be loaded
ROOT = Path(__file__).resolve().parent.parent
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def run(model_dir: str | Path, host: str, port: int, settings: ServerSettings | None = None,
        observers: Iterable = ()) -> None:  # fmt: skip
    """Serve `model_dir` with gunicorn in this process until SIGTERM/SIGINT (exits via SystemExit)."""
    from gunicorn.app.base import BaseApplication

    from inference.app import InferenceApp
    from inference.capture import close_writers, observer_from_environ
    from inference.handler import model_fn

    settings = settings or ServerSettings.from_environ()
    options = settings.gunicorn_options(f"{host}:{port}")

    class HostingApplication(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)
            self.cfg.set("worker_exit", close_writers)  # capture: flush what is buffered

        def load(self):
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
            for variable in BLAS_THREADS:  # one process per CPU already: no thread pool inside each
                os.environ.setdefault(variable, "1")
            try:
                model = model_fn(model_dir)
            except (UserError, OSError) as error:
                log.error("model %s: %s", model_dir, error)
                sys.exit(APP_LOAD_ERROR)
            log.info("worker %d: %d labels loaded from %s", os.getpid(), len(model.labels), model_dir)
            capture = observer_from_environ(os.environ)  # $INFERENCE_CAPTURE_URI (inference.capture)
            return InferenceApp(model, [*observers, capture] if capture else observers)

    log.info("serving %s on %s:%d (%s)", model_dir, host, port, settings.describe())
    HostingApplication().run()


def serve_model(model_dir: str | Path, port: int, *, content_sha256: str | None, version, host: str = "127.0.0.1",
                settings: ServerSettings | None = None, environ: dict[str, str] | None = None) -> int:  # fmt: skip
    """`run` over verified files (`invoke endpoint.serve`): the workers check `content_sha256` again
    before loading, as the image's do. `environ` is added to the workers' environment (data capture:
    `inference.capture.capture_environ`). Returns the server's exit status (0 after SIGTERM/SIGINT)."""
    from inference.integrity import CONTENT_ENV

    os.environ.update(environ or {})
    os.environ[CONTENT_ENV] = content_sha256 or ""
    os.environ["MODEL_PACKAGE_VERSION"] = str(version)
    try:
        run(model_dir, host, port, settings)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    return 0


def _ping(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url + "/ping", timeout=2) as response:  # noqa: S310 - loopback URL
            return response.status == 200
    except OSError:
        return False


def port_free(port: int) -> bool:
    """Whether 127.0.0.1:`port` can be bound now."""
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalServer:
    """The real server in a subprocess on 127.0.0.1 (see module docstring)."""

    def __init__(self, model_dir: str | Path, port: int | None = None, env: dict[str, str] | None = None,
                 startup_seconds: float = 60.0):  # fmt: skip
        if port and not port_free(port):
            raise OSError(f"port {port} on 127.0.0.1 is in use")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "inference.server", "serve", "--model-dir", str(model_dir),
                   "--host", "127.0.0.1", "--port", str(self.port)]  # fmt: skip
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server; a pipe could fill up
        self.process = subprocess.Popen(  # noqa: S603 - our own entry point
            command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=self.log
        )
        deadline = time.monotonic() + startup_seconds
        while not _ping(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.shutdown()
                raise OSError(f"local endpoint on port {self.port} did not start: {self._last_error()}")
            time.sleep(0.05)

    def log_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def _last_error(self) -> str:
        if self.process.poll() is None:
            return "no answer to /ping"
        lines = [line for line in self.log_text().splitlines() if line.strip()]
        errors = [line for line in lines if " ERROR " in line or "Error" in line]
        return (errors or lines or ["exited"])[-1]

    def shutdown(self) -> None:
        """SIGTERM (graceful), then SIGKILL if it has not stopped within 30 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    server_close = shutdown  # the demo stops servers with shutdown() then server_close()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def start_server(model_dir: str | Path, port: int | None = None,
                 env: dict[str, str] | None = None) -> tuple[LocalServer, str]:  # fmt: skip
    """`LocalServer(model_dir, port, env)` as (server, base URL); stop it with `server.shutdown()`.
    `env` adds variables to the server's environment (data capture: `inference.capture.capture_environ`)."""
    server = LocalServer(model_dir, port, env)
    return server, server.url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m inference.server", description="Serve the model over HTTP.")
    parser.add_argument("command", choices=["serve"], help="what SageMaker passes to the container")
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--host", default=os.environ.get("INFERENCE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        settings = ServerSettings.from_environ()
    except UserError as error:
        parser.exit(2, f"error: {error}\n")
    run(args.model_dir, args.host, args.port, settings)


if __name__ == "__main__":
    main(sys.argv[1:])
