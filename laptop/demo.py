"""`make demo`: the whole dev -> staging -> prod story on the local emulator, in about 30 s.

For each environment: upload the sample data, run the training pipeline locally, approve the
new model package (the approval event runs the auto-deploy handler, which creates or updates
the endpoint), serve the deployed model on 127.0.0.1, and invoke it with a few sample texts.
Then register prod's weekly retraining schedule (EventBridge Scheduler -> the pipeline) and
print a summary table. The emulator is started if it is not running, and whatever the demo
started (emulator, local endpoints) is stopped at the end, also on Ctrl-C, SIGTERM or failure.

The data upload and the pipeline run are the training pipeline's (`PipelineHooks`); tests pass
their own hooks. Approvals reach the auto-deploy handler through the emulator's event bus, on
the rule `laptop.events` subscribes with the pattern terraform gives the real rule.
"""

from __future__ import annotations

import json
import logging
import signal
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from awsenv.config import ENVIRONMENTS, Config
from awsenv.errors import UserError
from awsenv.sessions import EnvSession
from inference.client import SAMPLE_TEXTS, format_prediction, http_call, local_port, predictions

DEMO_TEXTS = SAMPLE_TEXTS[:3]


@dataclass
class PipelineHooks:
    """upload(session, say) -> input data URI; train(session, input_uri, approval, say) -> package ARN
    (`session`: the env's emulator `EnvSession`)."""

    upload: Callable[..., str]
    train: Callable[..., str | None]


@dataclass
class EnvResult:
    env: str
    version: int | None = None
    accuracy: float | None = None
    endpoint: str = ""
    deploy: str = ""
    latency_ms: float | None = None


def training_pipeline_hooks() -> PipelineHooks:
    """The training pipeline's own entry points: data upload and the local executor."""
    from training_pipeline.local_executor import run_local
    from training_pipeline.upload import upload as upload_dataset

    def upload(session: EnvSession, say: Callable[[str], None]) -> str:
        return upload_dataset(session, progress=lambda line: None)["dataset_uri"]

    def train(session: EnvSession, input_uri: str, approval: str, say: Callable[[str], None]) -> str | None:
        parameters = {"InputDataUri": input_uri, "ModelApprovalStatus": approval}
        return run_local(session, parameters=parameters, say=say).get("model_package_arn")

    return PipelineHooks(upload, train)


def _latency(url: str, count: int = 10) -> float:
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


def train_env(session: EnvSession, hooks: PipelineHooks) -> Trained:
    """Upload the data and run the pipeline of one env (runs in a worker thread; output buffered)."""
    log: list[str] = []
    started = time.monotonic()
    input_uri = hooks.upload(session, log.append)
    arn = hooks.train(session, input_uri, "PendingManualApproval", log.append)
    return Trained(session.env, input_uri, arn, time.monotonic() - started, log)


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


def serve(session: EnvSession, servers: list, say: Callable[[str], None]) -> str:
    """Serve the model the env's endpoint deployed on 127.0.0.1 (the env's port, else any free one)."""
    from inference.artifacts import load_deployed
    from inference.deployer import Target
    from inference.server import start_server

    deployed = load_deployed(session, Target.from_session(session))
    try:
        server, url = start_server(deployed.model_dir, port=local_port(session.cfg, session.env))
    except OSError:
        server, url = start_server(deployed.model_dir)  # default port taken: any free port
    servers.append(server)
    say(f"  serve      {url}  (model package v{deployed.info['version']})")
    return url


def probe(url: str, say: Callable[[str], None]) -> float:
    """Predict the demo texts once (printed), then the median latency of single requests."""
    status, payload = http_call(url, json.dumps({"instances": list(DEMO_TEXTS)}).encode(), "application/json")
    for text, prediction in zip(DEMO_TEXTS, predictions(status, payload), strict=True):
        say("  " + format_prediction(text, prediction, width=56))
    return _latency(url)


def serve_env(session: EnvSession, trained: Trained, servers: list, say: Callable[[str], None]) -> EnvResult:
    """Approve the new package (-> auto-deploy), serve the deployed model locally, invoke it."""
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
    result.latency_ms = probe(serve(session, servers, say), say)
    return result


