"""Batch predictions over S3 files: `invoke model.batch --env=X --input S3_URI [--output S3_URI]`.

On AWS: a SageMaker batch transform job with the model the env's endpoint serves (each input
object is one request, `text/csv` in, JSON Lines out, one line per record, `<name>.out`).
Locally: the same handler over each object of the emulator's S3, in chunks, written to the
same output names. Input: CSV files with a `transcription` column (or `.json` files with
`{"instances": [...]}`); the output prefix defaults to
`s3://<data bucket>/batch-output/<endpoint>/`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from awsenv.errors import UserError
from awsenv.s3uri import split_s3_uri
from inference.handler import RequestError, output_fn, parse_texts, predict_fn

CHUNK = 500


@dataclass
class BatchResult:
    where: str
    input_uri: str
    output_uri: str
    files: int
    records: int
    job: str | None = None

    def line(self) -> str:
        job = f" (transform job {self.job})" if self.job else ""
        return f"batch{job}: {self.records} records in {self.files} file(s) from {self.input_uri} -> {self.output_uri}"


def _objects(s3, uri: str) -> list[str]:
    bucket, prefix = split_s3_uri(uri)
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].lower().endswith((".csv", ".json"))]
    if not keys:
        raise UserError(f"model.batch: no .csv or .json object under {uri}; upload input files there first")
    return keys


def _texts(data: bytes, key: str) -> list[str]:
    """Texts of one whole file (no request-size limits: batch files may be large)."""
    try:
        return parse_texts(data, "text/csv" if key.lower().endswith(".csv") else "application/json")
    except RequestError as error:
        raise UserError(f"model.batch: {key}: {error}") from None


def default_output_uri(session, target) -> str:
    """s3://<data bucket>/batch-output/<endpoint>/ of `session`'s env."""
    return f"s3://{session.cfg.data_bucket(session.env)}/batch-output/{target.endpoint_name}/"


def run_local(session, input_uri: str, output_uri: str | None = None) -> BatchResult:
    """Batch predictions in-process with the model `session`'s env serves (an emulator `EnvSession`)."""
    from inference.artifacts import load_deployed
    from inference.deployer import Target

    target = Target.from_session(session)
    output_uri = (output_uri or default_output_uri(session, target)).rstrip("/") + "/"
    s3 = session.client("s3")
    keys = _objects(s3, input_uri)
    deployed = load_deployed(session, target)
    in_bucket, _ = split_s3_uri(input_uri)
    out_bucket, out_prefix = split_s3_uri(output_uri)
    records = 0
    for key in keys:
        texts = _texts(s3.get_object(Bucket=in_bucket, Key=key)["Body"].read(), key)
        lines = b"".join(
            output_fn(predict_fn(texts[i : i + CHUNK], deployed.model), "application/jsonlines")[0]
            for i in range(0, len(texts), CHUNK)
        )
        s3.put_object(Bucket=out_bucket, Key=f"{out_prefix}{key.rsplit('/', 1)[-1]}.out", Body=lines)
        records += len(texts)
    return BatchResult("local", input_uri, output_uri, len(keys), records)


def run_aws(session, input_uri: str, output_uri: str | None = None, wait: bool = True) -> BatchResult:
    """A SageMaker batch transform job with the model `session`'s env serves (an AWS `EnvSession`)."""
    from inference.artifacts import deployed_model_info
    from inference.deployer import Target

    target = Target.from_session(session)
    info = deployed_model_info(session, target)
    output_uri = output_uri or default_output_uri(session, target)
    job = f"{target.endpoint_name}-batch-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}"[:63]
    sm = session.client("sagemaker")
    sm.create_transform_job(
        TransformJobName=job,
        ModelName=info["model"],
        MaxPayloadInMB=6,
        BatchStrategy="SingleRecord",
        Environment={"INFERENCE_MAX_BYTES": str(6 * 1024 * 1024), "INFERENCE_MAX_INSTANCES": "100000"},
        TransformInput={
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": input_uri}},
            "ContentType": "text/csv",
            "SplitType": "None",
        },
        TransformOutput={"S3OutputPath": output_uri, "Accept": "application/jsonlines", "AssembleWith": "Line"},
        TransformResources={"InstanceType": target.instance_type, "InstanceCount": 1},
    )
    if wait:
        sm.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName=job)
        status = sm.describe_transform_job(TransformJobName=job)
        if status["TransformJobStatus"] != "Completed":
            raise UserError(
                f"model.batch: transform job {job} {status['TransformJobStatus']}: {status.get('FailureReason')}"
            )
    return BatchResult("aws", input_uri, output_uri, 0, 0, job)
