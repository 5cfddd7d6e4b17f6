"""A small HTTP server for the hosting handler: what the inference container runs.

SageMaker starts the container as `docker run <image> serve` and talks to port 8080:
`GET /ping` (200 once the model is loaded) and `POST /invocations` (the handler). The image's
entry point is `python -m inference.server`, so `serve` arrives as the first argument:

    python -m inference.server serve [--model-dir /opt/ml/model] [--port 8080] [--host HOST]

HOST defaults to $INFERENCE_HOST or 127.0.0.1 (the container image sets INFERENCE_HOST to
listen on all of its interfaces); the port defaults to $SAGEMAKER_BIND_TO_PORT or 8080.
`invoke endpoint.serve --env=X --local` runs the same server, on 127.0.0.1, over the model
currently deployed to env X's endpoint in the emulator.

Client errors come back as JSON `{"error": "..."}` with the RequestError's 4xx status; an
exception in the model is a 500 with a one-line message, and the worker keeps serving.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from inference.handler import MAX_BYTES, LoadedModel, RequestError, model_fn, transform

log = logging.getLogger("inference.server")
DRAIN_LIMIT = 16 * MAX_BYTES


def _handler_class(model: LoadedModel, capture=None) -> type[BaseHTTPRequestHandler]:
    class InvocationHandler(BaseHTTPRequestHandler):
        server_version = "aws-promote-code-inference"
        protocol_version = "HTTP/1.1"  # keep-alive, as SageMaker's front end uses
        disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stall on keep-alive connections
        wbufsize = 64 * 1024  # headers and body leave in one write (flushed after each request)

        def log_message(self, format: str, *args) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def _send(self, status: int, body: bytes, content_type: str = "application/json", close: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, message: str, close: bool = False) -> None:
            self._send(status, json.dumps({"error": message}).encode("utf-8"), close=close)

        def do_GET(self) -> None:
            if self.path == "/ping":
                self._send(200, b'{"status": "ok"}')
            elif self.path == "/execution-parameters":  # asked by SageMaker batch transform
                body = {"MaxConcurrentTransforms": 1, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 1}
                self._send(200, json.dumps(body).encode("utf-8"))
            else:
                self._error(404, f"no such path '{self.path}'; use GET /ping or POST /invocations")

        def do_POST(self) -> None:
            if self.path != "/invocations":
                self._error(404, f"no such path '{self.path}'; use POST /invocations")
                return
            length_text = self.headers.get("Content-Length")
            if length_text is None or not length_text.isdigit():
                self._error(411, "Content-Length header required", close=True)
                return
            length = int(length_text)
            if length > MAX_BYTES:
                # never buffer an oversized body: drain a moderately large one so the client reads
                # our answer (not a connection reset), then close the connection
                remaining = length if length <= DRAIN_LIMIT else 0
                while remaining > 0:
                    remaining -= len(self.rfile.read(min(remaining, 65536)) or b"x" * remaining)
                self._error(400, f"request body is {length} bytes; the limit is {MAX_BYTES}: split it", close=True)
                return
            body = self.rfile.read(length)
            try:
                payload, content_type = transform(
                    model, body, self.headers.get("Content-Type"), self.headers.get("Accept")
                )
            except RequestError as error:
                self._error(error.status, str(error))
                return
            except Exception as error:  # the model failed: a server error, but the worker lives on
                log.exception("invocation failed")
                self._error(500, f"model error: {type(error).__name__}: {error}")
                return
            self._send(200, payload, content_type)
            if capture is not None:  # queued, written in the background (inference/capture.py)
                capture.record(body, self.headers.get("Content-Type"), payload, content_type)

        def do_PUT(self) -> None:
            self._error(405, "method not allowed; use GET /ping or POST /invocations")

        do_DELETE = do_PATCH = do_PUT

    return InvocationHandler


def make_server(model: LoadedModel, host: str = "127.0.0.1", port: int = 0, capture=None) -> ThreadingHTTPServer:
    """A ready (bound, not yet serving) server; port 0 picks a free port. `capture` (an
    `inference.capture.CaptureWriter`) records each answered request, as SageMaker's data capture."""
    server = ThreadingHTTPServer((host, port), _handler_class(model, capture))
    server.daemon_threads = True
    return server


def serve_in_thread(
    model: LoadedModel, host: str = "127.0.0.1", port: int = 0, capture=None
) -> tuple[ThreadingHTTPServer, str]:
    """Start serving in a daemon thread; returns (server, base URL). Stop with `server.shutdown()`."""
    server = make_server(model, host, port, capture)
    threading.Thread(target=server.serve_forever, name="inference-server", daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m inference.server", description="Serve the model over HTTP.")
    parser.add_argument("command", choices=["serve"], help="what SageMaker passes to the container")
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--host", default=os.environ.get("INFERENCE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    model = model_fn(args.model_dir)
    server = make_server(model, args.host, args.port)
    log.info("serving %d labels from %s on %s:%d", len(model.labels), args.model_dir, args.host, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
