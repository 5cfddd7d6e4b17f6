"""The server settings: one object, used by the image's entry point and `invoke endpoint.serve`.

Each setting can be overridden by an environment variable (SageMaker passes the container's
Environment; tests use short timeouts):

| setting            | variable                         | default                     |
| ------------------ | -------------------------------- | --------------------------- |
| workers            | SAGEMAKER_MODEL_SERVER_WORKERS   | CPUs available to the process |
| threads per worker | INFERENCE_THREADS                | 4 (more contend for the GIL) |
| connections/worker | INFERENCE_WORKER_CONNECTIONS     | 1000 (the bounded queue)    |
| listen backlog     | INFERENCE_BACKLOG                | 2048                        |
| read timeout (s)   | INFERENCE_READ_TIMEOUT           | 20: a request must arrive whole within it |
| keep-alive (s)     | INFERENCE_KEEPALIVE              | 75: idle connections closed after it |
| graceful stop (s)  | INFERENCE_GRACEFUL_TIMEOUT       | 20: SIGTERM lets requests in flight finish |

Each worker's heartbeat file (touched to tell the arbiter it is alive) lives in /dev/shm when
that is a writable directory, as gunicorn advises for containers (on a disk or overlay /tmp a
touch can stall the worker), else in the default temporary directory.

Each worker listens on its own socket (SO_REUSEPORT), so the kernel spreads connections over
the workers; with one shared socket the worker that woke first took nearly every keep-alive
connection and served them alone on one CPU. Only processes of the same user can join such a
port; `invoke endpoint.serve` refuses a port another process already listens on. Past
`connections` a worker stops accepting and connections wait in its listen backlog; past the
backlog the kernel refuses them. Requests are parsed within gunicorn's
limits: request line 8190 bytes, 100 header fields of 8190 bytes each.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from awsenv.errors import UserError

WORKER_CLASS = "inference.gunicorn_worker.HostingWorker"
MEMORY_FILE_SYSTEM = "/dev/shm"  # noqa: S108 - gunicorn's heartbeat files, created by mkstemp


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def heartbeat_dir(candidate: str = MEMORY_FILE_SYSTEM) -> str | None:
    """`candidate` when it is a directory this process can create files in, else None (gunicorn's default)."""
    if os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
        return candidate
    return None


@dataclass(frozen=True)
class ServerSettings:
    workers: int
    threads: int = 4
    worker_connections: int = 1000
    backlog: int = 2048
    read_timeout: float = 20.0
    keepalive: int = 75
    graceful_timeout: int = 20

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> ServerSettings:
        environ = dict(os.environ if environ is None else environ)

        def number(name: str, default, kind=int):
            value = environ.get(name, "")
            if not value.strip():
                return default
            try:
                parsed = kind(value)
            except ValueError:
                raise UserError(f"{name}: '{value}' is not a number; unset it or give a positive number") from None
            if parsed <= 0:
                raise UserError(f"{name}: {value} must be positive; unset it or give a positive number")
            return parsed

        return cls(
            workers=number("SAGEMAKER_MODEL_SERVER_WORKERS", available_cpus()),
            threads=number("INFERENCE_THREADS", cls.threads),
            worker_connections=number("INFERENCE_WORKER_CONNECTIONS", cls.worker_connections),
            backlog=number("INFERENCE_BACKLOG", cls.backlog),
            read_timeout=number("INFERENCE_READ_TIMEOUT", cls.read_timeout, float),
            keepalive=number("INFERENCE_KEEPALIVE", cls.keepalive),
            graceful_timeout=number("INFERENCE_GRACEFUL_TIMEOUT", cls.graceful_timeout),
        )

    def gunicorn_options(self, bind: str) -> dict:
        """gunicorn settings (names as in its documentation) for serving on `bind` (host:port)."""
        return {
            "bind": [bind],
            "worker_class": WORKER_CLASS,
            "workers": self.workers,
            "threads": self.threads,
            "worker_connections": self.worker_connections,
            "backlog": self.backlog,
            "reuse_port": True,  # each worker listens on its own SO_REUSEPORT socket: the kernel spreads connections
            "keepalive": self.keepalive,
            "graceful_timeout": self.graceful_timeout,
            "timeout": max(30, int(self.read_timeout) * 2),  # a worker silent this long is restarted
            "preload_app": False,  # each worker loads the model itself, before it accepts
            "limit_request_line": 8190,
            "limit_request_fields": 100,
            "limit_request_field_size": 8190,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "inference",
            "worker_tmp_dir": heartbeat_dir(),
            "control_socket_disable": True,  # no runtime-management socket in the container
            "raw_env": [f"INFERENCE_READ_TIMEOUT={self.read_timeout}"],
        }

    def describe(self) -> str:
        values = asdict(self)
        return ", ".join(f"{key} {value}" for key, value in values.items())
