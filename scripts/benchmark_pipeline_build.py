"""Time building the pipeline definition: SDK import, first and second build, and the task.

    .venv/bin/python scripts/benchmark_pipeline_build.py [--repeat 3]

Each measurement runs in a fresh Python process (imports are what is measured), offline:
the definition needs no emulator and no credentials. Prints one JSON line with medians in
seconds: `python` (bare interpreter start, the reference), `first_build` / `second_build`
(two `definition()` calls in one process: the first includes the SDK import and session
set-up, the second is the build alone), and `task` (`invoke pipeline.definition --env=dev`
wall time, the way a person runs it). Bounded loops; not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAG = "0" * 40
SETUP = (
    "import sys, time; sys.path.insert(0, {root!r}); "
    "from awsenv.config import load_config; "
    "cfg = load_config(env_file={root!r} + '/.env.example', environ={{}}); "
)
BUILD = (
    SETUP + "from training_pipeline.pipeline import definition; "
    "t0 = time.perf_counter(); definition(cfg, 'dev', {tag!r}); t1 = time.perf_counter(); "
    "definition(cfg, 'dev', {tag!r}); t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
)


def _python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    if result.returncode != 0:
        sys.exit(f"benchmark: probe failed:\n{result.stderr.strip()}")
    return result.stdout.strip().splitlines()[-1]


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, capture_output=True, check=True, timeout=300)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    args = parser.parse_args(argv)
    root = str(ROOT)
    runs: dict[str, list[float]] = {"python": [], "first_build": [], "second_build": [], "task": []}
    invoke = str(Path(sys.executable).with_name("invoke"))
    for _ in range(args.repeat):
        runs["python"].append(_wall([sys.executable, "-c", "pass"]))
        first, second = (float(x) for x in _python(BUILD.format(root=root, tag=TAG)).split())
        runs["first_build"].append(first)
        runs["second_build"].append(second)
        runs["task"].append(_wall([invoke, "pipeline.definition", "--env=dev", f"--image-tag={TAG}"]))
    print(json.dumps({k: round(statistics.median(v), 2) for k, v in runs.items() if v}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
