"""Processing and Training steps as local subprocesses honouring the SageMaker container contract.

Each step gets a sandbox `.runs/<execution-id>/<step>/` whose `opt_ml/` stands for the
container's `/opt/ml` (the step scripts read `OPT_ML_ROOT`). Inputs and channels are
downloaded from the emulator's S3 into it, the script is run with this Python, and outputs
(processing outputs, model.tar.gz) are uploaded to where the definition says. A training job's
CheckpointConfig is honoured: its S3 URI is copied to LocalPath before the script starts (so a
re-run resumes) and back afterwards; managed spot settings need nothing locally. The step's
stdout/stderr are kept in `<sandbox>/step.log`; how long its process ran is the step's
`process_seconds` in execution.json (the rest of its `seconds` is the transfers around it). The subprocess gets the env account's
emulator credentials and endpoint, as the container would get the execution role.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from awsenv.s3uri import split_s3_uri
from training_pipeline import script_mode
from training_pipeline.local_executor import launcher
from training_pipeline.local_executor.errors import ExecutorError, StepFailed
from training_pipeline.local_executor.s3io import download_prefix, upload_directory

OPT_ML = "/opt/ml"
PYTHON_COMMANDS = ("python", "python3")


@dataclass
class StepContext:
    name: str
    sandbox: Path
    s3: object  # boto3 S3 client of the env's account on the emulator
    aws_env: dict[str, str]  # credentials/endpoint/region for the subprocess
    job_name: str
    launcher: object = None  # launcher.WarmLauncher of the run (None: a fresh process per step)
    process_seconds: float = 0.0  # how long the step's process ran (the rest is transfers around it)

    @property
    def root(self) -> Path:
        return self.sandbox / "opt_ml"

    @property
    def log(self) -> Path:
        return self.sandbox / "step.log"

    def local(self, container_path: str) -> Path:
        """/opt/ml/... inside the container -> the sandbox path."""
        if container_path != OPT_ML and not container_path.startswith(OPT_ML + "/"):
            raise StepFailed(
                self.name, f"path '{container_path}' is outside /opt/ml; the local executor maps /opt/ml only"
            )
        return self.root / container_path[len(OPT_ML) :].lstrip("/")


def _run(ctx: StepContext, command: list[str], env: dict[str, str], timeout: float, cwd: Path | None = None) -> None:
    ctx.log.parent.mkdir(parents=True, exist_ok=True)
    full_env = {
        **launcher.host_environ(),
        **env,
        **ctx.aws_env,
        "OPT_ML_ROOT": str(ctx.root),
        "PYTHONUNBUFFERED": "1",
    }
    ctx.log.write_text(f"$ {' '.join(command)}\n")
    start = ctx.launcher.run if ctx.launcher is not None else launcher.spawn
    started = time.monotonic()
    try:
        code = start(command, env=full_env, cwd=cwd or ctx.sandbox, log=ctx.log, timeout=timeout)
    except launcher.StepTimeout:
        raise StepFailed(ctx.name, f"timed out after {timeout:.0f} s; log: {ctx.log}") from None
    except launcher.HelperGone as error:  # e.g. `invoke emulator.stop` while the step ran
        raise StepFailed(ctx.name, f"{error} while the step ran; run the pipeline again") from None
    finally:
        ctx.process_seconds += time.monotonic() - started
    if code != 0:
        failure = ctx.root / "output" / "failure"
        reason = failure.read_text().splitlines()[0] if failure.exists() else _last_line(ctx.log)
        raise StepFailed(ctx.name, f"exit code {code}: {reason} (log: {ctx.log})")


def _last_line(path: Path) -> str:
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def _python_command(ctx: StepContext, entrypoint: list[str]) -> list[str]:
    if not entrypoint or Path(entrypoint[0]).name not in PYTHON_COMMANDS:
        raise StepFailed(
            ctx.name, f"entrypoint {entrypoint} is not a python command; the local executor runs python scripts only"
        )
    return [sys.executable, *(str(ctx.local(arg)) if arg.startswith(OPT_ML) else arg for arg in entrypoint[1:])]


def run_processing(ctx: StepContext, args: dict) -> dict:
    """Run a resolved ProcessingJob request; return its properties (DescribeProcessingJob-like)."""
    for item in args.get("ProcessingInputs", []):
        s3_input = item.get("S3Input")
        if not s3_input:
            raise StepFailed(ctx.name, f"input '{item.get('InputName')}' is not an S3Input; only S3 inputs run locally")
        if download_prefix(ctx.s3, s3_input["S3Uri"], ctx.local(s3_input["LocalPath"])) == []:
            raise StepFailed(ctx.name, f"input '{item.get('InputName')}': nothing at {s3_input['S3Uri']}")
    app = args["AppSpecification"]
    command = _python_command(ctx, [*app.get("ContainerEntrypoint", []), *app.get("ContainerArguments", [])])
    timeout = args.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", 3600)
    _run(ctx, command, args.get("Environment", {}), timeout)
    outputs = {}
    for item in args.get("ProcessingOutputConfig", {}).get("Outputs", []):
        s3_output = item["S3Output"]
        source = ctx.local(s3_output["LocalPath"])
        if source.is_dir():
            upload_directory(ctx.s3, source, s3_output["S3Uri"])
        outputs[item["OutputName"]] = {**item, "S3Output": dict(s3_output)}
    return {
        "ProcessingJobName": ctx.job_name,
        "ProcessingJobStatus": "Completed",
        "ProcessingOutputConfig": {"Outputs": outputs},
        "AppSpecification": app,
    }


def property_files(ctx: StepContext, step: dict, args: dict) -> dict[str, str]:
    """PropertyFileName -> local path of that file inside the step's output directory."""
    outputs = {
        o["OutputName"]: o["S3Output"]["LocalPath"] for o in args.get("ProcessingOutputConfig", {}).get("Outputs", [])
    }
    files = {}
    for item in step.get("PropertyFiles", []):
        path = ctx.local(outputs[item["OutputName"]]) / item["FilePath"]
        if not path.is_file():
            raise StepFailed(
                ctx.name, f"property file '{item['PropertyFileName']}' ({item['FilePath']}) was not written"
            )
        files[item["PropertyFileName"]] = str(path)
    return files


