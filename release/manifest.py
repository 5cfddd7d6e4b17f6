"""The release manifest: one JSON object per built commit, in the operations account.

CI writes it after pushing the images (`invoke release.manifest`); promotion refuses a commit
without one and `invoke deploy` reads it to deploy exactly what was built. It lives at
`s3://<cfg.release_bucket()>/releases/<commit sha>.json`:

    {"schema": 1, "project": "...", "commit": "<40 hex>",
     "images": {"training": {"uri": "<registry>/<repo>:<sha>", "digest": "sha256:..."}, ...},
     "pipeline_definition_sha256": {"dev": "<64 hex>", "staging": "...", "prod": "..."} | null}

`pipeline_definition_sha256` holds, per environment, the hash of the training pipeline
definition this commit renders (`training_pipeline.pipeline.definition`, offline), so a deploy
can check that what it upserts is what was built (`check_pipeline_definition`).

An S3 bucket (not an SSM parameter) because the staging and prod deploy roles read it across
accounts, which a bucket policy allows and SSM parameters do not.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from awsenv.config import ENVIRONMENTS, Config
from awsenv.errors import UserError
from awsenv.sessions import EnvSession

IMAGES = ("training", "inference", "lambda")
SCHEMA = 1
PREFIX = "releases/"
_SHA = re.compile(r"^[0-9a-f]{40}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Manifest:
    """What CI built for one commit: image references by tag and digest, pipeline hash."""

    project: str
    commit: str
    images: dict[str, dict[str, str]]
    pipeline_definition_sha256: dict[str, str] | None = None
    schema: int = SCHEMA

    def image_uri(self, image: str) -> str:
        """The image's tag reference (`<registry>/<repo>:<commit sha>`)."""
        return self.images[image]["uri"]

    def image_digest_uri(self, image: str) -> str:
        """The image pinned by digest (`<registry>/<repo>@sha256:...`): immune to re-tagging."""
        entry = self.images[image]
        return f"{entry['uri'].rsplit(':', 1)[0]}@{entry['digest']}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> Manifest:
        """Parse and validate; a malformed manifest is a one-line UserError naming `where`."""
        try:
            data = json.loads(text)
            manifest = cls(
                project=data["project"],
                commit=data["commit"],
                images={
                    name: {"uri": data["images"][name]["uri"], "digest": data["images"][name]["digest"]}
                    for name in IMAGES
                },
                pipeline_definition_sha256=data.get("pipeline_definition_sha256"),
                schema=data["schema"],
            )
        except (ValueError, KeyError, TypeError) as error:
            raise UserError(
                f"release: {where} is not a valid release manifest ({type(error).__name__}: {error}); rebuild it with `invoke release.manifest`"
            ) from None
        problems = manifest.problems()
        if problems:
            raise UserError(
                f"release: {where} is not a valid release manifest ({problems[0]}); rebuild it with `invoke release.manifest`"
            )
        return manifest

    def problems(self) -> list[str]:
        found = []
        if self.schema != SCHEMA:
            found.append(f"schema {self.schema!r}, expected {SCHEMA}")
        if not _SHA.match(str(self.commit)):
            found.append(f"commit {self.commit!r} is not a 40-character SHA")
        for name in IMAGES:
            entry = self.images.get(name, {})
            if not str(entry.get("uri", "")).endswith(f":{self.commit}"):
                found.append(f"image {name} uri {entry.get('uri')!r} is not tagged with the commit")
            if not _DIGEST.match(str(entry.get("digest", ""))):
                found.append(f"image {name} digest {entry.get('digest')!r} is not sha256:<64 hex>")
        hashes = self.pipeline_definition_sha256
        if hashes is not None and (
            not isinstance(hashes, dict)
            or not set(hashes) <= set(ENVIRONMENTS)
            or not all(_HASH.match(str(value)) for value in hashes.values())
        ):
            found.append(f"pipeline_definition_sha256 {hashes!r} is not {{env: 64 hex characters}}")
        return found


def manifest_key(commit: str) -> str:
    return f"{PREFIX}{commit}.json"


def manifest_url(cfg: Config, commit: str) -> str:
    return f"s3://{cfg.release_bucket()}/{manifest_key(commit)}"


def definition_hash(definition: str | dict[str, Any]) -> str:
    """sha256 of a pipeline definition in canonical JSON (key order and spacing do not matter)."""
    data = json.loads(definition) if isinstance(definition, str) else definition
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def pipeline_definition_hashes(cfg: Config, commit: str) -> dict[str, str] | None:
    """Per environment, the hash of the pipeline definition pinned to `commit`'s images.

    Uses `training_pipeline.pipeline.definition(cfg, env, image_tag)` (renders offline, no AWS
    call); None when this checkout has no training pipeline.
    """
    try:
        from training_pipeline import pipeline  # type: ignore[import-not-found]
    except ImportError:
        return None
    render = getattr(pipeline, "definition", None)
    if not callable(render):
        return None
    return {env: definition_hash(render(cfg, env, commit)) for env in ENVIRONMENTS}


