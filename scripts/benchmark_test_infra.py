"""Time `make test-infra` (target: <= 5 minutes on 2 cores) with a reference measured in the same run.

    .venv/bin/python scripts/benchmark_test_infra.py

The machine may be shared, so next to the wall time this prints the CPU time of every command
the run started (the emulator server excluded), the load average, and a reference: one
`terraform init -backend=false` + `validate` of terraform/backend in a scratch copy (mostly the
AWS provider starting and loading its schema), measured just before. Then one JSON line: total,
reference, ratio, CPU, per step and per root (apply + re-plan + destroy).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from awsenv.config import ENVIRONMENTS, REPO_ROOT
from infracheck import run

ROOT_STEPS = {
    "backend": ("backend apply", "backend plan", "backend destroy"),
    "operations": ("operations apply", "operations plan", "operations destroy"),
    **{f"main {env}": (f"deploy {env}", f"main {env} plan", f"main {env} destroy") for env in ENVIRONMENTS},
}


def reference_seconds() -> float:
    with tempfile.TemporaryDirectory(prefix="benchmark-reference-") as scratch:
        shutil.copytree(
            REPO_ROOT / "terraform",
            Path(scratch) / "terraform",
            ignore=shutil.ignore_patterns(".terraform*", "environment"),
        )
        chdir = f"-chdir={scratch}/terraform/backend"
        start = time.monotonic()
        for args in (["init", "-backend=false", "-input=false"], ["validate"]):
            subprocess.run(["terraform", chdir, *args], capture_output=True, check=True)
        return time.monotonic() - start


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    load_before = os.getloadavg()[0]
    reference = reference_seconds()
    cpu_before = cpu_seconds()
    timings = dict(run.execute(say=lambda line: print(line, flush=True)))
    cpu = cpu_seconds() - cpu_before
    total = timings["total"]
    per_root = {root: round(sum(timings.get(step, 0.0) for step in steps), 1) for root, steps in ROOT_STEPS.items()}
    print(run.report(list(timings.items())))
    print(
        json.dumps(
            {
                "total_s": round(total, 1),
                "target_s": 300,
                "reference_s": round(reference, 1),
                "ratio_to_reference": round(total / reference, 1),
                "cpu_s_excluding_emulator": round(cpu, 1),
                "load_average_1min": {"before": round(load_before, 1), "after": round(os.getloadavg()[0], 1)},
                "per_root_s": per_root,
                "steps_s": {name: round(seconds, 1) for name, seconds in timings.items()},
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
