"""An environment's model registry: find packages, change approvals, read their metrics.

Every function takes a boto3 SageMaker client (an `awsenv.sessions.EnvSession`'s, or the
Lambda's own session) and a model package group name, so the CLI, the deployer and the
auto-deploy Lambda share one implementation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from awsenv.errors import UserError, is_not_found
from awsenv.s3uri import S3UriError, split_s3_uri

APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")


class NoSuchPackage(UserError):
    """The requested model package version (or any approved one) does not exist."""


@dataclass(frozen=True)
class Package:
    arn: str
    group: str
    version: int
    status: str  # ModelApprovalStatus
    image: str
    model_data_url: str
    metrics_uri: str | None
    created: Any = None
    metadata: dict | None = None  # CustomerMetadataProperties (the artifact digests: inference.integrity)
    environment: dict | None = None  # the container's Environment as registered (the serving image's settings)

    @classmethod
    def from_description(cls, description: dict[str, Any]) -> Package:
        container = description["InferenceSpecification"]["Containers"][0]
        statistics = description.get("ModelMetrics", {}).get("ModelQuality", {}).get("Statistics", {})
        return cls(
            arn=description["ModelPackageArn"],
            group=description["ModelPackageGroupName"],
            version=int(description["ModelPackageVersion"]),
            status=description.get("ModelApprovalStatus", "PendingManualApproval"),
            image=container["Image"],
            model_data_url=container["ModelDataUrl"],
            metrics_uri=statistics.get("S3Uri"),
            created=description.get("CreationTime"),
            metadata=dict(description.get("CustomerMetadataProperties") or {}),
            environment=dict(container.get("Environment") or {}),
        )


def summaries(sm, group: str, status: str | None = None) -> list[dict[str, Any]]:
    """Package summaries of `group`, newest first (optionally only one approval status)."""
    kwargs: dict[str, Any] = {"ModelPackageGroupName": group, "SortBy": "CreationTime", "SortOrder": "Descending"}
    if status:
        kwargs["ModelApprovalStatus"] = status
    found: list[dict[str, Any]] = []
    try:
        for page in sm.get_paginator("list_model_packages").paginate(**kwargs):
            found.extend(page["ModelPackageSummaryList"])
    except sm.exceptions.ClientError as error:
        if is_not_found(error):
            return []
        raise
    return sorted(found, key=lambda s: -int(s.get("ModelPackageVersion", 0)))


def describe(sm, arn: str) -> Package:
    return Package.from_description(sm.describe_model_package(ModelPackageName=arn))


def find(sm, group: str, version: int) -> Package:
    """Package `version` of `group`, or NoSuchPackage naming the versions that exist."""
    rows = summaries(sm, group)
    for row in rows:
        if int(row.get("ModelPackageVersion", 0)) == int(version):
            return describe(sm, row["ModelPackageArn"])
    existing = ", ".join(
        str(r.get("ModelPackageVersion")) for r in sorted(rows, key=lambda r: r["ModelPackageVersion"])
    )
    raise NoSuchPackage(
        f"model package: version {version} is not in group '{group}' (versions: {existing or 'none'}); "
        "pick one of those or run the training pipeline"
    )


def latest_approved(sm, group: str, exclude_arn: str | None = None) -> Package | None:
    """The newest Approved package of `group` (other than `exclude_arn`), or None."""
    for row in summaries(sm, group, status="Approved"):
        if row["ModelPackageArn"] != exclude_arn:
            package = describe(sm, row["ModelPackageArn"])
            if package.status == "Approved":
                return package
    return None


def set_approval(sm, group: str, version: int, status: str, note: str = "") -> Package:
    """Set a package's ModelApprovalStatus; returns the package as it is now."""
    if status not in APPROVAL_STATUSES:
        raise UserError(f"approval: '{status}' is not a status; use one of: {', '.join(APPROVAL_STATUSES)}")
    package = find(sm, group, version)
    if package.status != status:
        sm.update_model_package(
            ModelPackageArn=package.arn,
            ModelApprovalStatus=status,
            ApprovalDescription=note or f"set to {status} by aws-promote-code",
        )
    return describe(sm, package.arn)


def accuracy(s3, package: Package) -> float | None:
    """`accuracy` from the package's evaluation.json (model quality statistics), if readable."""
    try:
        bucket, key = split_s3_uri(package.metrics_uri or "", need_key=True)
    except S3UriError:
        return None
    try:
        report = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        return float(report["multiclass_classification_metrics"]["accuracy"]["value"])
    except (s3.exceptions.ClientError, KeyError, ValueError, TypeError):
        return None
