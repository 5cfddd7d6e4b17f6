"""`make demo`: the whole dev -> staging -> prod story on the local emulator, in about 30 s.

For each environment: upload the sample data, run the training pipeline locally, approve the
new model package (the approval event runs the auto-deploy handler, which creates or updates
the endpoint), serve the deployed model on 127.0.0.1, and invoke it with a few sample texts.
Then register prod's weekly retraining schedule (EventBridge Scheduler -> the pipeline) and
print a summary table. The emulator is started if it is not running, and whatever the demo
started (emulator, local endpoints) is stopped at the end, also on Ctrl-C, SIGTERM or failure.

The data upload and the pipeline run are the training pipeline's (`PipelineHooks`); tests pass
their own hooks.
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
from inference.client import SAMPLE_TEXTS, format_prediction, http_call, local_port, predictions

DEMO_TEXTS = SAMPLE_TEXTS[:3]
SCHEDULE_EXPRESSION = "cron(0 3 ? * MON *)"  # Mondays 03:00 UTC


@dataclass
class PipelineHooks:
    """upload(cfg, env, say) -> input data URI; train(cfg, env, input_uri, approval, say) -> package ARN."""

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

    def upload(cfg: Config, env: str, say: Callable[[str], None]) -> str:
        return upload_dataset(cfg, env, local=True, progress=lambda line: None)["dataset_uri"]

    def train(cfg: Config, env: str, input_uri: str, approval: str, say: Callable[[str], None]) -> str | None:
        parameters = {"InputDataUri": input_uri, "ModelApprovalStatus": approval}
        return run_local(cfg, env, parameters=parameters, say=say).get("model_package_arn")

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


def train_env(cfg: Config, env: str, hooks: PipelineHooks) -> Trained:
    """Upload the data and run the pipeline of one env (runs in a worker thread; output buffered)."""
    log: list[str] = []
    started = time.monotonic()
    input_uri = hooks.upload(cfg, env, log.append)
    arn = hooks.train(cfg, env, input_uri, "PendingManualApproval", log.append)
    return Trained(env, input_uri, arn, time.monotonic() - started, log)


def _pipeline_lines(log: list[str]) -> list[str]:
    return [f"             {line.strip()}" for line in log if line.startswith(("evaluation:", "pipeline:"))]


def serve_env(cfg: Config, trained: Trained, servers: list, say: Callable[[str], None]) -> EnvResult:
    """Approve the new package (-> auto-deploy), serve the deployed model locally, invoke it."""
    from awsenv.local_events import model_package_state_changed
    from awsenv.sessions import aws_session
    from inference import registry
    from inference.artifacts import load_deployed
    from inference.deployer import Target
    from inference.server import serve_in_thread

    env = trained.env
    result = EnvResult(env, endpoint=cfg.endpoint_name(env))
    session = aws_session(cfg, env, local=True)
    sm = session.client("sagemaker")
    say(f"== {env} (account {cfg.accounts[env]})")
    say(f"  data       {trained.input_uri}")
    if trained.package_arn is None:
        say(f"  pipeline   {trained.seconds:.1f} s: no new model package; serving the approved one")
        package = registry.latest_approved(sm, cfg.model_package_group(env))
        if package is None:
            raise UserError(f"demo: {env}: the pipeline registered no model and none is approved; see the pipeline log")
    else:
        package = registry.describe(sm, trained.package_arn)
        say(f"  pipeline   {trained.seconds:.1f} s: model package v{package.version} ({package.status})")
    for line in _pipeline_lines(trained.log):
        say(line)
    result.version = package.version
    result.accuracy = registry.accuracy(session.client("s3"), package)
    registry.set_approval(sm, package.group, package.version, "Approved", "approved by make demo")
    action = model_package_state_changed(cfg, env, package.arn)
    result.deploy = action["action"]
    say(f"  approve    v{package.version} -> auto-deploy: {action['action']} {action.get('config', '')}".rstrip())

    deployed = load_deployed(session, Target.from_config(cfg, env, local=True))
    try:
        server, url = serve_in_thread(deployed.model, port=local_port(cfg, env))
    except OSError:
        server, url = serve_in_thread(deployed.model)  # default port taken: any free port
    servers.append(server)
    say(f"  serve      {url}  (model package v{deployed.info['version']})")
    status, payload = http_call(url, json.dumps({"instances": list(DEMO_TEXTS)}).encode(), "application/json")
    for text, prediction in zip(DEMO_TEXTS, predictions(status, payload), strict=True):
        say("  " + format_prediction(text, prediction, width=56))
    result.latency_ms = _latency(url)
    return result


def train_all(cfg: Config, hooks: PipelineHooks, envs: tuple[str, ...]) -> list[Trained]:
    """The three environments' pipelines run concurrently (each env is its own account)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(envs), thread_name_prefix="demo-train") as pool:
        futures = [pool.submit(train_env, cfg, env, hooks) for env in envs]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def register_schedule(cfg: Config, env: str = "prod") -> str:
    """Prod's weekly retraining: an EventBridge Scheduler schedule that starts the pipeline (upsert)."""
    from awsenv.sessions import aws_session

    session = aws_session(cfg, env, local=True)
    scheduler = session.client("scheduler")
    account = cfg.accounts[env]
    name = f"{cfg.project}-retraining"
    arguments = {
        "Name": name,
        "ScheduleExpression": SCHEDULE_EXPRESSION,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": f"arn:aws:sagemaker:{cfg.region}:{account}:pipeline/{cfg.pipeline_name(env)}",
            "RoleArn": f"arn:aws:iam::{account}:role/{cfg.project}-scheduler",
            "SageMakerPipelineParameters": {
                "PipelineParameterList": [
                    {"Name": "InputDataUri", "Value": cfg.dataset_uri(env)},
                    {"Name": "ModelApprovalStatus", "Value": "PendingManualApproval"},
                ]
            },
        },
    }
    try:
        scheduler.get_schedule(Name=name)
        scheduler.update_schedule(**arguments)
    except scheduler.exceptions.ResourceNotFoundException:
        scheduler.create_schedule(**arguments)
    return f"{name} ({SCHEDULE_EXPRESSION}) -> pipeline {cfg.pipeline_name(env)} in {env}"


