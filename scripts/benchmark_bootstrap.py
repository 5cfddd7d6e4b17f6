"""Time `make bootstrap` from a fresh clone: cold caches, warm caches, and a repeat run.

    python3 scripts/benchmark_bootstrap.py [--ref HEAD] [--skip-cold]

1. cold:   a fresh clone of REF, with empty uv / pip / npm caches (everything is downloaded);
2. warm:   another fresh clone, with the caches the cold run filled (nothing is downloaded);
3. repeat: `make bootstrap` again in the warm clone (the lock stamps match: nothing to do).
With --skip-cold, the warm run uses the caches of this user (whatever they hold) and cold is
not measured. The caches and clones live in a temporary directory, removed at the end; your
own environments are not touched. Prints one JSON line with the seconds of each run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def clone(ref: str, target: Path) -> None:
    sha = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(target)], check=True)
    subprocess.run(["git", "checkout", "--quiet", sha], cwd=target, check=True)


def bootstrap(checkout: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(["make", "bootstrap"], cwd=checkout, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"benchmark_bootstrap: make bootstrap failed in {checkout} (exit {result.returncode})")
    return round(seconds, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="HEAD", help="commit to clone (committed work only)")
    parser.add_argument("--skip-cold", action="store_true", help="measure warm and repeat with your own caches")
    args = parser.parse_args(argv)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bootstrap-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "PYTHON": sys.executable}
        if not args.skip_cold:
            caches = {"UV_CACHE_DIR": "uv", "PIP_CACHE_DIR": "pip", "npm_config_cache": "npm"}
            env.update({name: str(work / "cache" / sub) for name, sub in caches.items()})
            clone(args.ref, work / "cold")
            figures["cold_s"] = bootstrap(work / "cold", env)
        clone(args.ref, work / "warm")
        figures["warm_s"] = bootstrap(work / "warm", env)
        figures["repeat_s"] = bootstrap(work / "warm", env)
    print(json.dumps({"ref": args.ref, **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
