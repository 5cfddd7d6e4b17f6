"""Benchmark: the local endpoint under load, the current server against a reference, same run.

    .venv/bin/python scripts/benchmark_endpoint.py [--model-dir DIR | --env dev] [--reference-ref main]
                                                  [--no-reference] [--scale 1.0]

Both servers serve the same model on 127.0.0.1 (loopback only), each in its own subprocess:
"new" is the inference image's entry point (`python -m inference.server serve`, gunicorn with
`inference.serving.ServerSettings`); "old" is the serving code as of `--reference-ref` (default
`ebc91c0`: `inference/server.py`, the standard-library ThreadingHTTPServer it replaced, and the
`inference/handler.py` of that commit), i.e. the server the issue measured. The model is an
extracted model.tar.gz (`--model-dir`), the one deployed to an env's endpoint in the running emulator (`--env`), or a stand-in trained here (TF-IDF + logistic
regression). Each scenario runs against old, then new:

    c=1 keep-alive / new connection     sequential 1-record JSON requests
    c=8, c=50 keep-alive                 each client sends its requests over one connection
    c=50 new connection                  a new TCP connection per request
    200 idle + 1                         200 connections open and silent, then requests on a new one
    short body                           Content-Length 100, 1 byte sent: seconds until closed

Reports req/s, p50/p99 latency (ms) and errors (resets, timeouts, non-200). The client is one
asyncio loop in this process (on the same cores as the servers). Loops are bounded; not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.benchmark_load import Stats, idle_then_requests, run_clients, short_body  # noqa: E402

TEXT = "Patient presents with chest pain radiating to the left arm; ECG shows ST elevation."
BODY = json.dumps({"instances": [TEXT]}).encode()
REFERENCE_REF = "ebc91c0"  # the last commit with the ThreadingHTTPServer


def stand_in_model(directory: Path) -> Path:
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    words = {
        "Cardiology": "chest pain ecg murmur atrial coronary stent echo troponin",
        "Neurology": "seizure migraine eeg stroke tremor numbness neuropathy mri",
        "Orthopedic": "knee fracture shoulder ligament hip arthroscopy bone tear",
        "Gastroenterology": "colonoscopy polyp reflux abdominal liver biopsy endoscopy",
        "Pulmonology": "cough wheezing spirometry asthma copd oxygen inhaler lung",
    }
    texts, labels = [], []
    for label, vocabulary in words.items():
        tokens = vocabulary.split()
        for i in range(60):
            texts.append(" ".join(tokens[(i * 3 + j) % len(tokens)] for j in range(12)) + " patient history exam")
            labels.append(label)
    pipeline = Pipeline([("tfidf", TfidfVectorizer(ngram_range=(1, 2))), ("clf", LogisticRegression(max_iter=500))])
    pipeline.fit(texts, labels)
    joblib.dump(pipeline, directory / "model.joblib")
    (directory / "metadata.json").write_text(json.dumps({"labels": sorted(words), "text_column": "transcription"}))
    return directory


def reference_server(ref: str, directory: Path) -> Path | None:
    """The serving code as of `ref` (`inference/server.py` and the `inference/handler.py` it imports),
    written as a package under `directory`; returns the PYTHONPATH to run it with (None when git
    cannot show them)."""
    package = directory / "reference" / "inference"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for name in ("server.py", "handler.py"):
        shown = subprocess.run(["git", "show", f"{ref}:inference/{name}"], cwd=ROOT, capture_output=True, text=True)
        if shown.returncode != 0:
            return None
        (package / name).write_text(shown.stdout)
    return package.parent


def start(label: str, command: list[str], pythonpath: Path = ROOT):
    from inference.server import _ping, free_port

    port = free_port()
    environ = {**os.environ, "PYTHONPATH": str(pythonpath)}
    process = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, env=environ,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while not _ping(f"http://127.0.0.1:{port}"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"benchmark: the {label} server did not start")
        time.sleep(0.2)
    return process, port


def scenarios(scale: float) -> list[tuple[str, dict]]:
    def n(count: int) -> int:
        return max(5, int(count * scale))

    return [
        ("c=1 keep-alive", {"clients": 1, "requests": n(1000), "keep_alive": True}),
        ("c=1 new connection", {"clients": 1, "requests": n(500), "keep_alive": False}),
        ("c=8 keep-alive", {"clients": 8, "requests": n(200), "keep_alive": True}),
        ("c=50 keep-alive", {"clients": 50, "requests": n(100), "keep_alive": True}),
        ("c=50 new connection", {"clients": 50, "requests": n(40), "keep_alive": False}),
    ]


async def measure(ports: dict[str, int], scale: float, short_body_wait: float) -> list[tuple[str, str, Stats]]:
    rows = []
    for name, spec in scenarios(scale):
        for label, port in ports.items():
            rows.append((name, label, await run_clients(port, BODY, **spec)))
    for label, port in ports.items():
        rows.append(("200 idle + 1 (20 req)", label, await idle_then_requests(port, BODY, idle=200, requests=20)))
    for label, port in ports.items():
        rows.append(("short body: closed after", label, await short_body(port, short_body_wait)))
    return rows


def table(rows: list[tuple[str, str, Stats]]) -> list[str]:
    lines = ["| scenario | server | requests | req/s | p50 ms | p99 ms | errors |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for name, label, stats in rows:
        lines.append(f"| {name} | {label} | {stats.cells()} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", help="an extracted model.tar.gz (model.joblib + metadata.json)")
    parser.add_argument("--env", help="use the model deployed to this env's endpoint in the running emulator")
    parser.add_argument("--reference-ref", default=REFERENCE_REF, help="git ref of the reference server.py")
    parser.add_argument("--no-reference", action="store_true", help="measure the current server only")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply request counts (0.05 to 5)")
    args = parser.parse_args()
    scale = min(max(args.scale, 0.05), 5.0)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir, source = model_directory(args, Path(tmp))
        serve = ["serve", "--model-dir", str(model_dir)]
        servers = {"new": ([sys.executable, "-m", "inference.server", *serve], ROOT)}
        reference = None if args.no_reference else reference_server(args.reference_ref, Path(tmp))
        if reference is not None:
            old = [sys.executable, str(reference / "inference" / "server.py"), *serve]  # not -m: cwd is ROOT
            servers = {"old": (old, reference), **servers}
        processes, ports = {}, {}
        try:
            for label, (command, pythonpath) in servers.items():
                processes[label], ports[label] = start(label, command, pythonpath)
            rows = asyncio.run(measure(ports, scale, short_body_wait=30.0))
        finally:
            for process in processes.values():
                process.terminate()
                process.wait(timeout=30)
    from inference.serving import ServerSettings

    print(f"model: {source}; 1-record JSON requests; {os.cpu_count()} CPUs")
    print(f"new: gunicorn, {ServerSettings.from_environ().describe()}")
    if reference is not None:
        print(f"old: inference/server.py and handler.py at {args.reference_ref} (ThreadingHTTPServer)")
    print("\n".join(table(rows)))


def model_directory(args, tmp: Path) -> tuple[Path, str]:
    if args.model_dir:
        return Path(args.model_dir), args.model_dir
    if args.env:
        from awsenv.config import load_config
        from awsenv.sessions import EnvSession
        from inference.artifacts import fetch_deployed
        from inference.deployer import Target

        session = EnvSession(load_config(), args.env, local=True)
        artifact = fetch_deployed(session, Target.from_session(session), tmp)
        return artifact.model_dir, f"{args.env} endpoint, model package v{artifact.info['version']}"
    directory = tmp / "stand-in"
    directory.mkdir()
    return stand_in_model(directory), "stand-in TF-IDF + logistic regression (5 labels)"


if __name__ == "__main__":
    main()
