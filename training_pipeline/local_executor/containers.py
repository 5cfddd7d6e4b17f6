"""Processing and Training steps as local subprocesses honouring the SageMaker container contract.

Each step gets a sandbox `.runs/<execution-id>/<step>/` whose `opt_ml/` stands for the
container's `/opt/ml` (the step scripts read `OPT_ML_ROOT`). Inputs and channels are
downloaded from the emulator's S3 into it, the script is run with this Python, and outputs
(processing outputs, model.tar.gz) are uploaded to where the definition says. A training job's
CheckpointConfig is honoured: its S3 URI is copied to LocalPath before the script starts (so a
re-run resumes) and back afterwards; managed spot settings need nothing locally. The step's
stdout/stderr are kept in `<sandbox>/step.log`. The subprocess gets the env account's
emulator credentials and endpoint, as the container would get the execution role.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from training_pipeline.local_executor.errors import ExecutorError, StepFailed
from training_pipeline.local_executor.s3io import download_prefix, split_uri, upload_directory

OPT_ML = "/opt/ml"
PYTHON_COMMANDS = ("python", "python3")


@dataclass
class StepContext:
    name: str
    sandbox: Path
    s3: object  # boto3 S3 client of the env's account on the emulator
    aws_env: dict[str, str]  # credentials/endpoint/region for the subprocess
    job_name: str

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


def _run(ctx: StepContext, command: list[str], env: dict[str, str], timeout: float) -> None:
    ctx.log.parent.mkdir(parents=True, exist_ok=True)
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SM_"))},
        **env,
        **ctx.aws_env,
        "OPT_ML_ROOT": str(ctx.root),
        "PYTHONUNBUFFERED": "1",
    }
    with ctx.log.open("w") as log:
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        try:
            code = subprocess.run(  # noqa: S603 - the definition's own step script, with this Python
                command,
                cwd=ctx.sandbox,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            raise StepFailed(ctx.name, f"timed out after {timeout:.0f} s; log: {ctx.log}") from None
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


def _decode(value: str):
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def _model_tar(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            tar.add(path, arcname=path.relative_to(directory).as_posix())
    return gzip.compress(buffer.getvalue(), mtime=0)


def run_training(ctx: StepContext, args: dict) -> dict:
    """Run a resolved TrainingJob request in script mode; return its properties."""
    hyperparameters = {key: str(value) for key, value in args.get("HyperParameters", {}).items()}
    program = _decode(hyperparameters.get("sagemaker_program", ""))
    submit_dir = _decode(hyperparameters.get("sagemaker_submit_directory", ""))
    if not program or not submit_dir:
        raise StepFailed(
            ctx.name,
            "no sagemaker_program/sagemaker_submit_directory: the local executor runs script-mode training only",
        )
    config = ctx.root / "input" / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters, indent=2, sort_keys=True))
    channels = {}
    for channel in args.get("InputDataConfig", []):
        name = channel["ChannelName"]
        uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
        channels[name] = ctx.root / "input" / "data" / name
        if download_prefix(ctx.s3, uri, channels[name]) == []:
            raise StepFailed(ctx.name, f"channel '{name}': nothing at {uri}")
    (config / "inputdataconfig.json").write_text(json.dumps({n: {} for n in channels}, indent=2))
    code_dir = ctx.root / "code"
    code_dir.mkdir(parents=True, exist_ok=True)
    bucket, key = split_uri(submit_dir)
    with tarfile.open(fileobj=io.BytesIO(ctx.s3.get_object(Bucket=bucket, Key=key)["Body"].read())) as tar:
        tar.extractall(code_dir, filter="data")
    model_dir, output_dir = ctx.root / "model", ctx.root / "output" / "data"
    model_dir.mkdir(parents=True, exist_ok=True)
    output_dir.mkdir(parents=True, exist_ok=True)
    checkpoints = _restore_checkpoints(ctx, args.get("CheckpointConfig"))
    user_hps = {k: _decode(v) for k, v in hyperparameters.items() if not k.startswith("sagemaker_")}
    env = {
        **args.get("Environment", {}),
        "SM_MODEL_DIR": str(model_dir),
        "SM_OUTPUT_DATA_DIR": str(output_dir),
        "SM_CHANNELS": json.dumps(sorted(channels)),
        "SM_HPS": json.dumps(user_hps, sort_keys=True),
        "SM_USER_ENTRY_POINT": program,
        "SM_MODULE_DIR": submit_dir,
        "SM_CURRENT_HOST": "algo-1",
        "SM_HOSTS": json.dumps(["algo-1"]),
        "SM_NUM_CPUS": str(os.cpu_count() or 1),
        **{f"SM_CHANNEL_{name.upper()}": str(path) for name, path in channels.items()},
        **{f"SM_HP_{key.upper()}": str(value) for key, value in user_hps.items()},
    }
    cli = [item for key, value in user_hps.items() for item in (f"--{key}", str(value))]
    timeout = args.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", 3600)
    try:
        _run(ctx, [sys.executable, str(code_dir / program), *cli], env, timeout)
    finally:
        if checkpoints:  # SageMaker syncs while the job runs; here once, also after a failure
            upload_directory(ctx.s3, *checkpoints)
    if not any(model_dir.iterdir()):
        raise StepFailed(ctx.name, f"the script wrote nothing to SM_MODEL_DIR (log: {ctx.log})")
    output_path = args["OutputDataConfig"]["S3OutputPath"].rstrip("/")
    artifact = f"{output_path}/{ctx.job_name}/output/model.tar.gz"
    bucket, key = split_uri(artifact)
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
