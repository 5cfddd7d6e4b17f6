"""The definition JSON of a local run, rendered once per set of inputs.

Rendering the definition needs the SageMaker SDK: seconds to import, seconds to build, on every
local run. The rendering is deterministic (byte-identical for the same inputs: a test checks),
so `cached_definition` keeps each rendering under `.runs/definitions/<key>.json`, the key a
SHA-256 of everything the rendering reads: the source of training_pipeline and awsenv, the
digest of the uploaded step code (the definition names its content-addressed prefix; the
transformer sourcedir packs hosting code from inference/), the installed versions of
the SDK and boto distributions, the configuration, the env and the image tag. Change any of them
and the next run renders anew; what runs is always what `pipeline.definition` returns.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from awsenv.config import REPO_ROOT, Config
from training_pipeline.code import code_digest

CACHE_DIR = REPO_ROOT / ".runs" / "definitions"
DISTRIBUTIONS = (
    "sagemaker",
    "sagemaker-core",
    "sagemaker-mlops",
    "sagemaker-train",
    "sagemaker-serve",
    "boto3",
    "botocore",
)
SOURCES = (("training_pipeline", "*.py"), ("awsenv", "*.py"), ("awsenv", "*.yaml"), ("awsenv", "*.json"))


def _source_files(root: Path) -> list[Path]:
    files = {path for package, pattern in SOURCES for path in (root / package).rglob(pattern)}
    return sorted(p for p in files if "local_executor" not in p.parts and "__pycache__" not in p.parts)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "-"


def cache_key(cfg: Config, env: str, image_tag: str, root: Path = REPO_ROOT, family: str = "") -> str:
    """SHA-256 over every input of the rendering."""
    digest = hashlib.sha256()
    for path in _source_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    settings = {
        "versions": {name: _version(name) for name in DISTRIBUTIONS},
        "config": [cfg.accounts, cfg.region, cfg.repository, cfg.project, cfg.ci],  # not the port: unused
        "env": env,
        "image_tag": image_tag,
        "family": cfg.model_family(env, family),
        "code": code_digest(),  # the content-addressed code prefix (it packs inference/'s hosting code too)
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as handle:
        handle.write(text)
    os.replace(handle.name, path)


def cached_definition(cfg: Config, env: str, image_tag: str, *, render: Callable[..., str] | None = None,
                      cache_dir: Path = CACHE_DIR, family: str = "") -> tuple[str, bool]:  # fmt: skip
    """(definition JSON, whether it came from the cache); renders and stores it on a miss."""
    path = cache_dir / f"{cache_key(cfg, env, image_tag, family=family)}.json"
    if path.is_file():
        text = path.read_text()
        try:
            json.loads(text)
            return text, True
        except ValueError:
            pass  # a damaged entry: render again
    if render is None:
        from training_pipeline.pipeline import definition as render
    text = render(cfg, env, image_tag, family) if family else render(cfg, env, image_tag)
    _write_atomically(path, text)
    return text, False


def render_ahead(envs: tuple[str, ...]) -> list[str]:
    """The command that renders (or finds cached) each env's definition at this checkout's HEAD
    with the configuration of `.env`, in its own process: the demo starts it while the emulator
    starts (a process of its own: the SDK changes the process environment while it builds)."""
    return [sys.executable, "-m", "training_pipeline.local_executor.definitions", *envs]


def main(envs: list[str]) -> int:
    from awsenv.config import load_config
    from awsenv.errors import UserError
    from awsenv.gitinfo import head_sha

    try:
        cfg = load_config()
        image_tag = head_sha()
        for env in envs:
            cached_definition(cfg, env, image_tag, family=cfg.model_family(env, ""))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
