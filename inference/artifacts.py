"""The model an endpoint serves, as files: endpoint -> endpoint config -> model -> model.tar.gz.

Used by the local endpoint (`invoke endpoint.serve --local`), local batch transform, the smoke
test (for the expected label set) and the demo. The archive is extracted with tarfile's `data`
filter (no absolute paths, no links out of the directory).
"""

from __future__ import annotations

import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from awsenv.errors import UserError
from awsenv.s3uri import split_s3_uri
from inference.deployer import Target, serving
from inference.handler import LoadedModel, model_fn


class NothingDeployed(UserError):
    """The environment's endpoint does not exist."""


@dataclass
class DeployedModel:
    model: LoadedModel
    info: dict[str, Any]  # what `deployer.serving` returned
    model_dir: Path


def download_model(s3, model_data_url: str, directory: Path) -> Path:
    """Download and extract `model_data_url` (a model.tar.gz) into `directory`."""
    bucket, key = split_s3_uri(model_data_url, need_key=True)
    archive = directory / "model.tar.gz"
    try:
        s3.download_file(bucket, key, str(archive))
    except s3.exceptions.ClientError as error:
        raise UserError(
            f"model artifact: cannot read {model_data_url} ({error.response['Error'].get('Code')}); "
            "was the model package registered by this environment's pipeline?"
        ) from None
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(directory, filter="data")
    return directory


def deployed_model_info(session, target: Target) -> dict[str, Any]:
    info = serving(session.client("sagemaker"), target)
    if info is None:
        raise NothingDeployed(
            f"endpoint {target.endpoint_name}: does not exist in {target.env}; "
            f"deploy a model first: `invoke model.deploy --env={target.env}{' --local' if target.local else ''}`"
        )
    return info


def load_deployed(session, target: Target, directory: Path | None = None) -> DeployedModel:
    """Download the model the endpoint serves now and load it with the hosting handler."""
    info = deployed_model_info(session, target)
    directory = Path(directory or tempfile.mkdtemp(prefix=f"{target.endpoint_name}-"))
    download_model(session.client("s3"), info["model_data_url"], directory)
    return DeployedModel(model_fn(directory), info, directory)