def check_pipeline_definition(manifest: Manifest, env: str, definition: str | dict[str, Any]) -> None:
    """UserError unless `definition` is the one CI recorded for `env` (no record: nothing to check)."""
    recorded = (manifest.pipeline_definition_sha256 or {}).get(env)
    actual = definition_hash(definition)
    if recorded is not None and recorded != actual:
        raise UserError(
            f"release: the {env} pipeline definition hashes to {actual[:12]}, but CI built {recorded[:12]} for commit {manifest.commit[:12]}; deploy from a clean checkout of that commit"
        )


def image_digests(operations: EnvSession, commit: str) -> dict[str, dict[str, str]]:
    """uri and digest of each image tagged `commit` in the operations ECR; UserError if one is missing."""
    from botocore.exceptions import ClientError

    cfg, ecr = operations.cfg, operations.client("ecr")
    images = {}
    for name in IMAGES:
        repository = cfg.ecr_repository(name)
        try:
            described = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": commit}])
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code in ("ImageNotFoundException", "RepositoryNotFoundException"):
                raise UserError(
                    f"images: {name}:{commit} is not in ECR repository '{repository}' of the operations account ({code}); build and push it first with `invoke images.build --push`"
                ) from None
            raise
        images[name] = {"uri": cfg.image_uri(name, commit), "digest": described["imageDetails"][0]["imageDigest"]}
    return images


def build_manifest(operations: EnvSession, commit: str, *, pipeline_hashes: dict[str, str] | None = None) -> Manifest:
    """Collect this commit's image digests from ECR and return its manifest (not written).

    `pipeline_hashes` (env -> sha256) defaults to rendering the pipeline definitions.
    """
    cfg = operations.cfg
    if pipeline_hashes is None:
        pipeline_hashes = pipeline_definition_hashes(cfg, commit)
    manifest = Manifest(
        project=cfg.project,
        commit=commit,
        images=image_digests(operations, commit),
        pipeline_definition_sha256=pipeline_hashes,
    )
    problems = manifest.problems()
    if problems:
        raise UserError(f"release: cannot build the manifest of {commit}: {problems[0]}")
    return manifest


def write_manifest(operations: EnvSession, manifest: Manifest) -> str:
    """Store the manifest; returns "written" or "unchanged" (re-running does nothing new).

    On the emulator the bucket is created when missing (on AWS terraform/operations owns it).
    """
    from botocore.exceptions import ClientError

    cfg, s3 = operations.cfg, operations.s3
    bucket, key = cfg.release_bucket(), manifest_key(manifest.commit)
    body = manifest.to_json()
    if operations.local:
        from awsenv.emulator import ensure_bucket

        ensure_bucket(s3, bucket, cfg.region)
    try:
        current = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "NoSuchBucket":
            raise UserError(
                f"release: bucket '{bucket}' does not exist in the operations account; create it with `invoke operations`"
            ) from None
        if code not in ("NoSuchKey", "404"):
            raise
        current = None
    if current == body:
        return "unchanged"
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode(), ContentType="application/json")
    return "written"


def read_manifest(operations: EnvSession, commit: str) -> Manifest | None:
    """The commit's manifest, or None when CI has not written one (or the bucket is absent)."""
    from botocore.exceptions import ClientError

    cfg, s3 = operations.cfg, operations.s3
    try:
        body = s3.get_object(Bucket=cfg.release_bucket(), Key=manifest_key(commit))["Body"].read().decode()
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "NoSuchBucket", "404"):
            return None
        raise
    manifest = Manifest.from_json(body, manifest_url(cfg, commit))
    if manifest.commit != commit or manifest.project != cfg.project:
        raise UserError(
            f"release: {manifest_url(cfg, commit)} describes commit {manifest.commit} of project '{manifest.project}'; rebuild it with `invoke release.manifest`"
        )
    return manifest


def require_manifest(operations: EnvSession, commit: str) -> Manifest:
    """The commit's manifest, or a one-line UserError saying its images were not built."""
    cfg = operations.cfg
    manifest = read_manifest(operations, commit)
    if manifest is None:
        how = (
            "run `invoke images.build --local` and `invoke release.manifest --local`"
            if operations.local
            else "merge it to main and wait for the build workflow"
        )
        raise UserError(
            f"release: commit {commit[:12]} has no release manifest ({manifest_url(cfg, commit)}): its images were not built; {how}"
        )
    return manifest
