"""Upload a generated large CSV and measure the uploader's peak memory (acceptance: 1 GB, <= 300 MB RSS).

    .venv/bin/python scripts/benchmark_upload.py [--size-mb 1024] [--workdir DIR]

Generates a CSV in the mtsamples schema of about `--size-mb` MB (20 classes, ~1 KB texts
with quotes, commas and line breaks, 2 % exact duplicates; seeded, so the same bytes every
time), starts its own in-process emulator on a free loopback port, and runs
`training_pipeline.upload.upload` in a child process, whose peak RSS is read from
getrusage(RUSAGE_CHILDREN) (the emulator, which holds the uploaded objects, is not part of
it). As a reference from the same run, the child first reports the RSS of the interpreter
with the uploader imported. Prints one JSON line: bytes, rows, seconds, rows/s, MB/s, CPU
seconds (and rows per CPU second: the machine may be shared), peak RSS, the reference RSS,
the load average, duplicates dropped and the dataset id.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

WORDS = [
    "patient",
    "presents",
    "with",
    "chest",
    "pain",
    "dyspnea",
    "fever",
    "cough",
    "knee",
    "fracture",
    "cast",
    "tendon",
    "biopsy",
    "colon",
    "stomach",
    "esophagus",
    "migraine",
    "seizure",
    "stroke",
    "memory",
    "loss",
    "pregnancy",
    "uterus",
    "kidney",
    "bladder",
    "stone",
    "prostate",
    "blood",
    "pressure",
    "beta",
    "blocker",
    "history",
    "examination",
    "reviewed",
    "denies",
    "reports",
    "labs",
    "imaging",
]


def generate(path: Path, size_bytes: int, seed: int = 7) -> int:
    """Write a CSV of about `size_bytes`; return the number of data rows."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    paragraphs = []
    for _ in range(2000):
        words = rng.choices(WORDS, k=140)
        for position in rng.sample(range(140), 6):
            words[position] += rng.choice([",", '"', '."', ";\n", "\r\n"])
        paragraphs.append(" ".join(words))
    labels = [f"Specialty {i:02d}" for i in range(20)]
    rows, written, recent = 0, 0, []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["description", "medical_specialty", "sample_name", "transcription", "keywords"])
        while written < size_bytes:
            batch = []
            for _ in range(1000):
                if recent and rng.random() < 0.02:
                    text, label = rng.choice(recent)  # an exact duplicate
                else:
                    label = labels[rng.randrange(20)]
                    text = f"{paragraphs[rng.randrange(2000)]} case {rows}"
                    recent = [*recent[-99:], (text, label)]
                batch.append(("note", f" {label}", f"sample {rows}", text, "kw, kw"))
                rows += 1
                written += len(text) + 40
            writer.writerows(batch)
    return rows


def child(port: int, csv_path: Path) -> int:
    """Upload `csv_path` to the emulator on `port`; print JSON (seconds, result, base RSS)."""
    from awsenv.config import load_config
    from awsenv.sessions import EnvSession
    from training_pipeline.upload import upload

    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cfg = load_config(env_file=REPO_ROOT / ".env.example", environ={"EMULATOR_PORT": str(port)})
    started = time.perf_counter()
    result = upload(EnvSession(cfg, "dev", local=True), csv_path, progress=lambda _: None)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "base_kb": base_kb, "result": result}))
    return 0


def upload_in_child(csv_path: Path) -> subprocess.CompletedProcess:
    """Run the upload of `csv_path` in a child process against a fresh emulator (measured there)."""
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
        return subprocess.run(
            [sys.executable, __file__, "--child", str(port), str(csv_path)], capture_output=True, text=True, check=False
        )
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the generated CSV in MB (10^6 bytes)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the CSV is generated (default: a temp dir)")
    parser.add_argument("--child", nargs=2, metavar=("PORT", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(int(args.child[0]), Path(args.child[1]))

    with tempfile.TemporaryDirectory(dir=args.workdir) as workdir:
        csv_path = Path(workdir) / "large.csv"
        rows = generate(csv_path, args.size_mb * 1_000_000)
        size = csv_path.stat().st_size
        done = upload_in_child(csv_path)
    if done.returncode != 0:
        print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "upload failed", file=sys.stderr)
        return 1
    report = json.loads(done.stdout.strip().splitlines()[-1])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    result = report["result"]
    print(
        json.dumps(
            {
                "csv_bytes": size,
                "csv_rows": rows,
                "upload_s": round(report["seconds"], 1),
                "rows_per_s": round(rows / report["seconds"]),
                "mb_per_s": round(size / 1e6 / report["seconds"], 1),
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
                "rows_per_cpu_s": round(rows / (usage.ru_utime + usage.ru_stime)),
                "load_average": round(os.getloadavg()[0], 1),
                "peak_rss_mb": round(peak_mb, 1),
                "reference_rss_mb_after_imports": round(report["base_kb"] / 1024, 1),
                "limit_mb": 300,
                "duplicates_dropped": result["duplicates_dropped"],
                "rows": result["rows"],
                "dataset_id": result["dataset_id"],
            }
        )
    )
    return 0 if peak_mb <= 300 else 1


if __name__ == "__main__":
    sys.exit(main())