def train_all(sessions: list[EnvSession], hooks: PipelineHooks) -> list[Trained]:
    """The environments' pipelines run concurrently (each env is its own account)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(sessions), thread_name_prefix="demo-train") as pool:
        futures = [pool.submit(train_env, session, hooks) for session in sessions]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def summary(results: list[EnvResult]) -> list[str]:
    rows = [f"  {'env':<8} {'model':<6} {'accuracy':<9} {'endpoint':<32} {'deploy':<10} {'p50 latency'}"]
    for r in results:
        accuracy = f"{r.accuracy:.3f}" if r.accuracy is not None else "-"
        latency = f"{r.latency_ms:.1f} ms" if r.latency_ms is not None else "-"
        rows.append(f"  {r.env:<8} v{r.version or '-':<5} {accuracy:<9} {r.endpoint:<32} {r.deploy:<10} {latency}")
    return rows


def start_emulator(cfg: Config, say: Callable[[str], None]) -> bool:
    """Start the emulator unless it runs already; True when this demo started it."""
    from awsenv import emulator

    if emulator.status(cfg).running:
        say(f"emulator   already running at {cfg.emulator_url} (left running)")
        return False
    emulator.start(cfg)
    say(f"emulator   started at {cfg.emulator_url}")
    return True


def subscribe(sessions: list[EnvSession], say: Callable[[str], None]) -> None:
    """Each env's auto-deploy rule on its account's event bus (the pattern terraform gives the real rule)."""
    from laptop.events import subscribe_auto_deploy

    for session in sessions:
        rule = subscribe_auto_deploy(session)
    say(f"events     rule {rule.name} -> auto-deploy handler, in {', '.join(s.env for s in sessions)}")


def print_summary(results: list[EnvResult], started_at: float, say: Callable[[str], None]) -> None:
    say("")
    say("summary")
    for line in summary(results):
        say(line)
    say(f"demo finished in {time.monotonic() - started_at:.1f} s")


def stop(cfg: Config, servers: list, started_emulator: bool, say: Callable[[str], None]) -> None:
    """Stop what the demo started: the local endpoints, and the emulator if it was not running."""
    from awsenv import emulator

    for server in servers:
        server.shutdown()
        server.server_close()
    if started_emulator:
        say(f"emulator   {emulator.stop(cfg)}")


def steps(sessions: list[EnvSession], hooks: PipelineHooks, servers: list, say) -> list[EnvResult]:
    """The demo's steps, in order (one emulator `EnvSession` per env, used throughout)."""
    subscribe(sessions, say)
    say(f"pipelines  running for {', '.join(s.env for s in sessions)} (in parallel: one account each)")
    trained = train_all(sessions, hooks)
    results = [serve_env(session, item, servers, say) for session, item in zip(sessions, trained, strict=True)]
    prod = [session for session in sessions if session.env == "prod"]
    if prod:
        from laptop.schedule import register_schedule

        say(f"schedule   {register_schedule(prod[0])}")
    return results


def run(cfg: Config, hooks: PipelineHooks | None = None, envs: tuple[str, ...] = ENVIRONMENTS,
        say: Callable[[str], None] = print, drift: bool = True) -> list[EnvResult]:  # fmt: skip
    """The demo; returns one EnvResult per environment. Stops what it started, whatever happens.
    `drift` adds the drift part on prod (laptop/drift_demo.py; it needs the pipeline's baseline)."""
    started_at = time.monotonic()
    logging.getLogger("inference").setLevel(logging.WARNING)  # the demo prints each decision itself
    servers: list[Any] = []
    started_emulator = False
    previous = signal.getsignal(signal.SIGTERM)

    def _terminate(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        started_emulator = start_emulator(cfg, say)
        sessions = [EnvSession(cfg, env, local=True) for env in envs]
        results = steps(sessions, hooks or training_pipeline_hooks(), servers, say)
        if drift and "prod" in envs:
            from laptop.drift_demo import show as show_drift

            show_drift(sessions[envs.index("prod")], say)
        print_summary(results, started_at, say)
        return results
    finally:
        stop(cfg, servers, started_emulator, say)
        signal.signal(signal.SIGTERM, previous)
