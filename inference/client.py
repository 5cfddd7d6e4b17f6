"""Calling an endpoint: SageMaker runtime on AWS, the local HTTP server in local mode.

`Caller` hides the difference: `caller.call(body, content_type)` -> (HTTP status, body bytes).
In local mode it uses `invoke endpoint.serve --local` on its port if that answers, else it
starts the same server (`inference.server.LocalServer`) over the deployed, verified model on a
free loopback port for as long as it is used.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from awsenv.config import ENVIRONMENTS
from awsenv.errors import UserError

SAMPLE_TEXTS = (
    "Patient presents with chest pain radiating to the left arm; ECG shows ST elevation and troponin is raised.",
    "MRI of the right knee shows a complete tear of the anterior cruciate ligament; arthroscopy is planned.",
    "Recurrent seizures and migraine headaches; EEG shows focal slowing, neurology follow-up advised.",
    "Colonoscopy reveals multiple polyps in the sigmoid colon; biopsies taken, gastroenterology review.",
    "Patient with persistent cough and wheezing; spirometry shows obstruction, inhaled steroids started.",
)


def local_port(cfg, env: str) -> int:
    """Default port of the local endpoint of `env` (EMULATOR_PORT + 100 + 0/1/2 for dev/staging/prod)."""
    return cfg.emulator_port + 100 + ENVIRONMENTS.index(env)


def request_body(texts: list[str] | None = None, data_file: str | None = None) -> tuple[bytes, str]:
    """(body, content type) from `--text` values or a `--data` file (.json or .csv)."""
    if bool(texts) == bool(data_file):
        raise UserError('endpoint.invoke: give one of --text "..." (repeatable) or --data FILE (.json or .csv)')
    if texts:
        return json.dumps({"instances": list(texts)}).encode("utf-8"), "application/json"
    path = Path(data_file)
    if not path.is_file():
        raise UserError(f"--data: '{data_file}' is not a file; give a .json or .csv file")
    types = {".json": "application/json", ".csv": "text/csv"}
    if path.suffix.lower() not in types:
        raise UserError(f"--data: '{data_file}' is neither .json nor .csv; give {{\"instances\": [...]}} JSON or a CSV")
    return path.read_bytes(), types[path.suffix.lower()]


def http_call(url: str, body: bytes, content_type: str, accept: str = "application/json") -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - loopback URL built by us
        url + "/invocations", data=body, method="POST", headers={"Content-Type": content_type, "Accept": accept}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def http_ping(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/ping", timeout=2) as response:  # noqa: S310 - loopback
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class Caller:
    """Calls one environment's endpoint; use `open_caller(...)`."""

    def __init__(self, where: str, call, ping):
        self.where = where
        self._call = call
        self._ping = ping

    def call(self, body: bytes, content_type: str, accept: str = "application/json") -> tuple[int, bytes]:
        return self._call(body, content_type, accept)

    def ping(self) -> bool:
        return self._ping()

    def timed(self, body: bytes, content_type: str) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        status, payload = self.call(body, content_type)
        return status, payload, time.perf_counter() - started


def _aws_caller(session, endpoint: str) -> Caller:
    runtime = session.client("sagemaker-runtime")
    sm = session.client("sagemaker")

    def call(body: bytes, content_type: str, accept: str) -> tuple[int, bytes]:
        try:
            response = runtime.invoke_endpoint(
                EndpointName=endpoint, Body=body, ContentType=content_type, Accept=accept
            )
        except runtime.exceptions.ModelError as error:
            return int(error.response.get("OriginalStatusCode", 500)), error.response.get(
                "OriginalMessage", ""
            ).encode()
        except runtime.exceptions.ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
            return int(status), error.response.get("Error", {}).get("Message", "").encode()
        return 200, response["Body"].read()

    def ping() -> bool:
        try:
            return sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "InService"
        except sm.exceptions.ClientError:
            return False

    return Caller(f"SageMaker endpoint {endpoint}", call, ping)


@contextlib.contextmanager
def open_caller(session, *, port: int | None = None) -> Iterator[Caller]:
    """A Caller for the endpoint of `session`'s env (an `EnvSession`: AWS, the running local server,
    or a temporary local server)."""
    cfg, env = session.cfg, session.env
    if not session.local:
        yield _aws_caller(session, cfg.endpoint_name(env))
        return
    url = f"http://127.0.0.1:{port or local_port(cfg, env)}"
    if http_ping(url):
        yield Caller(f"local endpoint {url}", lambda b, c, a: http_call(url, b, c, a), lambda: http_ping(url))
        return
    from inference.artifacts import fetch_deployed
    from inference.deployer import Target
    from inference.integrity import CONTENT_ENV
    from inference.server import LocalServer

    artifact = fetch_deployed(session, Target.from_session(session))
    variables = {CONTENT_ENV: artifact.content_sha256 or "", "MODEL_PACKAGE_VERSION": str(artifact.info["version"])}
    try:
        server = LocalServer(artifact.model_dir, env=variables)
    except OSError as error:
        raise UserError(f"endpoint: {error}") from None
    with server:
        url = server.url
        caller = Caller(
            f"temporary local endpoint {url}", lambda b, c, a: http_call(url, b, c, a), lambda: http_ping(url)
        )
        caller.artifact = artifact  # type: ignore[attr-defined]
        yield caller


def predictions(status: int, payload: bytes) -> list[dict[str, Any]]:
    """Parse a 200 response; a non-200 becomes a one-line UserError with the endpoint's message."""
    if status != 200:
        try:
            message = json.loads(payload).get("error", payload.decode("utf-8", "replace"))
        except (ValueError, AttributeError):
            message = payload.decode("utf-8", "replace")
        raise UserError(f"endpoint: HTTP {status}: {message}")
    return json.loads(payload)["predictions"]


def format_prediction(text: str, prediction: dict[str, Any], width: int = 60) -> str:
    probability = prediction["probabilities"].get(prediction["label"], 0.0)
    short = text if len(text) <= width else text[: width - 1] + "…"
    return f"  {prediction['label']:<28} {probability:5.2f}  {short}"
