"""What terraform will not delete by design, removed before each destroy (as an operator would).

Buckets are created without `force_destroy` and ECR repositories without `force_delete`, so a
bucket with objects or a repository with images stops `terraform destroy`. The infrastructure
test empties them first: the data buckets (pipeline code), the release bucket (manifests), the
ECR repositories (the placeholder images) and, last, the state bucket.
"""

from __future__ import annotations

from awsenv.config import Config


def empty_bucket(session, bucket: str) -> int:
    """Delete every object version and delete marker; returns how many were deleted."""
    from botocore.exceptions import ClientError

    s3, deleted = session.client("s3"), 0
    try:
        pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=bucket))
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchBucket":
            return 0
        raise
    for page in pages:
        keys = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for start in range(0, len(keys), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys[start : start + 1000], "Quiet": True})
        deleted += len(keys)
    return deleted


def delete_images(session, repositories: list[str]) -> int:
    ecr, deleted = session.client("ecr"), 0
    for repository in repositories:
        images = ecr.list_images(repositoryName=repository).get("imageIds", [])
        if images:
            ecr.batch_delete_image(repositoryName=repository, imageIds=images)
            deleted += len(images)
    return deleted


def before_main_destroy(cfg: Config, env: str) -> int:
    from awsenv.sessions import aws_session

    return empty_bucket(aws_session(cfg, env, local=True), cfg.data_bucket(env))


def before_operations_destroy(cfg: Config) -> int:
    from awsenv.sessions import aws_session
    from awsenv.terraform_vars import IMAGES

    session = aws_session(cfg, "operations", local=True)
    images = delete_images(session, [cfg.ecr_repository(name) for name in IMAGES])
    return images + empty_bucket(session, cfg.release_bucket())


def before_backend_destroy(cfg: Config) -> int:
    from awsenv.sessions import aws_session

    return empty_bucket(aws_session(cfg, "operations", local=True), cfg.state_bucket())
