"""Run a SageMaker pipeline definition JSON on the emulator, step by step.

Order: steps run one at a time in dependency order (data references `Get: Steps.X...`,
property files and `DependsOn`), ties broken by definition order. A Condition step runs the
steps of the chosen branch. Supported step types: Processing, Training, Condition,
RegisterModel, Fail; anything else stops the run with a clear message.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from awsenv.config import REPO_ROOT
from awsenv.errors import UserError
from awsenv.sessions import EnvSession
from training_pipeline.local_executor import containers, registry
from training_pipeline.local_executor.errors import ExecutorError, StepFailed
from training_pipeline.local_executor.expressions import Resolver, evaluate_condition

RUNS_DIR = REPO_ROOT / ".runs"
SUPPORTED = ("Processing", "Training", "Condition", "RegisterModel", "Fail")
_CASTS = {"Integer": int, "Float": float, "String": str, "Boolean": lambda v: str(v).lower() in ("true", "1")}
_STEP_REF = re.compile(r"^Steps\.([A-Za-z0-9_-]+)")


def parameter_values(definition: dict, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Defaults of the definition's parameters with `overrides` applied (typed, names checked)."""
    declared = {p["Name"]: p for p in definition.get("Parameters", [])}
    values = {name: p.get("DefaultValue") for name, p in declared.items()}
    for name, value in (overrides or {}).items():
        if name not in declared:
            raise UserError(f"parameter: '{name}' is not a pipeline parameter; use one of: {', '.join(declared)}")
        kind = declared[name].get("Type", "String")
        try:
            values[name] = _CASTS[kind](value)
        except (TypeError, ValueError):
            raise UserError(f"parameter: {name}='{value}' is not a valid {kind}") from None
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise UserError(f"parameter: {', '.join(missing)} has no default; pass a value")
    return values


