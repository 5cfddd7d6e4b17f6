"""Benchmark: the local endpoint (HTTP, 1-record JSON) versus in-process predict, same model.

    .venv/bin/python scripts/benchmark_endpoint.py [--model-dir DIR | --env dev] [--requests 1000]

The model is an extracted model.tar.gz (`--model-dir`), or the one deployed to an env's
endpoint in the running emulator (`--env`), or, with neither, a stand-in trained here on
generated texts (TF-IDF + logistic regression, like the pipeline's). The endpoint is the
inference container's own entry point, `python -m inference.server serve`, in a subprocess
on 127.0.0.1 (loopback only), called over one keep-alive connection and with a new
connection per request. Loops are bounded; not a test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TEXT = "Patient presents with chest pain radiating to the left arm; ECG shows ST elevation."
BODY = json.dumps({"instances": [TEXT]}).encode()
HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


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


def percentiles(seconds: list[float]) -> tuple[float, float, float]:
    ms = sorted(s * 1000 for s in seconds)
    total = sum(seconds)
    return len(seconds) / total, statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]


def bench_in_process(model, n: int) -> dict[str, tuple[float, float, float]]:
    from inference.handler import transform

    results = {}
    for name, call in (
        ("in-process predict_proba", lambda: model.pipeline.predict_proba([TEXT])),
        ("in-process handler (JSON in/out)", lambda: transform(model, BODY, "application/json", "application/json")),
    ):
        call()
        timings = []
        for _ in range(n):
            started = time.perf_counter()
            call()
            timings.append(time.perf_counter() - started)
        results[name] = percentiles(timings)
    return results


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_http(model_dir: Path, n: int) -> dict[str, tuple[float, float, float]]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "inference.server", "serve", "--model-dir", str(model_dir), "--port", str(port)],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/ping")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("benchmark: the local endpoint did not start") from None
                time.sleep(0.1)
        results = {}
        keep_alive = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for name, fresh in (("local endpoint, keep-alive", False), ("local endpoint, new connection", True)):
            timings = []
            for _ in range(n):
                started = time.perf_counter()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10) if fresh else keep_alive
                connection.request("POST", "/invocations", body=BODY, headers=HEADERS)
                response = connection.getresponse()
                response.read()
                if fresh:
                    connection.close()
                timings.append(time.perf_counter() - started)
                assert response.status == 200, response.status
            results[name] = percentiles(timings)
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", help="an extracted model.tar.gz (model.joblib + metadata.json)")
    parser.add_argument("--env", help="use the model deployed to this env's endpoint in the running emulator")
    parser.add_argument("--requests", type=int, default=1000, help="requests per measurement (max 10000)")
    args = parser.parse_args()
    n = max(10, min(args.requests, 10_000))
    from inference.handler import model_fn

    with tempfile.TemporaryDirectory() as tmp:
        if args.model_dir:
            model_dir, source = Path(args.model_dir), args.model_dir
        elif args.env:
            from awsenv.config import load_config
            from awsenv.sessions import aws_session
            from inference.artifacts import load_deployed
            from inference.deployer import Target

            cfg = load_config()
            deployed = load_deployed(
                aws_session(cfg, args.env, local=True), Target.from_config(cfg, args.env, local=True), Path(tmp)
            )
            model_dir, source = deployed.model_dir, f"{args.env} endpoint, model package v{deployed.info['version']}"
        else:
            model_dir, source = stand_in_model(Path(tmp)), "stand-in TF-IDF + logistic regression (5 labels)"
        model = model_fn(model_dir)
        results = {**bench_in_process(model, n), **bench_http(model_dir, n)}
    print(f"model: {source}; {n} sequential 1-record requests each")
    print(f"  {'path':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, (rate, p50, p99) in results.items():
        print(f"  {name:<34} {rate:>8.0f} {p50:>8.2f} {p99:>8.2f}")


if __name__ == "__main__":
    main()