def summary(results: list[EnvResult]) -> list[str]:
    rows = [f"  {'env':<8} {'model':<6} {'accuracy':<9} {'endpoint':<32} {'deploy':<10} {'p50 latency'}"]
    for r in results:
        accuracy = f"{r.accuracy:.3f}" if r.accuracy is not None else "-"
        latency = f"{r.latency_ms:.1f} ms" if r.latency_ms is not None else "-"
        rows.append(f"  {r.env:<8} v{r.version or '-':<5} {accuracy:<9} {r.endpoint:<32} {r.deploy:<10} {latency}")
    return rows


def run(cfg: Config, hooks: PipelineHooks | None = None, envs: tuple[str, ...] = ENVIRONMENTS,
        say: Callable[[str], None] = print, drift: bool = True) -> list[EnvResult]:  # fmt: skip
    """The demo; returns one EnvResult per environment. Stops what it started, whatever happens.
    `drift` adds the drift part on prod (inference/drift_demo.py; it needs the pipeline's baseline)."""
    from awsenv import emulator

    started_at = time.monotonic()
    logging.getLogger("inference").setLevel(logging.WARNING)  # the demo prints each decision itself
    servers: list[Any] = []
    started_emulator = False
    previous = signal.getsignal(signal.SIGTERM)

    def _terminate(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        if not emulator.status(cfg).running:
            emulator.start(cfg)
            started_emulator = True
            say(f"emulator   started at {cfg.emulator_url}")
        else:
            say(f"emulator   already running at {cfg.emulator_url} (left running)")
        hooks = hooks or training_pipeline_hooks()
        say(f"pipelines  running for {', '.join(envs)} (in parallel: one account each)")
        trained = train_all(cfg, hooks, envs)
        results = [serve_env(cfg, item, servers, say) for item in trained]
        if "prod" in envs:
            say(f"schedule   {register_schedule(cfg)}")
        if drift and "prod" in envs:
            from inference.drift_demo import show as show_drift

            show_drift(cfg, "prod", say)
        say("")
        say("summary")
        for line in summary(results):
            say(line)
        say(f"demo finished in {time.monotonic() - started_at:.1f} s")
        return results
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        if started_emulator:
            say(f"emulator   {emulator.stop(cfg)}")
        signal.signal(signal.SIGTERM, previous)
