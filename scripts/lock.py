#!/usr/bin/env python3
"""`make lock`: resolve every requirements/*.in into a hashed lock file with uv.

    requirements/tools.in          -> tools.lock         uv and pip (bootstrap installs them first)
    requirements/requirements.in   -> requirements.lock  the project's .venv
    requirements/checkov.in        -> checkov.lock       .venv-checkov (its boto3 pin conflicts)
    requirements/extras/<name>.in  -> extras/<name>.lock optional extras, constrained to requirements.lock

An extra may also have `<name>.pip`: exact pins that bootstrap installs with plain pip, unhashed
(the transformer extra's CPU torch, a wheel on disk that uv does not see). Those packages and their
own dependencies are kept out of `<name>.lock` (overridden to a marker no platform matches).

`requirements.in` has `sdk-not-needed.txt`: distributions the SageMaker SDK packages declare but
the project never imports (no extra of theirs switches them off). They, and whatever only they
need, are dropped from `requirements.lock` the same way (~450 MB less to download and install);
bootstrap installs the lock with `uv pip sync`, which installs exactly the locked set.

Each lock is universal (`uv pip compile --universal`): one file for Linux, macOS and Windows on
CPython >= 3.11, with environment markers where a platform or Python version needs another
package, and the SHA-256 of every distribution of every pinned version (`--generate-hashes`), so
`make bootstrap` can install with `--require-hashes` on any of them. Pins already in a lock are
kept unless `--upgrade` is given (`make lock UPGRADE=1`). `UV=<path>` picks another uv binary.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = Path("requirements")
LOWEST_PYTHON = "3.11"
BASE_LOCKS = ("tools", "requirements", "checkov")
UNUSED = {REQUIREMENTS / "requirements.in": REQUIREMENTS / "sdk-not-needed.txt"}  # .in -> names left out


def lock_jobs(root: Path = ROOT) -> list[tuple[Path, Path, list[Path]]]:
    """(source .in, output .lock, constraint files) for every lock, relative to `root`, in order."""
    jobs = [(REQUIREMENTS / f"{name}.in", REQUIREMENTS / f"{name}.lock", []) for name in BASE_LOCKS]
    for source in sorted((root / REQUIREMENTS / "extras").glob("*.in")):
        relative = source.relative_to(root)
        jobs.append((relative, relative.with_suffix(".lock"), [REQUIREMENTS / "requirements.lock"]))
    return jobs


def compile_command(uv: str, source: Path, output: Path, constraints: list[Path], upgrade: bool) -> list[str]:
    command = [uv, "pip", "compile", str(source), "--output-file", str(output), "--quiet"]
    command += ["--universal", "--python-version", LOWEST_PYTHON, "--fork-strategy", "fewest"]
    command += ["--generate-hashes", "--custom-compile-command", "make lock"]
    for constraint in constraints:
        command += ["--constraint", str(constraint)]
    if excluded_names(ROOT / source):
        command += ["--override", str(source.with_suffix(".override"))]
    if upgrade:
        command.append("--upgrade")
    return command


def _names(listing: Path) -> list[str]:
    """Distribution names in a pin or name list (comments and `==version` stripped), [] when absent."""
    if not listing.is_file():
        return []
    lines = [line.split("#")[0].strip() for line in listing.read_text().splitlines()]
    return [line.split("==")[0].strip() for line in lines if line]


def pip_pins(source: Path) -> list[str]:
    """The names in the extra's `<name>.pip` (installed by plain pip), [] when it has none."""
    return _names(source.with_suffix(".pip"))


def excluded_names(source: Path, root: Path = ROOT) -> list[str]:
    """What the lock of `source` (under `root`) leaves out: its plain-pip packages and the unused
    SDK dependencies listed for it."""
    unused = UNUSED.get(source.relative_to(root)) if source.is_relative_to(root) else None
    return pip_pins(source) + (_names(root / unused) if unused else [])


def write_override(source: Path) -> None:
    """`<name>.override`: every package the lock leaves out dropped from the uv resolution (a never-true marker)."""
    names = excluded_names(source)
    if names:
        lines = [f"{name} ; sys_platform == 'never'" for name in names]
        source.with_suffix(".override").write_text(
            "# written by `make lock` (the .pip file, sdk-not-needed.txt)\n" + "\n".join(lines) + "\n"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="re-resolve to the newest versions allowed")
    args = parser.parse_args(argv)
    uv = Path(os.environ.get("UV") or ROOT / ".venv" / "bin" / "uv")
    if not uv.exists():
        print("lock: .venv/bin/uv is missing; run `make bootstrap` first", file=sys.stderr)
        return 1
    for source, output, constraints in lock_jobs():
        write_override(ROOT / source)
        result = subprocess.run(
            compile_command(str(uv), source, output, constraints, args.upgrade), cwd=ROOT, check=False
        )
        if result.returncode != 0:
            print(
                f"lock: resolving {source} failed (exit {result.returncode}); see uv's message above", file=sys.stderr
            )
            return 1
        print(f"lock: wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