def _references(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        if isinstance(value.get("Get"), str) and (match := _STEP_REF.match(value["Get"])):
            found.add(match.group(1))
        if "StepName" in value and isinstance(value["StepName"], str):
            found.add(value["StepName"])
        for item in value.values():
            found |= _references(item)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


def ordered(steps: list[dict]) -> list[dict]:
    """Steps in dependency order (stable for independent steps); a cycle is an error."""
    names = [step["Name"] for step in steps]
    needs = {s["Name"]: (_references(s) | set(s.get("DependsOn", []))) & set(names) - {s["Name"]} for s in steps}
    done: list[str] = []
    while len(done) < len(names):
        ready = [n for n in names if n not in done and needs[n] <= set(done)]
        if not ready:
            raise ExecutorError(f"steps {sorted(set(names) - set(done))} depend on each other in a cycle")
        done.append(ready[0])
    return [next(s for s in steps if s["Name"] == name) for name in done]


class Execution:
    """One local execution of a definition for `env` on the emulator."""

    def __init__(self, session: EnvSession, definition: dict, parameters: dict, *, runs_dir: Path, say,
                 step_launcher=None):  # fmt: skip
        cfg, env = session.cfg, session.env
        self.cfg, self.env, self.definition, self.say = cfg, env, definition, say
        self.launcher = step_launcher
        self.id = f"local-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        self.run_dir = runs_dir / self.id
        name = cfg.pipeline_name(env)
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        arn = f"arn:aws:sagemaker:{cfg.region}:{cfg.accounts[env]}:pipeline/{name}/execution/{self.id}"
        self.resolver = Resolver(
            parameters,
            {
                "PipelineExecutionId": self.id,
                "PipelineExecutionArn": arn,
                "PipelineName": name,
                "CurrentDateTime": now,
                "StartDateTime": now,
            },
        )
        self.s3, self.sagemaker = session.s3, session.sagemaker
        self.aws_env = {"AWS_ENDPOINT_URL": cfg.emulator_url, **session.credentials_environ()}
        self.status: dict[str, dict] = {}
        self.contexts: dict[str, containers.StepContext] = {}  # of the steps that ran a process
        self.property_files: dict[str, str] = {}
        self.model_package_arn: str | None = None

    # ---- steps ------------------------------------------------------------------------
    def run_steps(self, steps: list[dict]) -> None:
        for step in ordered(steps):
            self.run_step(step)

    def run_step(self, step: dict) -> None:
        name, kind = step["Name"], step.get("Type", "?")
        if kind not in SUPPORTED:
            raise ExecutorError(
                f"step '{name}': type '{kind}' is not supported by the local executor (supported: {', '.join(SUPPORTED)})"
            )
        self.say(f"[{name}] {kind}: started")
        started = time.monotonic()
        try:
            properties = getattr(self, f"_{kind.lower()}")(step)
        except StepFailed as error:
            if error.step == name:  # a step of a Condition's branch reports itself
                self._finish(name, kind, "Failed", started)
            raise
        except UserError as error:
            self._finish(name, kind, "Failed", started)
            raise StepFailed(name, str(error)) from None
        self.resolver.properties[name] = properties
        if kind != "Condition":
            self._finish(name, kind, "Succeeded", started)

    def _finish(self, name: str, kind: str, status: str, started: float) -> None:
        seconds = round(time.monotonic() - started, 2)
        self.status[name] = {"type": kind, "status": status, "seconds": seconds}
        if name in self.contexts:
            self.status[name]["process_seconds"] = round(self.contexts[name].process_seconds, 2)
        self.say(f"[{name}] {kind}: {status} in {seconds:.2f} s")

    def _context(self, step: dict) -> containers.StepContext:
        job = f"pipelines-{self.id}-{step['Name']}"[:63]
        self.contexts[step["Name"]] = containers.StepContext(
            step["Name"], self.run_dir / step["Name"], self.s3, self.aws_env, job, launcher=self.launcher
        )
        return self.contexts[step["Name"]]

    def _processing(self, step: dict) -> dict:
        ctx = self._context(step)
        args = self.resolver.resolve(step["Arguments"])
        properties = containers.run_processing(ctx, args)
        files = containers.property_files(ctx, step, args)
        self.property_files.update(files)
        properties["PropertyFiles"] = files
        return properties

    def _training(self, step: dict) -> dict:
        return containers.run_training(self._context(step), self.resolver.resolve(step["Arguments"]))

    def _condition(self, step: dict) -> dict:
        started = time.monotonic()
        args = step["Arguments"]
        outcome = all(evaluate_condition(condition, self.resolver) for condition in args.get("Conditions", []))
        self._finish(step["Name"], "Condition", f"Succeeded (outcome {outcome})", started)
        self.resolver.properties[step["Name"]] = {"Outcome": outcome}
        self.run_steps(args.get("IfSteps" if outcome else "ElseSteps", []))
        return {"Outcome": outcome}

    def _registermodel(self, step: dict) -> dict:
        args = self.resolver.resolve(step["Arguments"])
        group = args.get("ModelPackageGroupName", "")
        registry.ensure_group(self.sagemaker, group, f"{self.cfg.project} models ({self.env})")
        properties = registry.register(self.sagemaker, step["Name"], args)
        self.model_package_arn = properties["ModelPackageArn"]
        self.say(f"  registered {self.model_package_arn} ({properties['ModelApprovalStatus']})")
        registry.publish_change(self.sagemaker, self.cfg, self.env, self.model_package_arn, self.say)
        return properties

    def _fail(self, step: dict) -> dict:
        message = self.resolver.resolve(step.get("Arguments", {}).get("ErrorMessage", "Fail step reached"))
        raise StepFailed(step["Name"], str(message))

    # ---- results ----------------------------------------------------------------------
    def summary(self, status: str, failure: str | None = None) -> dict:
        evaluation = None
        for path in self.property_files.values():
            evaluation = json.loads(Path(path).read_text())
        result = {
            "execution_id": self.id,
            "status": status,
            "failure": failure,
            "steps": self.status,
            "model_package_arn": self.model_package_arn,
            "run_dir": str(self.run_dir),
            "evaluation": evaluation,
        }
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "execution.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
        return result


def report_line(evaluation: dict | None) -> str:
    """The evaluation report as one JSON line (accuracy, macro-F1, champion)."""
    if not evaluation:
        return json.dumps({"evaluation": None})
    metrics = evaluation.get("multiclass_classification_metrics", {})
    return json.dumps(
        {
            "accuracy": metrics.get("accuracy", {}).get("value"),
            "macro_f1": metrics.get("macro_f1", {}).get("value"),
            "champion_accuracy": evaluation.get("champion", {}).get("accuracy"),
            "test_rows": evaluation.get("test_rows"),
        },
        sort_keys=True,
    )


def run_definition(
    session: EnvSession,
    definition: dict | str,
    parameters: dict[str, Any] | None = None,
    *,
    runs_dir: Path = RUNS_DIR,
    say: Callable[[str], None] = print,
    step_launcher=None,
) -> dict:
    """Execute `definition` for the session's env on the emulator; return the summary, raise
    StepFailed on failure.

    `step_launcher` (a launcher.WarmLauncher) starts the steps' processes; None: a fresh one each."""
    if isinstance(definition, str):
        definition = json.loads(definition)
    cfg, env = session.cfg, session.env
    values = parameter_values(definition, parameters)
    execution = Execution(session, definition, values, runs_dir=runs_dir, say=say, step_launcher=step_launcher)
    say(f"pipeline {cfg.pipeline_name(env)} ({env}, local): execution {execution.id}")
    started = time.monotonic()
    try:
        execution.run_steps(definition.get("Steps", []))
    except StepFailed as error:
        summary = execution.summary("Failed", str(error))
        say(f"evaluation: {report_line(summary['evaluation'])}")
        say(
            f"pipeline: Failed at step '{error.step}' after {time.monotonic() - started:.2f} s; logs in {execution.run_dir}"
        )
        raise
    summary = execution.summary("Succeeded")
    say(f"evaluation: {report_line(summary['evaluation'])}")
    say(f"pipeline: Succeeded in {time.monotonic() - started:.2f} s; logs in {execution.run_dir}")
    return summary