def _model_tar(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            tar.add(path, arcname=path.relative_to(directory).as_posix())
    # gzip's default level (tar czf's): ~3x faster than 9 on a model, about the same size
    return gzip.compress(buffer.getvalue(), compresslevel=6, mtime=0)


def _write_job_config(ctx: StepContext, hyperparameters: dict[str, str], channels: list[str]) -> None:
    """input/config/*.json, as SageMaker writes them before starting the container."""
    config = ctx.root / "input" / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters, indent=2, sort_keys=True))
    (config / "inputdataconfig.json").write_text(json.dumps({name: {} for name in channels}, indent=2))


def _download_channels(ctx: StepContext, args: dict) -> list[str]:
    channels = []
    for channel in args.get("InputDataConfig", []):
        name, uri = channel["ChannelName"], channel["DataSource"]["S3DataSource"]["S3Uri"]
        if download_prefix(ctx.s3, uri, ctx.root / "input" / "data" / name) == []:
            raise StepFailed(ctx.name, f"channel '{name}': nothing at {uri}")
        channels.append(name)
    return channels


def run_training(ctx: StepContext, args: dict) -> dict:
    """Run a resolved TrainingJob request with the image's script-mode launcher; return its properties."""
    hyperparameters = {key: str(value) for key, value in args.get("HyperParameters", {}).items()}
    _write_job_config(ctx, hyperparameters, _download_channels(ctx, args))
    try:
        launch = script_mode.prepare(ctx.root, lambda uri, file: ctx.s3.download_fileobj(*split_s3_uri(uri), file))
    except script_mode.ScriptModeError as error:
        raise StepFailed(ctx.name, f"{error} (the local executor runs script-mode training only)") from None
    checkpoints = _restore_checkpoints(ctx, args.get("CheckpointConfig"))
    timeout = args.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", 3600)
    try:
        _run(ctx, launch.command, {**args.get("Environment", {}), **launch.env}, timeout, cwd=launch.cwd)
    finally:
        if checkpoints:  # SageMaker syncs while the job runs; here once, also after a failure
            upload_directory(ctx.s3, *checkpoints)
    model_dir = ctx.root / "model"
    if not any(model_dir.iterdir()):
        raise StepFailed(ctx.name, f"the script wrote nothing to SM_MODEL_DIR (log: {ctx.log})")
    artifact = f"{args['OutputDataConfig']['S3OutputPath'].rstrip('/')}/{ctx.job_name}/output/model.tar.gz"
    bucket, key = split_s3_uri(artifact)
    ctx.s3.put_object(Bucket=bucket, Key=key, Body=_model_tar(model_dir))
    return {
        "TrainingJobName": ctx.job_name,
        "TrainingJobStatus": "Completed",
        "ModelArtifacts": {"S3ModelArtifacts": artifact},
        "HyperParameters": hyperparameters,
        "FinalMetricDataList": _metrics(ctx.log.read_text(errors="replace"), args),
        "OutputDataConfig": args["OutputDataConfig"],
    }


def _restore_checkpoints(ctx: StepContext, config: dict | None) -> tuple[Path, str] | None:
    """CheckpointConfig: what is at its S3 URI goes to its LocalPath before the script starts (resume)."""
    if not config:
        return None
    local = ctx.local(config.get("LocalPath", "/opt/ml/checkpoints"))
    local.mkdir(parents=True, exist_ok=True)
    download_prefix(ctx.s3, config["S3Uri"], local)
    return local, config["S3Uri"]


def _metrics(log: str, args: dict) -> list[dict]:
    found = []
    for definition in args.get("AlgorithmSpecification", {}).get("MetricDefinitions", []):
        values = re.findall(definition["Regex"], log)
        if values:
            found.append({"MetricName": definition["Name"], "Value": float(values[-1])})
    return found


__all__ = ["ExecutorError", "StepContext", "property_files", "run_processing", "run_training"]
