"""The model an endpoint serves, as files: endpoint -> endpoint config -> model -> model.tar.gz.

    fetch_deployed(session, target)   download, verify, extract; reads metadata.json only
    load_deployed(session, target)    the same, then loads the model (local batch, benchmarks)
    deployed_metadata(session, target) metadata.json of the verified archive, nothing extracted

The archive is checked against the SHA-256 registered in its model package
(`inference.integrity`) before anything is extracted, and extracted with tarfile's `data`
filter (no absolute paths, no links out of the directory) into `<directory>/model`; the
extracted files are checked against the registered content digest too. A mismatch is one
line naming the package version and both digests. Only `load_deployed` unpickles.
"""

from __future__ import annotations

import json
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from awsenv.errors import UserError
from awsenv.s3uri import split_s3_uri
from inference.deployer import Target, serving
from inference.handler import LoadedModel
from inference.integrity import recorded, verify_archive, verify_model_dir


class NothingDeployed(UserError):
    """The environment's endpoint does not exist."""


@dataclass
class DeployedArtifact:
    info: dict[str, Any]  # what `deployer.serving` returned
    model_dir: Path  # the extracted, verified model files
    metadata: dict[str, Any]  # metadata.json (labels, text column)
    content_sha256: str | None  # registered digest of the files in model_dir


@dataclass
class DeployedModel:
    model: LoadedModel
    info: dict[str, Any]
    model_dir: Path


def download_archive(s3, model_data_url: str, directory: Path) -> Path:
    """Download `model_data_url` (a model.tar.gz) to `directory/model.tar.gz`."""
    bucket, key = split_s3_uri(model_data_url, need_key=True)
    archive = Path(directory) / "model.tar.gz"
    try:
        s3.download_file(bucket, key, str(archive))
    except s3.exceptions.ClientError as error:
        raise UserError(
            f"model artifact: cannot read {model_data_url} ({error.response['Error'].get('Code')}); "
            "was the model package registered by this environment's pipeline?"
        ) from None
    return archive


def deployed_model_info(session, target: Target) -> dict[str, Any]:
    """What the endpoint serves, plus the digests registered in its model package."""
    sm = session.client("sagemaker")
    info = serving(sm, target)
    if info is None:
        raise NothingDeployed(
            f"endpoint {target.endpoint_name}: does not exist in {target.env}; "
            f"deploy a model first: `invoke model.deploy --env={target.env}{' --local' if target.local else ''}`"
        )
    metadata = {}
    if info.get("package_arn"):
        metadata = sm.describe_model_package(ModelPackageName=info["package_arn"]).get("CustomerMetadataProperties")
    info["archive_sha256"], info["content_sha256"] = recorded(metadata)
    return info


def fetch_deployed(session, target: Target, directory: Path | None = None) -> DeployedArtifact:
    """Download the archive the endpoint serves, verify it, extract it; never unpickles."""
    info = deployed_model_info(session, target)
    directory = Path(directory or tempfile.mkdtemp(prefix=f"{target.endpoint_name}-"))
    archive = download_archive(session.client("s3"), info["model_data_url"], directory)
    verify_archive(archive, info["archive_sha256"], info["version"])
    model_dir = directory / "model"
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(model_dir, filter="data")
    verify_model_dir(model_dir, info["content_sha256"], info["version"])
    metadata_path = model_dir / "metadata.json"
    metadata = json.loads(metadata_path.read_text()) if metadata_path.exists() else {}
    return DeployedArtifact(info, model_dir, metadata, info["content_sha256"])


def deployed_metadata(session, target: Target) -> tuple[dict[str, Any], dict[str, Any]]:
    """(serving info, metadata.json) of the verified archive, read from the tar without extracting."""
    info = deployed_model_info(session, target)
    with tempfile.TemporaryDirectory(prefix=f"{target.endpoint_name}-") as tmp:
        archive = download_archive(session.client("s3"), info["model_data_url"], Path(tmp))
        verify_archive(archive, info["archive_sha256"], info["version"])
        with tarfile.open(archive, "r:gz") as tar:
            try:
                member = tar.extractfile("metadata.json")
            except KeyError:
                member = None
            metadata = json.loads(member.read()) if member else {}
    return info, metadata


def load_deployed(session, target: Target, directory: Path | None = None) -> DeployedModel:
    """`fetch_deployed`, then load the verified model with the hosting handler."""
    from inference.handler import model_fn

    artifact = fetch_deployed(session, target, directory)
    return DeployedModel(model_fn(artifact.model_dir), artifact.info, artifact.model_dir)
