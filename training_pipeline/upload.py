"""`invoke data.upload`: validate + split a CSV and upload it to the env's data bucket.

Layout (what the pipeline, the retraining schedule and the demo read):

    s3://<data bucket>/datasets/<content-hash>/{train,test,validation}/data.csv + manifest.json
    s3://<data bucket>/datasets/current/...      (a copy; the bucket is versioned)

Idempotent: an already uploaded hash is not uploaded again, and `current/` is only rewritten
when it holds another hash. On AWS the bucket comes from terraform; on the emulator it is
created (versioned) when missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from awsenv.config import Config
from awsenv.errors import UserError
from awsenv.sessions import EnvSession
from training_pipeline.dataset import LABEL_COLUMN, SAMPLE_CSV, TEXT_COLUMN, prepare

DATASETS_PREFIX = "datasets"
CURRENT = "current"


def ensure_bucket(s3, cfg: Config, env: str, *, local: bool) -> str:
    """The env's data bucket; created (versioned) on the emulator, required on AWS."""
    from botocore.exceptions import ClientError

    bucket = cfg.data_bucket(env)
    try:
        s3.head_bucket(Bucket=bucket)
        return bucket
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in ("404", "NoSuchBucket", "NotFound"):
            raise UserError(
                f"s3: cannot read bucket '{bucket}' in the {env} account ({code}); check your credentials"
            ) from None
    if not local:
        raise UserError(
            f"s3: bucket '{bucket}' does not exist in the {env} account; deploy the environment first (`invoke deploy --env={env}`)"
        )
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": cfg.region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


def _current_hash(s3, bucket: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=bucket, Key=f"{DATASETS_PREFIX}/{CURRENT}/manifest.json")["Body"].read()
    except ClientError:
        return None
    return json.loads(body).get("content_hash")


def _exists(s3, bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError:
        return False


def upload(
    session: EnvSession,
    csv_path: Path | str = SAMPLE_CSV,
    *,
    text_column: str = TEXT_COLUMN,
    label_column: str = LABEL_COLUMN,
    progress: Callable[[str], None] = print,
) -> dict:
    """Validate, split and upload `csv_path`; return a summary (hash, URIs, row counts)."""
    prepared = prepare(csv_path, text_column, label_column)
    manifest, digest = prepared["manifest"], prepared["hash"]
    progress(
        f"data: {csv_path}: {sum(manifest['rows'].values())} rows, {len(manifest['classes'])} classes, "
        f"{manifest['dropped_empty_texts']} empty texts dropped; split train/test/validation = "
        + "/".join(str(manifest["rows"][name]) for name in ("train", "test", "validation"))
    )
    cfg, env, s3 = session.cfg, session.env, session.s3
    bucket = ensure_bucket(s3, cfg, env, local=session.local)
    targets = []
    if _exists(s3, bucket, f"{DATASETS_PREFIX}/{digest}/manifest.json"):
        progress(f"data: s3://{bucket}/{DATASETS_PREFIX}/{digest}/ already uploaded")
    else:
        targets.append(digest)
    if _current_hash(s3, bucket) == digest:
        progress(f"data: {cfg.dataset_uri(env)} already holds {digest}")
    else:
        targets.append(CURRENT)
    # manifest.json last: it marks a complete upload
    keys = sorted(prepared["files"], key=lambda key: (key == "manifest.json", key))
    uploads = [(name, key) for name in targets for key in keys]
    for number, (name, key) in enumerate(uploads, start=1):
        body = prepared["files"][key]
        s3_key = f"{DATASETS_PREFIX}/{name}/{key}"
        progress(f"  [{number}/{len(uploads)}] s3://{bucket}/{s3_key} ({len(body) / 1024:.0f} KiB)")
        s3.put_object(Bucket=bucket, Key=s3_key, Body=body)
    return {
        "content_hash": digest,
        "dataset_uri": cfg.dataset_uri(env, digest),
        "current_uri": cfg.dataset_uri(env),
        "rows": manifest["rows"],
        "classes": manifest["classes"],
        "uploaded": len(uploads),
    }
