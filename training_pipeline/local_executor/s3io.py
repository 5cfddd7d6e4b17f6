"""S3 transfers of the local executor, with SageMaker's S3Prefix semantics."""

from __future__ import annotations

import shutil
from pathlib import Path

from awsenv.s3uri import split_s3_uri

MULTIPART_BYTES = 64 * 1024 * 1024  # larger files go through the transfer manager (parts, threads)


def download_prefix(s3, uri: str, directory: Path) -> list[Path]:
    """Every object under `uri` into `directory`, keeping paths relative to the prefix.

    An object whose key equals the prefix (a single file) lands as its base name.
    """
    bucket, prefix = split_s3_uri(uri)
    files = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key.endswith("/"):
                continue
            relative = key[len(prefix) :].lstrip("/") or key.rsplit("/", 1)[-1]
            target = directory / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if item.get("Size", 0) > MULTIPART_BYTES:
                s3.download_file(bucket, key, str(target))
            else:  # one GET, no HEAD and no thread pool: the executor's inputs are mostly small
                body = s3.get_object(Bucket=bucket, Key=key)["Body"]
                with target.open("wb") as out:
                    shutil.copyfileobj(body, out, 1024 * 1024)
            files.append(target)
    return files


def upload_directory(s3, directory: Path, uri: str) -> int:
    """Every file under `directory` to `uri`/<relative path>; returns the number of files."""
    bucket, prefix = split_s3_uri(uri)
    count = 0
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        key = "/".join(part for part in (prefix.rstrip("/"), path.relative_to(directory).as_posix()) if part)
        if path.stat().st_size > MULTIPART_BYTES:
            s3.upload_file(str(path), bucket, key)
        else:
            with path.open("rb") as body:
                s3.put_object(Bucket=bucket, Key=key, Body=body)
        count += 1
    return count
