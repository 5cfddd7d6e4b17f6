"""Immutable dataset versions in S3 and the one pointer that names the current one.

    s3://<data bucket>/datasets/<dataset id>/{train,test,validation}/data.csv + manifest.json
    s3://<data bucket>/datasets/current.json   {"dataset_id", "uri", "manifest_sha256"}

`publish` writes a version's objects first (manifest last), verifying what is already there
against the manifest's SHA-256 digests (missing or damaged objects are written again), and
then the pointer in ONE PutObject, so a reader sees the old version or the new one, never a
mix. If anything fails before the pointer is written, the objects this call wrote are
deleted again by version id, leaving the bucket as it was. Large files go up in 16 MiB
multipart parts: memory stays bounded by one part.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from training_pipeline.splits import MANIFEST, Prepared

DATASETS_PREFIX = "datasets"
POINTER_KEY = f"{DATASETS_PREFIX}/current.json"
PART_SIZE = 16 * 1024 * 1024
READ_CHUNK = 1024 * 1024


def version_prefix(dataset_id: str) -> str:
    return f"{DATASETS_PREFIX}/{dataset_id}/"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def pointer_body(bucket: str, prepared: Prepared) -> bytes:
    pointer = {
        "dataset_id": prepared.dataset_id,
        "uri": f"s3://{bucket}/{version_prefix(prepared.dataset_id)}",
        "manifest_sha256": sha256_file(prepared.directory / MANIFEST),
    }
    return (json.dumps(pointer, indent=2, sort_keys=True) + "\n").encode()


def read_object(s3, bucket: str, key: str) -> bytes | None:
    from botocore.exceptions import ClientError

    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return None
        raise


def object_state(s3, bucket: str, key: str, sha256: str, size: int) -> str:
    """'ok', 'missing' or 'damaged' (size or streamed SHA-256 differs from the manifest's)."""
    from botocore.exceptions import ClientError

    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return "missing"
        raise
    if head["ContentLength"] != size:
        return "damaged"
    digest = hashlib.sha256()
    for chunk in s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(READ_CHUNK):
        digest.update(chunk)
    return "ok" if digest.hexdigest() == sha256 else "damaged"


def put_file(s3, bucket: str, key: str, path: Path) -> str | None:
    """Upload `path` (multipart above PART_SIZE, one part in memory at a time); its VersionId."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        if size <= PART_SIZE:
            return s3.put_object(Bucket=bucket, Key=key, Body=handle.read()).get("VersionId")
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        try:
            parts = []
            while chunk := handle.read(PART_SIZE):
                number = len(parts) + 1
                etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=chunk)["ETag"]
                parts.append({"PartNumber": number, "ETag": etag})
            done = s3.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
            raise
    return done.get("VersionId")


def rollback(s3, bucket: str, written: list[tuple[str, str | None, bool]]) -> None:
    """Delete what this upload wrote: the exact versions (versioned bucket), else new keys only."""
    for key, version, existed in reversed(written):
        if version and version != "null":
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version)
        elif not existed:
            s3.delete_object(Bucket=bucket, Key=key)


def _expected(prepared: Prepared, key: str) -> tuple[str, int]:
    if key == MANIFEST:
        path = prepared.directory / MANIFEST
        return sha256_file(path), path.stat().st_size
    facts = prepared.manifest["files"][key]
    return facts["sha256"], facts["bytes"]


def publish(s3, bucket: str, prepared: Prepared, progress: Callable[[str], None]) -> dict:
    """Write the version (verify, repair), then flip the pointer; roll back on any failure."""
    prefix = version_prefix(prepared.dataset_id)
    written: list[tuple[str, str | None, bool]] = []
    counts = {"uploaded": 0, "repaired": 0, "verified": 0}
    pointer = pointer_body(bucket, prepared)
    try:
        for key in prepared.object_keys():
            sha256, size = _expected(prepared, key)
            state = object_state(s3, bucket, prefix + key, sha256, size)
            if state == "ok":
                counts["verified"] += 1
                continue
            verb = "repairing" if state == "damaged" else "uploading"
            progress(f"  {verb} s3://{bucket}/{prefix}{key} ({size / 1024 / 1024:.1f} MiB)")
            written.append(
                (prefix + key, put_file(s3, bucket, prefix + key, prepared.directory / key), state != "missing")
            )
            counts["repaired" if state == "damaged" else "uploaded"] += 1
        if read_object(s3, bucket, POINTER_KEY) != pointer:
            progress(f"  s3://{bucket}/{POINTER_KEY} -> {prepared.dataset_id}")
            s3.put_object(Bucket=bucket, Key=POINTER_KEY, Body=pointer, ContentType="application/json")
            counts["pointer_updated"] = 1
    except BaseException:
        if _pointer_names(s3, bucket, prepared.dataset_id) is False:
            rollback(s3, bucket, written)
        raise
    return counts


def _pointer_names(s3, bucket: str, dataset_id: str) -> bool | None:
    """Whether the pointer names `dataset_id` (None when it cannot be read)."""
    try:
        body = read_object(s3, bucket, POINTER_KEY)
        return body is not None and json.loads(body).get("dataset_id") == dataset_id
    except Exception:  # best effort while rolling back
        return None
