"""`invoke endpoint.*`: serve, call and smoke-test an environment's endpoint."""

from __future__ import annotations

from invoke import Exit, task

from commands.common import ENV_HELP, LOCAL_HELP, env_config, user_errors

PORT_HELP = "port on 127.0.0.1 (default: EMULATOR_PORT + 100 + 0/1/2 for dev/staging/prod)"


def _port(value) -> int | None:
    if value in (None, ""):
        return None
    if not str(value).isdigit() or not 1024 <= int(value) <= 65535:
        raise Exit(f"error: --port: '{value}' is not a usable port; use a number from 1024 to 65535", code=1)
    return int(value)


@task(help={"env": ENV_HELP, "local": LOCAL_HELP, "port": PORT_HELP})
def serve(c, env, local=False, port=None):
    """Serve, on 127.0.0.1, the model the env's endpoint serves (GET /ping, POST /invocations); Ctrl-C stops."""
    cfg = env_config(env)
    with user_errors():
        from awsenv.sessions import aws_session
        from inference.artifacts import load_deployed
        from inference.client import local_port
        from inference.deployer import Target
        from inference.server import make_server

        session = aws_session(cfg, env, local=local)
        deployed = load_deployed(session, Target.from_config(cfg, env, local=local))
        port = _port(port) or local_port(cfg, env)
        capture = None
        if local:  # as SageMaker's data capture does on AWS: the monitor reads both the same way
            from inference.capture import CaptureWriter

            capture = CaptureWriter(session.client("s3"), cfg.data_capture_uri(env), cfg.endpoint_name(env))
        try:
            server = make_server(deployed.model, "127.0.0.1", port, capture)
        except OSError as error:
            raise Exit(
                f"error: port {port} on 127.0.0.1: {error.strerror}; pass --port with a free port", code=1
            ) from None
    info = deployed.info
    print(f"serving {info['endpoint']} model package version {info['version']} ({len(deployed.model.labels)} labels)")
    print(f"  http://127.0.0.1:{port}/ping  and  POST http://127.0.0.1:{port}/invocations   (Ctrl-C stops)", flush=True)
    import signal

    def _stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()
        if capture is not None:
            print(f"captured {capture.close()} records to {cfg.data_capture_uri(env)} ({capture.dropped} dropped)")


@task(
    help={
        "env": ENV_HELP,
        "local": LOCAL_HELP + "; uses `invoke endpoint.serve --local` if it runs, else serves the model in-process",
        "text": "a text to classify (repeat --text for several)",
        "data": 'a .json ({"instances": [...]}) or .csv (transcription column) file to send',
        "port": PORT_HELP,
    },
    iterable=["text"],
)
def invoke(c, env, local=False, text=None, data=None, port=None):
    """Call the env's endpoint and print the predicted specialty and its probability per text."""
    cfg = env_config(env)
    with user_errors():
        from inference.client import format_prediction, open_caller, predictions, request_body

        body, content_type = request_body(text, data)
        with open_caller(cfg, env, local=local, port=_port(port)) as caller:
            status, payload, seconds = caller.timed(body, content_type)
        results = predictions(status, payload)
    print(f"{caller.where}: {len(results)} prediction(s) in {seconds * 1000:.0f} ms")
    texts = text or [f"record {i + 1}" for i in range(len(results))]
    for shown, prediction in zip(texts, results, strict=False):
        print(format_prediction(shown, prediction))


@task(help={"env": ENV_HELP, "local": LOCAL_HELP, "port": PORT_HELP})
def test(c, env, local=False, port=None):
    """Smoke-test the env's endpoint: ping, known inputs, label set, 415, latency; exit 1 on failure."""
    cfg = env_config(env)
    with user_errors():
        from inference.smoke import smoke_test

        report = smoke_test(cfg, env, local=local, port=_port(port))
    print("\n".join(report.lines()))
    if not report.ok:
        raise Exit(code=1)
