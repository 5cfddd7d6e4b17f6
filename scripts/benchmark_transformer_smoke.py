"""Time the transformer family's local smoke run against the tfidf run measured in the same process.

    .venv/bin/python scripts/benchmark_transformer_smoke.py [--csv PATH] [--param NAME=VALUE ...]

Needs the transformer extra (`make bootstrap EXTRAS=transformer`). Starts its own in-process
emulator on a free loopback port, uploads the data to dev and staging, runs the tfidf pipeline
in staging (the reference) and the transformer smoke run in dev (fresh accounts: no champion),
and prints one JSON line per family: wall seconds of the run and of each step, CPU seconds of
the step subprocesses, accuracy and macro-F1, plus the transformer/tfidf wall-time ratio and
the load average (the machine is shared: compare ratios, not seconds).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from awsenv.config import REPO_ROOT, load_config
from training_pipeline.dataset import SAMPLE_CSV


def run(cfg, env: str, family: str, parameters: dict) -> dict:
    from awsenv.sessions import EnvSession
    from training_pipeline.local_executor import run_local

    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as runs:
        result = run_local(
            EnvSession(cfg, env, local=True),
            "0" * 40,
            parameters,
            family=family,
            runs_dir=Path(runs),
            say=lambda _: None,
        )
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    metrics = result["evaluation"]["multiclass_classification_metrics"]
    return {
        "family": family,
        "run_s": round(wall, 1),
        "steps_s": {name: step["seconds"] for name, step in result["steps"].items()},
        "cpu_s": round(cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 1),
        "accuracy": metrics["accuracy"]["value"],
        "macro_f1": metrics["macro_f1"]["value"],
        "test_rows": result["evaluation"]["test_rows"],
        "registered": result["model_package_arn"] is not None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=SAMPLE_CSV, help="dataset in the mtsamples schema")
    parser.add_argument("--param", action="append", default=[], help="transformer parameter override NAME=VALUE")
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.param)

    from moto.server import ThreadedMotoServer

    from awsenv.emulator_ext import install

    install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        cfg = load_config(env_file=REPO_ROOT / ".env.example", environ={"EMULATOR_PORT": str(port)})
        from awsenv.sessions import EnvSession
        from training_pipeline.upload import upload

        for env in ("dev", "staging"):
            upload(EnvSession(cfg, env, local=True), args.csv, progress=lambda _: None)
        load = os.getloadavg()[0]
        reference = run(cfg, "staging", "tfidf", {})
        smoke = run(cfg, "dev", "transformer", overrides)
    finally:
        server.stop()
    print(json.dumps(reference))
    print(json.dumps(smoke))
    ratio = smoke["run_s"] / reference["run_s"]
    print(json.dumps({"transformer_over_tfidf": round(ratio, 1), "load_average_1min_at_start": round(load, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
