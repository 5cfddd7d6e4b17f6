"""`invoke endpoint.*`: serve, call and smoke-test an environment's endpoint."""

from __future__ import annotations

from invoke import Exit

from commands.common import ENV_HELP, LOCAL_HELP, env_config, task, user_errors

PORT_HELP = "port on 127.0.0.1 (default: EMULATOR_PORT + 100 + 0/1/2 for dev/staging/prod)"


def _port(value) -> int | None:
    if value in (None, ""):
        return None
    if not str(value).isdigit() or not 1024 <= int(value) <= 65535:
        raise Exit(f"error: --port: '{value}' is not a usable port; use a number from 1024 to 65535", code=1)
    return int(value)


@task(help={"env": ENV_HELP, "local": LOCAL_HELP, "port": PORT_HELP})
def serve(c, env, local=False, port=None):
    """Serve, on 127.0.0.1, the model the env's endpoint serves, with the image's server; Ctrl-C stops."""
    cfg = env_config(env)
    with user_errors():
        from awsenv.sessions import EnvSession
        from inference.artifacts import fetch_deployed
        from inference.client import local_port
        from inference.deployer import Target
        from inference.server import port_free
        from inference.serving import ServerSettings

        session = EnvSession(cfg, env, local=local)
        artifact = fetch_deployed(session, Target.from_session(session))
        port = _port(port) or local_port(cfg, env)
        if not port_free(port):
            raise Exit(f"error: port {port} on 127.0.0.1 is in use; pass --port with a free port", code=1)
        settings = ServerSettings.from_environ()
        capture = {}
        if local:  # as SageMaker's data capture does on AWS: the monitor reads both the same way
            from inference.capture import capture_environ

            capture = capture_environ(session, cfg.data_capture_uri(env), cfg.endpoint_name(env))
    info = artifact.info
    labels = len(artifact.metadata.get("labels") or [])
    print(
        f"serving {info['endpoint']} model package version {info['version']} ({labels} labels; {settings.describe()})"
    )
    if capture:
        print(f"  capturing requests and responses to {cfg.data_capture_uri(env)}")
    print(f"  http://127.0.0.1:{port}/ping  and  POST http://127.0.0.1:{port}/invocations   (Ctrl-C stops)", flush=True)
    from inference.server import APP_LOAD_ERROR, serve_model

    status = serve_model(artifact.model_dir, port, content_sha256=artifact.content_sha256,
                         version=info["version"], settings=settings, environ=capture)  # fmt: skip
    if status == APP_LOAD_ERROR:
        raise Exit("error: the model could not be loaded; the log above says why", code=1)
    if status:
        raise Exit(f"error: the server stopped with status {status}", code=1)
    print("stopped")


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
        from awsenv.sessions import EnvSession
        from inference.client import format_prediction, open_caller, predictions, request_body

        body, content_type = request_body(text, data)
        with open_caller(EnvSession(cfg, env, local=local), port=_port(port)) as caller:
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
        from awsenv.sessions import EnvSession
        from inference.smoke import smoke_test

        report = smoke_test(EnvSession(cfg, env, local=local), port=_port(port))
    print("\n".join(report.lines()))
    if not report.ok:
        raise Exit(code=1)
