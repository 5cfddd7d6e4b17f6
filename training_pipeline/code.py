"""The step code as SageMaker gets it, at a content-addressed S3 prefix.

The SDK would upload code itself while building the definition (an AWS call, and a
definition that depends on it). Instead `code_prefix` names the code by its hash, the
definition references that URI, and `upload_code` puts the files there before an upsert or
a local run. Same code -> same prefix -> same definition.

The transformer sourcedir also carries our hosting code under hosting/ (HOSTING_FILES), which
train_transformer.py copies into the model's code/ for the Hugging Face inference image.

The shared CSV reader `csvrows.py` ships twice: inside the training sourcedir (beside
train.py) and as `lib/csvrows.py`, which each processing step gets as its `lib` input
(SageMaker uploads a processing script alone).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

from awsenv.config import Config
from awsenv.errors import UserError
from awsenv.s3uri import split_s3_uri

if TYPE_CHECKING:
    from awsenv.sessions import EnvSession

STEPS_DIR = Path(__file__).resolve().parent / "steps"
PROCESSING_SCRIPTS = ("preprocess.py", "evaluate.py")
TRAINING_ENTRY_POINT = "train.py"
SHARED_MODULES = ("csvrows.py",)
LIB_DIR = "lib"
# Training entry point and the name of its sourcedir archive, per model family.
TRAINING_CODE = {
    "tfidf": (TRAINING_ENTRY_POINT, "sourcedir.tar.gz"),
    "transformer": ("train_transformer.py", "sourcedir-transformer.tar.gz"),
}


ROOT = STEPS_DIR.parent.parent
# The transformer family's hosting code: the training step copies hosting/ into the model's code/
# (the Hugging Face inference image runs code/promote_serving.py: inference/hf_toolkit.py).
HOSTING_DIR = "hosting"
HOSTING_FILES = {
    "promote_serving.py": "inference/hf_toolkit.py",
    "inference/__init__.py": "inference/__init__.py",
    "inference/handler.py": "inference/handler.py",
    "inference/media.py": "inference/media.py",
    "inference/integrity.py": "inference/integrity.py",
    "inference/transformer_model.py": "inference/transformer_model.py",
    "awsenv/__init__.py": "awsenv/__init__.py",
    "awsenv/errors.py": "awsenv/errors.py",
}


def _sourcedir_files(entry_point: str) -> dict[str, bytes]:
    files = {name: (STEPS_DIR / name).read_bytes() for name in (entry_point, *SHARED_MODULES)}
    if entry_point == TRAINING_CODE["transformer"][0]:
        files.update({f"{HOSTING_DIR}/{name}": (ROOT / path).read_bytes() for name, path in HOSTING_FILES.items()})
    return files


def sourcedir_tar(entry_point: str = TRAINING_ENTRY_POINT) -> bytes:
    """sourcedir.tar.gz of a training entry point + shared modules (+ the transformer family's
    hosting code), byte-stable (no mtimes, fixed owner)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in _sourcedir_files(entry_point).items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0)


def code_files() -> dict[str, bytes]:
    """The step code as uploaded: the processing scripts, their lib/ and each family's training sourcedir."""
    files = {name: (STEPS_DIR / name).read_bytes() for name in PROCESSING_SCRIPTS}
    files.update({f"{LIB_DIR}/{name}": (STEPS_DIR / name).read_bytes() for name in SHARED_MODULES})
    for entry_point, archive in TRAINING_CODE.values():
        files[archive] = sourcedir_tar(entry_point)
    return files


def code_digest(files: dict[str, bytes] | None = None) -> str:
    """SHA-256 over every uploaded file (name and content), hosting code packed for serving included
    (`files`: `code_files()` when the caller has it already)."""
    digest = hashlib.sha256()
    for name, data in sorted((code_files() if files is None else files).items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def code_prefix(cfg: Config, env: str, files: dict[str, bytes] | None = None) -> str:
    """s3://<data bucket>/<pipeline>/code/<sha256 of the code>: changes only when the code does."""
    return f"s3://{cfg.data_bucket(env)}/{cfg.pipeline_name(env)}/code/{code_digest(files)[:32]}"


def upload_code(session: EnvSession) -> str:
    """Upload the step code to `code_prefix` (skipping what is there: one listing of the prefix,
    whose name is the hash of every file); return the prefix."""
    from botocore.exceptions import ClientError

    env = session.env
    files = code_files()  # built once: the prefix is their digest
    prefix = code_prefix(session.cfg, env, files)
    bucket, key_prefix = split_s3_uri(prefix, need_key=True)
    s3 = session.s3
    try:
        present = _keys(s3, bucket, f"{key_prefix}/")
        for name, data in files.items():
            if f"{key_prefix}/{name}" not in present:
                s3.put_object(Bucket=bucket, Key=f"{key_prefix}/{name}", Body=data)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise
        fix = f"invoke data.upload --env={env} --local" if session.local else f"invoke deploy --env={env}"
        raise UserError(
            f"s3: bucket '{bucket}' does not exist in the {env} account; create it first (`{fix}`)"
        ) from None
    return prefix


def _keys(s3, bucket: str, prefix: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}
