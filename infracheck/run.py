"""The phases of `make test-infra`, timed: apply, assert, re-plan, destroy.

    apply      invoke backend --local; as soon as the state bucket is encrypted and its key has
               its alias: invoke operations --local and invoke workspaces --local; as soon as the
               ECR repositories and the release bucket exist: invoke images.build --local and
               invoke release.manifest --local; then, as soon as operations has created the
               env's data key and workload boundary, invoke deploy --env=X --local for dev,
               staging and prod at once (one copy of the checkout each, as three CI jobs would)
    assert     what must exist (`infracheck.expectations`)
    re-plan    `plan -detailed-exitcode` of every root and workspace: no changes allowed
    destroy    main (x3) and operations, then backend (after emptying what terraform keeps)

Starting a root while the previous one is still waiting on the provider's consistency polls
(an S3 lifecycle configuration alone is polled for ~55 s) is what keeps the run short; every
step still runs only once what it reads exists. Everything runs in a private copy of the
checkout against a private emulator on a free port, in CI mode (no prompts, no profiles).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from awsenv import terraform
from awsenv.config import ENVIRONMENTS, Config, load_config
from awsenv.errors import UserError
from infracheck import expectations, prerequisites, readiness, sandbox, teardown

PLAN_CHANGES = 2  # `plan -detailed-exitcode`: 0 no changes, 1 error, 2 changes


class InfraTestFailed(UserError):
    """An apply, an expectation, a re-plan or a destroy failed."""


@dataclass
class Run:
    """One test-infra run: its sandboxes (dev is the primary copy), environment, timings."""

    root: Path
    cfg: Config
    env: dict[str, str]
    say: Callable[[str], None]
    copies: dict[str, Path] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=8))

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def start(self, name: str, where: str, argv: list[str], env: dict[str, str] | None = None) -> Future:
        return self.pool.submit(sandbox.run, name, argv, self.copies[where], {**self.env, **(env or {})}, self.logs)

    def task(self, name: str, where: str, task: str, *args: str) -> Future:
        return self.start(name, where, sandbox.invoke_command(task, *args))

    def terraform(self, name: str, where: str, step: terraform.Step) -> Future:
        return self.start(name, where, ["terraform", *step.args], step.env)

    def finish(self, *futures: Future, verdicts: dict[int, str] | None = None) -> list[sandbox.Outcome]:
        """Wait for the steps; print and time them; raise with the first failure's log tail."""
        outcomes = [future.result() for future in futures]
        for outcome in outcomes:
            self.timings.append((outcome.name, outcome.seconds))
            note = f"  {(verdicts or {}).get(outcome.returncode, '')}".rstrip()
            self.say(f"  {'ok' if outcome.ok else 'FAILED':<6} {outcome.name:<28} {outcome.seconds:6.1f} s{note}")
        failed = [outcome for outcome in outcomes if not outcome.ok]
        if failed and verdicts is None:
            first = failed[0]
            raise InfraTestFailed(
                f"test-infra: {first.name} exited {first.returncode}; last lines of {first.log}:\n{first.tail()}"
            )
        return outcomes

    def wait(self, what: str, ready: Callable[[], bool], running: Future) -> None:
        """Poll until `ready()`; if the step that creates it ends first, it must have succeeded."""
        while not ready():
            if running.done():
                self.finish(running)  # raises when it failed
                if not ready():
                    raise InfraTestFailed(f"test-infra: {running.result().name} finished but {what} does not exist")
            time.sleep(1)

    def timed(self, name: str, function: Callable[[], object]) -> object:
        start = time.monotonic()
        result = function()
        self.timings.append((name, time.monotonic() - start))
        return result


def prepare(workdir: Path, say: Callable[[str], None]) -> Run:
    primary = sandbox.create(workdir / "dev")
    env = sandbox.environment(sandbox.free_port(), "")
    cfg = load_config(env_file=primary / ".env", environ=env)
    env["AWS_REGION"] = cfg.region
    run = Run(workdir, cfg, env, say, copies={"dev": primary})
    for name in ("staging", "prod"):
        run.copies[name] = sandbox.clone(primary, workdir / name)
    return run


