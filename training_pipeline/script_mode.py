"""SageMaker script mode, the one launcher: how a training container starts the user's entry point.

Used by the training image (`docker/training/train`, SageMaker runs it as `train`) and by the
local executor (training_pipeline/local_executor/containers.py), so both start a training script
the same way. SageMaker has written, under /opt/ml (`root`):

    input/config/hyperparameters.json   every value JSON-encoded by the SDK ('"train.py"', '20000')
    input/config/inputdataconfig.json   one key per channel; the data is in input/data/<channel>/

`prepare(root, fetch)` unpacks the source directory named by `sagemaker_submit_directory` into
root/code (`fetch(uri, file)` writes the tar.gz at `uri` into an open binary file) and returns
the `Launch`: `sagemaker_program` run with this Python, the sagemaker-training toolkit's SM_*
variables and `--name value` arguments, in root/code. The caller runs it and, on AWS, SageMaker
packs root/model into model.tar.gz. Standard library only: the image imports it without the
rest of the project's dependencies.
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

HOST = "algo-1"  # SageMaker's name for the first (here: only) host of a training job


class ScriptModeError(RuntimeError):
    """The job is not a script-mode training job this launcher can start."""


@dataclass(frozen=True)
class Launch:
    command: list[str]
    env: dict[str, str]
    cwd: Path
    program: str


def decode(value: str):
    """The SageMaker SDK JSON-encodes hyperparameter values ('"train.py"', '20000')."""
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def read_config(root: Path) -> tuple[dict[str, str], list[str]]:
    """The job's hyperparameters (as written) and its channel names (sorted)."""
    config = root / "input" / "config"
    hyperparameters = json.loads((config / "hyperparameters.json").read_text())
    channels_file = config / "inputdataconfig.json"
    channels = sorted(json.loads(channels_file.read_text())) if channels_file.exists() else []
    return {key: str(value) for key, value in hyperparameters.items()}, channels


def unpack(fetch: Callable[[str, BinaryIO], None], uri: str, dest: Path) -> None:
    """Unpack the source tar.gz at `uri` into `dest` (members that would leave `dest` are refused)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as archive:
        fetch(uri, archive)
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(dest, filter="data")


def environment(root: Path, program: str, submit_dir: str, user_hps: dict, channels: list[str]) -> dict[str, str]:
    """The toolkit's SM_* variables for a single-host job."""
    return {
        "SM_MODEL_DIR": str(root / "model"),
        "SM_OUTPUT_DATA_DIR": str(root / "output" / "data"),
        "SM_CHANNELS": json.dumps(channels),
        "SM_HPS": json.dumps(user_hps, sort_keys=True),
        "SM_USER_ENTRY_POINT": program,
        "SM_MODULE_DIR": submit_dir,
        "SM_CURRENT_HOST": HOST,
        "SM_HOSTS": json.dumps([HOST]),
        "SM_NUM_CPUS": str(os.cpu_count() or 1),
        **{f"SM_CHANNEL_{name.upper()}": str(root / "input" / "data" / name) for name in channels},
        **{f"SM_HP_{key.upper()}": str(value) for key, value in user_hps.items()},
    }


def prepare(root: Path, fetch: Callable[[str, BinaryIO], None]) -> Launch:
    """Unpack the submitted source into root/code and return how to start its entry point."""
    hyperparameters, channels = read_config(root)
    program = decode(hyperparameters.get("sagemaker_program", ""))
    submit_dir = decode(hyperparameters.get("sagemaker_submit_directory", ""))
    if not program or not submit_dir:
        raise ScriptModeError("no sagemaker_program/sagemaker_submit_directory: only script-mode training runs here")
    code_dir = root / "code"
    unpack(fetch, str(submit_dir), code_dir)
    for directory in (root / "model", root / "output" / "data"):
        directory.mkdir(parents=True, exist_ok=True)
    user_hps = {k: decode(v) for k, v in hyperparameters.items() if not k.startswith("sagemaker_")}
    cli = [item for key, value in user_hps.items() for item in (f"--{key}", str(value))]
    env = environment(root, program, str(submit_dir), user_hps, channels)
    return Launch([sys.executable, str(code_dir / program), *cli], env, code_dir, program)


def record_failure(root: Path, error: Exception) -> None:
    """SageMaker shows the first line of /opt/ml/output/failure as the job's failure reason."""
    failure = root / "output" / "failure"
    failure.parent.mkdir(parents=True, exist_ok=True)
    failure.write_text(f"train: {type(error).__name__}: {error}\n")
