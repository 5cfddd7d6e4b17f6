"""`invoke data.upload`: validate, split and publish a CSV as an immutable dataset version.

Layout (what the pipeline, the retraining schedule and the demo read; see dataset_store.py):

    s3://<data bucket>/datasets/<dataset id>/{train,test,validation}/data.csv + manifest.json
    s3://<data bucket>/datasets/current.json    one small pointer object, written last

The CSV is read twice, streaming (validate + plan, then write the splits to a temporary
directory); nothing touches S3 until both passes succeeded, so a refused file changes
nothing. Idempotent: an existing version is verified object by object against its
manifest (missing or damaged objects are written again) and the pointer is only written
when it names another version. On AWS the bucket comes from terraform; on the emulator it
is created (versioned) when missing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from awsenv.config import Config
from awsenv.errors import UserError, is_not_found
from awsenv.sessions import EnvSession
from training_pipeline.dataset import LABEL_COLUMN, SAMPLE_CSV, SPLITS, TEXT_COLUMN
from training_pipeline.dataset_store import publish
from training_pipeline.splits import Prepared, prepare
from training_pipeline.steps.csvrows import clip

SHOWN_CLASSES = 20


def ensure_bucket(s3, cfg: Config, env: str, *, local: bool) -> str:
    """The env's data bucket; created (versioned) on the emulator, required on AWS."""
    from botocore.exceptions import ClientError

    bucket = cfg.data_bucket(env)
    try:
        s3.head_bucket(Bucket=bucket)
        return bucket
    except ClientError as error:
        if not is_not_found(error):
            code = error.response.get("Error", {}).get("Code", "")
            raise UserError(
                f"s3: cannot read bucket '{bucket}' in the {env} account ({code}); check your credentials"
            ) from None
    if not local:
        raise UserError(
            f"s3: bucket '{bucket}' does not exist in the {env} account; it is created by `invoke operations` (terraform/operations)"
        )
    from awsenv.emulator import ensure_bucket as ensure_emulator_bucket

    ensure_emulator_bucket(s3, bucket, cfg.region, versioned=True)
    return bucket


def report_lines(source: Path | str, manifest: dict) -> list[str]:
    """The upload report: rows, duplicates, split sizes and per-class counts (summarised past 20)."""
    rows = manifest["rows"]
    lines = [
        f"data: {Path(source).name}: {sum(rows.values()):,} rows kept, {len(manifest['classes']):,} classes; "
        f"dropped {manifest['dropped_empty_texts']:,} empty texts and {manifest['duplicates_dropped']:,} duplicate "
        f"texts ({manifest['duplicate_label_conflicts']:,} of them with another label)",
        "data: split " + ", ".join(f"{name} {rows[name]:,}" for name in SPLITS),
    ]
    classes = sorted(manifest["classes"].items(), key=lambda item: (-item[1], item[0]))
    for label, count in classes[:SHOWN_CLASSES]:
        lines.append(f"  {count:>9,}  {clip(label, 60)}")
    if len(classes) > SHOWN_CLASSES:
        rest = sum(count for _, count in classes[SHOWN_CLASSES:])
        lines.append(f"  {rest:>9,}  in {len(classes) - SHOWN_CLASSES:,} more classes (all in manifest.json)")
    return lines


def upload(
    session: EnvSession,
    csv_path: Path | str = SAMPLE_CSV,
    *,
    text_column: str = TEXT_COLUMN,
    label_column: str = LABEL_COLUMN,
    progress: Callable[[str], None] = print,
    s3=None,
) -> dict:
    """Validate, split and publish `csv_path` to the session env's data bucket; return a summary
    (dataset id, URIs, counts). `s3` replaces the session's S3 client (tests inject faults)."""
    with tempfile.TemporaryDirectory(prefix="dataset-") as workdir:
        prepared = prepare(csv_path, workdir, text_column, label_column)
        for line in report_lines(csv_path, prepared.manifest):
            progress(line)
        return publish_prepared(session, prepared, progress=progress, s3=s3)


def publish_prepared(session: EnvSession, prepared: Prepared, *, progress: Callable[[str], None] = print,
                     s3=None) -> dict:  # fmt: skip
    """Publish a dataset `prepare` wrote (its directory still there) to the session env's data
    bucket; return the summary `upload` returns."""
    cfg, env = session.cfg, session.env
    s3 = s3 or session.s3
    bucket = ensure_bucket(s3, cfg, env, local=session.local)
    counts = publish(s3, bucket, prepared, progress)
    return {
        "dataset_id": prepared.dataset_id,
        "dataset_uri": cfg.dataset_uri(env, prepared.dataset_id),
        "pointer_uri": cfg.dataset_pointer_uri(env),
        "rows": prepared.manifest["rows"],
        "classes": prepared.manifest["classes"],
        "duplicates_dropped": prepared.manifest["duplicates_dropped"],
        **counts,
    }
