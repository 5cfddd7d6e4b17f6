"""The hosting app (WSGI): what gunicorn serves in the inference image and the local endpoint.

    GET|HEAD /ping                 200 {"status": "ok"} (the model is loaded before a worker serves)
    GET /execution-parameters      batch transform's settings
    POST /invocations              the handler: input_fn -> predict_fn -> output_fn

Every non-200 answer is one line of JSON, `{"error": "...", "request_id": "..."}`, also sent
as the `X-Request-Id` header: 4xx with the handler's specific message for anything the client
did, 500 with a generic message for our own faults (the traceback goes to the log only, under
the same request id).

Per-request hook: `InferenceApp(model, observers=[fn])` calls `fn(exchange)` after each
/invocations request with an `Exchange` (request body, content type, accept, status, response
body and type, request id). An observer that raises is logged and never fails the request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus

from inference.handler import MAX_BYTES, LoadedModel, RequestError, transform
from inference.request_ids import new_request_id

log = logging.getLogger("inference.app")
JSON = "application/json"
EXECUTION_PARAMETERS = {"MaxConcurrentTransforms": 1, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 1}
ROUTES = {"/ping": ("GET", "HEAD"), "/execution-parameters": ("GET", "HEAD"), "/invocations": ("POST",)}


@dataclass(frozen=True)
class Exchange:
    """One /invocations request and its answer, as an observer sees it."""

    request_id: str
    body: bytes
    content_type: str | None
    accept: str | None
    status: int
    response_body: bytes
    response_type: str


Observer = Callable[[Exchange], None]


def error_body(message: str, request_id: str) -> bytes:
    return json.dumps({"error": " ".join(message.split()), "request_id": request_id}).encode("utf-8")


def _read_body(environ: dict) -> bytes:
    """The request body, at most MAX_BYTES (RequestError 413 beyond; never buffers more)."""
    try:
        return _read_limited(environ["wsgi.input"], environ)
    except TimeoutError:
        raise  # the server answers a read timeout itself
    except OSError as error:  # e.g. a malformed chunk
        raise RequestError(400, f"request body could not be read ({error}); send a well-formed body") from None


def _read_limited(stream, environ: dict) -> bytes:
    length_text = environ.get("CONTENT_LENGTH") or ""
    if length_text:  # gunicorn has already refused a malformed Content-Length with a 400
        length = int(length_text)
        if length > MAX_BYTES:
            raise RequestError(413, f"request body is {length} bytes; the limit is {MAX_BYTES}: split it")
        return stream.read(length)
    data = stream.read(MAX_BYTES + 1)  # chunked or unknown length: read one byte past the limit
    if len(data) > MAX_BYTES:
        raise RequestError(413, f"request body is over {MAX_BYTES} bytes; the limit is {MAX_BYTES}: split it")
    return data


class InferenceApp:
    """WSGI callable serving one loaded model; see module docstring."""

    def __init__(self, model: LoadedModel, observers: Iterable[Observer] = ()):
        self.model = model
        self.observers = list(observers)

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        request_id = new_request_id()
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            status, body, content_type, extra = self._route(environ, method, request_id)
        except TimeoutError:
            raise  # the request did not arrive in time: the server answers 408 and closes
        except Exception:
            log.exception("request %s: %s %s failed", request_id, method, environ.get("PATH_INFO"))
            status, content_type, extra = 500, JSON, []
            body = error_body(f"internal error; quote request id {request_id} when reporting it", request_id)
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), ("X-Request-Id", request_id)]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers + extra)
        return [b"" if method == "HEAD" else body]

    def _route(self, environ: dict, method: str, request_id: str) -> tuple[int, bytes, str, list]:
        path = environ.get("PATH_INFO", "")
        if path not in ROUTES:
            return (
                404,
                error_body(f"no such path '{path[:200]}'; use GET /ping or POST /invocations", request_id),
                JSON,
                [],
            )
        if method not in ROUTES[path]:
            allowed = ", ".join(ROUTES[path])
            message = f"method {method[:20]} is not allowed on {path}; use {allowed}"
            return 405, error_body(message, request_id), JSON, [("Allow", allowed)]
        if path == "/ping":
            return 200, b'{"status": "ok"}', JSON, []
        if path == "/execution-parameters":
            return 200, json.dumps(EXECUTION_PARAMETERS).encode("utf-8"), JSON, []
        return self._invoke(environ, request_id)

    def _invoke(self, environ: dict, request_id: str) -> tuple[int, bytes, str, list]:
        content_type, accept = environ.get("CONTENT_TYPE"), environ.get("HTTP_ACCEPT")
        body = b""
        try:
            body = _read_body(environ)
            status, (payload, response_type) = 200, transform(self.model, body, content_type, accept)
        except RequestError as error:
            log.info("request %s: HTTP %d: %s", request_id, error.status, error)
            status, payload, response_type = error.status, error_body(str(error), request_id), JSON
        for observer in self.observers:
            try:
                observer(Exchange(request_id, body, content_type, accept, status, payload, response_type))
            except Exception:
                log.exception("request %s: observer %r failed; the request is unaffected", request_id, observer)
        return status, payload, response_type, []
