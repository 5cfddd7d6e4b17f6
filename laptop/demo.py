"""`make demo`: the whole dev -> staging -> prod story on the local emulator, in 5–9 s on 2 shared cores.

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

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from awsenv.config import ENVIRONMENTS, REPO_ROOT, Config
from awsenv.sessions import EnvSession
from laptop.demo_endpoints import EnvResult, Trained, serve_all


@dataclass
class PipelineHooks:
    """upload(session, say) -> input data URI; train(session, input_uri, approval, say) -> package ARN
    (`session`: the env's emulator `EnvSession`); prepare(cfg, envs), if set, runs in the background
    from the demo's start until the pipelines start (work that needs no emulator); close() at the end."""

    upload: Callable[..., str]
    train: Callable[..., str | None]
    prepare: Callable[[Config, tuple[str, ...]], None] | None = None
    close: Callable[[], None] = lambda: None


def training_pipeline_hooks() -> PipelineHooks:
    """The training pipeline's own entry points: data upload and the local executor. The envs'
    runs share one step launcher, whose helper starts importing the steps' libraries at once;
    `prepare` renders each env's definition (cached by its inputs) and splits the sample data
    (once: `upload` publishes that split to each env's account) while the emulator starts."""
    import tempfile

    from training_pipeline.dataset import SAMPLE_CSV
    from training_pipeline.local_executor import run_local
    from training_pipeline.local_executor.launcher import WarmLauncher
    from training_pipeline.splits import prepare as split_dataset
    from training_pipeline.upload import publish_prepared
    from training_pipeline.upload import upload as upload_dataset

    step_launcher = WarmLauncher()
    dataset_dir = tempfile.TemporaryDirectory(prefix="demo-dataset-")
    split: list = []  # every env trains on the sample: split once (in `prepare`), published to each account

    def upload(session: EnvSession, say: Callable[[str], None]) -> str:
        if not split:  # `prepare` did not run
            return upload_dataset(session, progress=lambda line: None)["dataset_uri"]
        return publish_prepared(session, split[0], progress=lambda line: None)["dataset_uri"]

    def train(session: EnvSession, input_uri: str, approval: str, say: Callable[[str], None]) -> str | None:
        parameters = {"InputDataUri": input_uri, "ModelApprovalStatus": approval}
        return run_local(session, parameters=parameters, say=say, step_launcher=step_launcher).get("model_package_arn")

    def prepare(cfg: Config, envs: tuple[str, ...]) -> None:  # a miss renders again in run_local
        import subprocess

        from training_pipeline.local_executor.definitions import render_ahead

        rendering = subprocess.Popen(render_ahead(envs), cwd=REPO_ROOT, stdout=subprocess.DEVNULL,  # noqa: S603
                                     stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            split.append(split_dataset(SAMPLE_CSV, dataset_dir.name))
        finally:
            rendering.wait()

    def close() -> None:
        step_launcher.close()
        dataset_dir.cleanup()

    return PipelineHooks(upload, train, prepare, close)


def train_env(session: EnvSession, hooks: PipelineHooks) -> Trained:
    """Upload the data and run the pipeline of one env (runs in a worker thread; output buffered)."""
    log: list[str] = []
    started = time.monotonic()
    input_uri = hooks.upload(session, log.append)
    arn = hooks.train(session, input_uri, "PendingManualApproval", log.append)
    return Trained(session.env, input_uri, arn, time.monotonic() - started, log)


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
    """Stop what the demo started: the local endpoints (all at once), and the emulator if it was not running."""
    from concurrent.futures import ThreadPoolExecutor

    from awsenv import emulator

    def _stop(server) -> None:
        server.shutdown()
        server.server_close()

    if servers:
        with ThreadPoolExecutor(max_workers=len(servers), thread_name_prefix="demo-stop") as pool:
            list(pool.map(_stop, servers))
    if started_emulator:
        say(f"emulator   {emulator.stop(cfg)}")


def steps(sessions: list[EnvSession], hooks: PipelineHooks, servers: list, say, drift: bool = False) -> list[EnvResult]:
    """The demo's steps, in order (one emulator `EnvSession` per env, used throughout); with
    `drift`, the drift part on prod after the schedule."""
    subscribe(sessions, say)
    say(f"pipelines  running for {', '.join(s.env for s in sessions)} (in parallel: one account each)")
    started = time.monotonic()
    trained = train_all(sessions, hooks)
    say(f"pipelines  finished in {time.monotonic() - started:.1f} s; approving and serving each env's model")
    prod = [session for session in sessions if session.env == "prod"]
    results, served = serve_all(sessions, trained, servers, say, drift=prod[0] if drift and prod else None)
    if prod:
        from laptop.schedule import register_schedule

        say(f"schedule   {register_schedule(prod[0])}")
    if served is not None:
        from laptop.drift_demo import show as show_drift

        server, url, records = served
        show_drift(prod[0], say, served=(server, url), records=records)
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
    hooks = hooks or training_pipeline_hooks()
    try:
        preparing = _background(hooks.prepare, cfg, envs)
        started_emulator = start_emulator(cfg, say)
        sessions = [EnvSession(cfg, env, local=True) for env in envs]
        if preparing is not None:
            preparing.result()
        results = steps(sessions, hooks, servers, say, drift=drift)
        print_summary(results, started_at, say)
        return results
    finally:
        hooks.close()
        stop(cfg, servers, started_emulator, say)
        signal.signal(signal.SIGTERM, previous)


def _background(function: Callable | None, *args):
    """`function(*args)` in a daemon thread; a Future for its result (None without a function)."""
    if function is None:
        return None
    from concurrent.futures import Future

    future: Future = Future()

    def target() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as error:
            future.set_exception(error)

    threading.Thread(target=target, name="demo-prepare", daemon=True).start()
    return future
