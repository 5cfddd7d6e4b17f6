"""Model artifact integrity: the digests recorded at registration, checked before every load.

The Evaluate step hashes the model.tar.gz it evaluates (`archive_sha256`) and the files in it
(`content_sha256`); the Register step carries both into the model package's
CustomerMetadataProperties (keys below). Whoever loads a model checks them first:

- the local endpoint, batch and the smoke test download the archive and check
  `archive_sha256` before extracting it (`verify_archive`);
- SageMaker extracts the archive into /opt/ml/model itself, so the deployer passes
  `content_sha256` in the container's Environment (`CONTENT_ENV`) and the serving container
  checks the extracted files before `joblib.load` (`verify_model_dir`);
- the deployer refuses a package without both digests.

A mismatch raises `IntegrityError`, one line naming the package version and both digests.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from awsenv.errors import UserError

ARCHIVE_KEY = "model-archive-sha256"  # CustomerMetadataProperties keys
CONTENT_KEY = "model-content-sha256"
CONTENT_ENV = "MODEL_CONTENT_SHA256"  # container Environment: expected digest of /opt/ml/model
CHUNK = 1024 * 1024


class IntegrityError(UserError):
    """A model artifact does not match the digest recorded when it was registered."""


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def content_sha256(directory: str | Path) -> str:
    """Digest of a directory tree: sha256 over sorted `relative/path NUL sha256(file)` lines.

    Independent of tar ordering, timestamps and owners; a symlink counts by its target text.
    """
    root = Path(directory)
    lines = []
    for path in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix()):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            lines.append(f"{relative}\0link:{os.readlink(path)}\n")
        elif path.is_file():
            lines.append(f"{relative}\0{file_sha256(path)}\n")
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def recorded(package_metadata: dict | None) -> tuple[str | None, str | None]:
    """(archive digest, content digest) from a package's CustomerMetadataProperties."""
    metadata = package_metadata or {}
    return metadata.get(ARCHIVE_KEY), metadata.get(CONTENT_KEY)


def _check(what: str, expected: str, actual: str, version) -> None:
    if actual != expected:
        raise IntegrityError(
            f"model package version {version}: {what} checksum mismatch: registered sha256 {expected}, "
            f"found {actual}; refusing to load it (the artifact changed after registration)"
        )


def verify_archive(path: str | Path, expected: str | None, version=None) -> str:
    """Check a downloaded model.tar.gz against the registered digest; returns its digest."""
    if not expected:
        raise IntegrityError(
            f"model package version {version}: no registered checksum ({ARCHIVE_KEY}); refusing to load an "
            "unverifiable artifact: register it with the training pipeline"
        )
    actual = file_sha256(path)
    _check("model.tar.gz", expected, actual, version)
    return actual


def verify_model_dir(directory: str | Path, expected: str | None, version=None) -> None:
    """Check extracted model files against the registered content digest (no-op when `expected` is empty)."""
    if expected:
        _check(f"model files in {directory}", expected, content_sha256(directory), version)