def apply_everything(run: Run) -> None:
    cfg = run.cfg
    backend = run.task("backend apply", "dev", "backend", "--local")
    run.wait("the encrypted state bucket", lambda: readiness.state_bucket_ready(cfg), backend)
    operations = run.task("operations apply", "dev", "operations", "--local")
    workspaces = run.task("workspaces", "staging", "workspaces", "--local")
    run.wait("the ECR repositories and release bucket", lambda: readiness.artifacts_ready(cfg), operations)
    run.finish(run.task("images (placeholders)", "dev", "images.build", "--local"))
    run.finish(run.task("release manifest", "dev", "release.manifest", "--local"))
    run.finish(workspaces)
    deploys = []
    for env in ENVIRONMENTS:  # main reads what operations creates (the boundary, the data key)
        run.wait(
            f"the {env} data key and workload boundary",
            lambda env=env: readiness.workload_inputs_ready(cfg, env),
            operations,
        )
        deploys.append(run.task(f"deploy {env}", env, "deploy", f"--env={env}", "--local"))
    run.finish(backend, operations, *deploys)


def replan_everything(run: Run) -> list[str]:
    """`plan -detailed-exitcode` everywhere at once; one line per root that would change."""
    cfg = run.cfg
    plans = [
        run.terraform("backend plan", "dev", terraform.plan_step(cfg, "backend", local=True)),
        run.terraform("operations plan", "dev", terraform.plan_step(cfg, "operations", local=True)),
    ]
    plans += [
        run.terraform(f"main {env} plan", env, terraform.plan_step(cfg, "main", env, local=True))
        for env in ENVIRONMENTS
    ]
    verdicts = {0: "no changes", PLAN_CHANGES: "CHANGES", 1: "ERROR"}
    changed = []
    for outcome in run.finish(*plans, verdicts=verdicts):
        if not outcome.ok:
            lines = [line.strip() for line in outcome.log.read_text(errors="replace").splitlines()]
            diff = [line for line in lines if line.startswith(("~", "+ ", "- ", "-/+", "Error"))]
            verdict = verdicts.get(outcome.returncode, f"exit {outcome.returncode}")
            changed.append(f"{outcome.name}: {verdict}: " + "; ".join(diff[:12]))
    return changed


def destroy_everything(run: Run) -> None:
    cfg = run.cfg
    run.timed("empty buckets, ECR", lambda: [teardown.before_main_destroy(cfg, env) for env in ENVIRONMENTS])
    run.timed("empty release bucket, ECR", lambda: teardown.before_operations_destroy(cfg))
    destroys = [
        run.terraform(f"main {env} destroy", env, terraform.destroy_step(cfg, "main", env, local=True))
        for env in ENVIRONMENTS
    ]
    destroys.append(run.terraform("operations destroy", "dev", terraform.destroy_step(cfg, "operations", local=True)))
    run.finish(*destroys)
    run.timed("empty state bucket", lambda: teardown.before_backend_destroy(cfg))
    run.finish(run.terraform("backend destroy", "dev", terraform.destroy_step(cfg, "backend", local=True)))
    left = readiness.leftovers(cfg)
    if left:
        raise InfraTestFailed(f"test-infra: still there after destroy: {', '.join(left)}")


def execute(say: Callable[[str], None] = print, keep: bool = False, major: str = "") -> list[tuple[str, float]]:
    """The whole test; returns the timings. Raises Unavailable or InfraTestFailed (one line + log)."""
    start = time.monotonic()
    found = prerequisites.check(major=major)
    say(f"test-infra: {found.summary()}")
    workdir = Path(tempfile.mkdtemp(prefix="test-infra-"))
    succeeded = False
    run = prepare(workdir, say)
    try:
        run.finish(run.task("emulator start", "dev", "emulator.start"))
        apply_everything(run)
        problems = run.timed("expectations", lambda: expectations.problems(run.cfg))
        say(f"  {'ok' if not problems else 'FAILED':<6} {'expectations':<28} {run.timings[-1][1]:6.1f} s")
        changed = replan_everything(run)
        if problems or changed:
            raise InfraTestFailed("test-infra: " + "\ntest-infra: ".join([*problems, *changed]))
        destroy_everything(run)
        succeeded = True
    finally:
        run.pool.shutdown(wait=True, cancel_futures=True)
        sandbox.run("emulator stop", sandbox.invoke_command("emulator.stop"), run.copies["dev"], run.env, run.logs)
        if succeeded and not keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(f"test-infra: logs and sandboxes kept in {workdir}")
    run.timings.append(("total", time.monotonic() - start))
    return run.timings


def report(timings: list[tuple[str, float]]) -> str:
    """The timing table (every step, then the total)."""
    lines = ["test-infra: passed; seconds per step:"]
    lines += [f"  {name:<30} {seconds:6.1f}" for name, seconds in timings]
    return "\n".join(lines)
