"""Time the local pipeline run end to end on the full synthetic sample (acceptance: <= 15 s).

    .venv/bin/python scripts/benchmark_local_run.py [--csv PATH] [--env dev]

Starts its own in-process emulator on a free loopback port (your `invoke emulator.start`
server is not touched), uploads the data, runs the pipeline with the local executor and
prints one JSON line: seconds for upload / run (definition + code upload + steps) / each
step, accuracy and macro-F1.
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from awsenv.config import REPO_ROOT, load_config
from training_pipeline.dataset import SAMPLE_CSV


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=SAMPLE_CSV, help="dataset in the mtsamples schema")
    parser.add_argument("--env", default="dev", help="environment to run as")
    args = parser.parse_args(argv)

    from moto.server import ThreadedMotoServer

    from awsenv.emulator_ext import install

    install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log lines
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        # the placeholder accounts of .env.example, on this script's own emulator
        cfg = load_config(env_file=REPO_ROOT / ".env.example", environ={"EMULATOR_PORT": str(port)})
        from awsenv.sessions import EnvSession
        from training_pipeline.local_executor import run_local
        from training_pipeline.upload import upload

        started = time.perf_counter()
        session = EnvSession(cfg, args.env, local=True)
        upload(session, args.csv, progress=lambda _: None)
        uploaded = time.perf_counter()
        with tempfile.TemporaryDirectory() as runs:
            result = run_local(session, "0" * 40, runs_dir=Path(runs), say=lambda _: None)
        finished = time.perf_counter()
    finally:
        server.stop()
    metrics = result["evaluation"]["multiclass_classification_metrics"]
    print(
        json.dumps(
            {
                "csv": str(args.csv),
                "upload_s": round(uploaded - started, 2),
                "run_s": round(finished - uploaded, 2),
                "steps_s": {name: step["seconds"] for name, step in result["steps"].items()},
                "accuracy": metrics["accuracy"]["value"],
                "macro_f1": metrics["macro_f1"]["value"],
                "test_rows": result["evaluation"]["test_rows"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
