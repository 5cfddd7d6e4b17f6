"""The three images and the docker commands that build and push them.

Images are tagged with the full commit SHA (`cfg.image_uri(name, sha)`), never `latest`, and
pushed to the operations account's ECR, whose tags are immutable. Docker builds run in GitHub
Actions (build.yml); this machine has no Docker engine, so `--dry-run` prints the commands and
`--local` records placeholder images in the emulator's ECR (the emulator runs no containers:
the local pipeline executor and endpoint run the same code as subprocesses).
"""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from awsenv.config import REPO_ROOT, Config
from awsenv.errors import UserError
from release.manifest import IMAGES

DOCKERFILES = {name: f"docker/{name}/Dockerfile" for name in IMAGES}
DOCKER_MISSING = (
    "docker: the Docker daemon is not available ({why}); images are built in GitHub Actions (build.yml): "
    "use --dry-run to print the commands, or --local to record placeholder images in the emulator"
)


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    stdin_secret: bool = False  # the ECR password is passed on stdin, never on the command line

    def __str__(self) -> str:
        text = shlex.join(self.argv)
        return f"{text}  # password from ecr:GetAuthorizationToken on stdin" if self.stdin_secret else text


def select(image: str = "") -> tuple[str, ...]:
    """All images, or the one named; a one-line UserError for an unknown name."""
    if not image:
        return IMAGES
    if image not in IMAGES:
        raise UserError(f"image: '{image}' is not an image; use one of: {', '.join(IMAGES)}")
    return (image,)


def build_commands(cfg: Config, commit: str, images: tuple[str, ...], *, push: bool) -> list[Command]:
    """docker login (when pushing), then build (and push) each image tagged with `commit`."""
    commands = []
    if push:
        commands.append(Command(("docker", "login", "--username", "AWS", "--password-stdin", cfg.ecr_registry()), True))
    for name in images:
        uri = cfg.image_uri(name, commit)
        commands.append(
            Command(
                (
                    "docker",
                    "build",
                    "--file",
                    DOCKERFILES[name],
                    "--tag",
                    uri,
                    "--label",
                    f"org.opencontainers.image.revision={commit}",
                    "--label",
                    f"org.opencontainers.image.source=https://github.com/{cfg.repository}",
                    ".",
                )
            )
        )
        if push:
            commands.append(Command(("docker", "push", uri)))
    return commands


def require_clean_tree(repo: Path = REPO_ROOT) -> None:
    """Pushed images are named after HEAD: refuse when the working tree differs from it."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    changed = result.stdout.splitlines()
    if result.returncode != 0 or changed:
        first = changed[0].strip() if changed else result.stderr.strip()
        raise UserError(
            f"git: the working tree has uncommitted changes ({first}); images are tagged with HEAD's SHA, so commit or stash them before pushing"
        )


def ecr_password(cfg: Config) -> str:
    """Docker registry password of the operations ECR (from the ambient/profile credentials)."""
    import base64

    from awsenv.sessions import EnvSession

    token = EnvSession(cfg, "operations").client("ecr").get_authorization_token()
    encoded = token["authorizationData"][0]["authorizationToken"]
    return base64.b64decode(encoded).decode().split(":", 1)[1]


def register_placeholders(cfg: Config, commit: str, images: tuple[str, ...]) -> list[str]:
    """Emulator only: record an image manifest for each image tagged `commit` in the emulated ECR.

    Stands in for `docker push` (no Docker here, and moto has no registry protocol), so that
    `invoke release.manifest --local` and promotion work on a laptop. Idempotent.
    """
    from botocore.exceptions import ClientError

    from awsenv.sessions import EnvSession

    ecr = EnvSession(cfg, "operations", local=True).client("ecr")
    lines = []
    for name in images:
        repository = cfg.ecr_repository(name)
        try:
            ecr.create_repository(repositoryName=repository, imageTagMutability="IMMUTABLE")
        except ClientError as error:
            if error.response["Error"]["Code"] != "RepositoryAlreadyExistsException":
                raise
        try:
            found = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": commit}])["imageDetails"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ImageNotFoundException":
                raise
            found = []
        if found:
            lines.append(f"{cfg.image_uri(name, commit)} already in the emulator ({found[0]['imageDigest']})")
            continue
        digest = ecr.put_image(
            repositoryName=repository, imageManifest=_placeholder_manifest(name, commit), imageTag=commit
        )
        lines.append(
            f"{cfg.image_uri(name, commit)} recorded in the emulator ({digest['image']['imageId']['imageDigest']})"
        )
    return lines


def _placeholder_manifest(name: str, commit: str) -> str:
    """A deterministic Docker image manifest (v2) naming the image and commit it stands for."""
    config = hashlib.sha256(f"aws-promote-code placeholder config {name} {commit}".encode()).hexdigest()
    layer = hashlib.sha256(f"aws-promote-code placeholder layer {name} {commit}".encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 0,
                "digest": f"sha256:{config}",
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 0,
                    "digest": f"sha256:{layer}",
                }
            ],
        },
        sort_keys=True,
    )
