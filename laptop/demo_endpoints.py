"""`make demo`, endpoint part (local orchestration, like laptop/demo.py): each env's new model
package approved (its event runs the auto-deploy handler), the deployed models served on
127.0.0.1 by the real server, all at once, and invoked with a few sample texts.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from awsenv.config import Config
from awsenv.errors import UserError
from awsenv.sessions import EnvSession
from inference.client import SAMPLE_TEXTS, format_prediction, http_call, local_port, predictions

DEMO_TEXTS = SAMPLE_TEXTS[:3]


@dataclass
class EnvResult:
    env: str
    version: int | None = None
    accuracy: float | None = None
    endpoint: str = ""
    deploy: str = ""
    latency_ms: float | None = None


LATENCY_REQUESTS = 10
PROBE_REQUESTS = 1 + LATENCY_REQUESTS  # what `probe` sends an endpoint


def _latency(url: str, count: int = LATENCY_REQUESTS) -> float:
    timings = []
    for i in range(count):
        body = json.dumps({"instances": [DEMO_TEXTS[i % len(DEMO_TEXTS)]]}).encode()
        started = time.perf_counter()
        status, _ = http_call(url, body, "application/json")
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise UserError(f"demo: local endpoint {url} answered HTTP {status}")
    return statistics.median(timings)


@dataclass
class Trained:
    env: str
    input_uri: str
    package_arn: str | None
    seconds: float
    log: list[str]


def _pipeline_lines(log: list[str]) -> list[str]:
    return [f"             {line.strip()}" for line in log if line.startswith(("evaluation:", "pipeline:"))]


def pick_package(sm, cfg: Config, trained: Trained, say: Callable[[str], None]):
    """The package the pipeline just registered, or (none registered) the newest approved one."""
    from inference import registry

    if trained.package_arn is not None:
        package = registry.describe(sm, trained.package_arn)
        say(f"  pipeline   {trained.seconds:.1f} s: model package v{package.version} ({package.status})")
        return package
    say(f"  pipeline   {trained.seconds:.1f} s: no new model package; serving the approved one")
    package = registry.latest_approved(sm, cfg.model_package_group(trained.env))
    if package is None:
        raise UserError(
            f"demo: {trained.env}: the pipeline registered no model and none is approved; see the pipeline log"
        )
    return package


def approve(session: EnvSession, package, say: Callable[[str], None]) -> str:
    """Approve `package`; its state-change event reaches the auto-deploy rule on the env's bus."""
    from inference import registry
    from laptop.events import deliver_model_package_change

    env = session.env
    registry.set_approval(session.sagemaker, package.group, package.version, "Approved", "approved by make demo")
    action = deliver_model_package_change(session, package.arn)
    if action["action"] == "failed":
        raise UserError(f"demo: {env}: the auto-deploy handler failed: {action['reason']}")
    say(f"  approve    v{package.version} -> auto-deploy: {action['action']} {action.get('config', '')}".rstrip())
    return action["action"]


# The demo's three local endpoints share the laptop's CPUs: one worker each (what a container
# gets from SAGEMAKER_MODEL_SERVER_WORKERS; the image's default is one per CPU).
DEMO_SERVER_ENV = {"SAGEMAKER_MODEL_SERVER_WORKERS": "1"}


def fetch_verified(session: EnvSession) -> tuple[str, dict[str, str], int]:
    """(model directory, server environment, version) of the model the env's endpoint deployed:
    the archive downloaded and verified here, its files verified again by each server worker
    before it loads them (the registered digest in the environment, as the endpoint's container
    gets it). Nothing is unpickled in this process."""
    from inference.artifacts import fetch_deployed
    from inference.deployer import Target
    from inference.integrity import CONTENT_ENV

    artifact = fetch_deployed(session, Target.from_session(session))
    version = artifact.info["version"]
    return (
        str(artifact.model_dir),
        {CONTENT_ENV: artifact.content_sha256 or "", "MODEL_PACKAGE_VERSION": str(version)},
        version,
    )


def serve(session: EnvSession, servers: list, say: Callable[[str], None], capture: dict | None = None) -> tuple:
    """Serve the model the env's endpoint deployed on 127.0.0.1 (the env's port, else any free one);
    `capture`: data capture settings for the server's environment. Returns (server, url)."""
    from inference.server import start_server

    model_dir, environ, version = fetch_verified(session)
    environ.update({**DEMO_SERVER_ENV, **(capture or {})})
    try:
        server, url = start_server(model_dir, port=local_port(session.cfg, session.env), env=environ)
    except OSError:
        server, url = start_server(model_dir, env=environ)  # default port taken: any free port
    servers.append(server)
    say(f"  serve      {url}  (model package v{version}{', data capture on' if capture else ''})")
    return server, url


def probe(url: str, say: Callable[[str], None]) -> float:
    """Predict the demo texts once (printed), then the median latency of single requests."""
    status, payload = http_call(url, json.dumps({"instances": list(DEMO_TEXTS)}).encode(), "application/json")
    for text, prediction in zip(DEMO_TEXTS, predictions(status, payload), strict=True):
        say("  " + format_prediction(text, prediction, width=56))
    return _latency(url)


def deploy_env(session: EnvSession, trained: Trained, say: Callable[[str], None]) -> EnvResult:
    """Approve the new package (-> auto-deploy)."""
    from inference import registry

    cfg, env = session.cfg, session.env
    say(f"== {env} (account {cfg.accounts[env]})")
    say(f"  data       {trained.input_uri}")
    package = pick_package(session.sagemaker, cfg, trained, say)
    for line in _pipeline_lines(trained.log):
        say(line)
    result = EnvResult(env, version=package.version, endpoint=cfg.endpoint_name(env))
    result.accuracy = registry.accuracy(session.s3, package)
    result.deploy = approve(session, package, say)
    return result


def serve_all(sessions: list[EnvSession], trained: list[Trained], servers: list, say,
              drift: EnvSession | None = None) -> tuple[list[EnvResult], tuple | None]:  # fmt: skip
    """Every env at once (each is its own account): approve (-> auto-deploy), then serve the
    deployed model locally (each server starts its own interpreter: started together they
    overlap); then each env invoked. `drift`'s endpoint is served with data capture on, for the
    drift part, and returned as (server, url, captured records once the probe's are written).
    Output stays grouped per env."""
    from concurrent.futures import ThreadPoolExecutor

    from laptop.drift_demo import capture_settings, captured_records

    logs: list[list[str]] = [[] for _ in sessions]

    def deploy_and_serve(session: EnvSession, item: Trained, log: list[str]):
        result = deploy_env(session, item, log.append)
        capture = capture_settings(session) if session is drift else None
        return result, serve(session, servers, log.append, capture)

    with ThreadPoolExecutor(max_workers=len(sessions), thread_name_prefix="demo-serve") as pool:
        outcomes = list(pool.map(deploy_and_serve, sessions, trained, logs))
    served = next((served for (_, served), s in zip(outcomes, sessions, strict=True) if s is drift), None)
    if served is not None:  # the drift part waits for what the probes below make it capture
        served = (*served, captured_records(drift) + PROBE_REQUESTS)
    for (result, (_, url)), log in zip(outcomes, logs, strict=True):
        for line in log:
            say(line)
        result.latency_ms = probe(url, say)
    return [result for result, _ in outcomes], served
