"""Time the local loop against a plain in-process fit of the same split, measured in the same run.

    .venv/bin/python scripts/benchmark_local_run.py [--csv PATH] [--env dev] [--skip-demo]

* reference: the training step's own model (training_pipeline/steps/train.py, default
  hyperparameters) fitted in this process on the train split of `--csv`, then scored on its
  test split (imports done beforehand: the pure fit);
* local run: `run_local` (definition, code upload, Preprocess -> Train -> Evaluate -> gate ->
  Register as subprocesses under the container contract) on an emulator started as `invoke
  emulator.start` starts it (its own process on a free loopback port, its state files in a
  temporary directory: yours is not touched), once it has warmed its services. Twice: first with the step helper `invoke
  emulator.start` starts (`local_run_*`: started in a temporary directory, waited for; the
  README's flow), then with the run's own helper (`own_helper_run_*`: as without that helper).
  Also printed for each: how long its step helper took to warm up (`*_helper_ready_s`), the
  seconds before the first step (`*_before_steps_s`), each step's seconds and its process's;
* demo: `invoke demo` as a user runs it (`make demo`), on an emulator it starts on a free port,
  with the seconds of its phases (from the times its output lines appear); then (`warm_demo_*`)
  after `invoke emulator.start` on a free port has started the emulator and the step helper and
  both are warm (skipped when an emulator of this checkout runs: its state files are shared);
* endpoint start: seconds from starting a local endpoint (`inference.server.LocalServer`: the
  demo's and `invoke endpoint.serve --local`'s server) until /ping answers, median of 3 each,
  alternated, for a model the Train step wrote on the split: served from its plain arrays
  (`endpoint_start_arrays_s`), and as an artifact without them, whose model.joblib the workers
  unpickle with scikit-learn (`endpoint_start_pickle_s`);
* invoke --list: the median of 5 runs.
Prints one JSON line: seconds of each, the ratios run/reference and demo/reference (targets:
<= 3 and <= 6; `invoke --list` <= 0.3 s) and the load average at the end. Also, as
`*_ratio_issue_model`, the same ratios against a plain fit of the model trained when those
targets were set (20k features, L-BFGS: `benchmark_training.reference`), in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from awsenv.config import REPO_ROOT, load_config
from training_pipeline.dataset import SAMPLE_CSV

INVOKE = REPO_ROOT / ".venv" / "bin" / "invoke"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def train_step():
    import importlib.util

    spec = importlib.util.spec_from_file_location("train_step", REPO_ROOT / "training_pipeline/steps/train.py")
    step = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(step)
    return step


def reference_fit(split: Path) -> tuple[float, float]:
    """Seconds of a plain fit + test scoring of the step's model on the split in `split`; and its accuracy."""
    from sklearn.metrics import accuracy_score

    from training_pipeline.pipeline import DEFAULTS
    from training_pipeline.steps.csvrows import read_channel

    step = train_step()
    params = {"max_features": DEFAULTS["TfidfMaxFeatures"], "ngram_max": DEFAULTS["TfidfNgramMax"]}
    params["C"] = DEFAULTS["RegularizationC"]
    train = read_channel(split / "train", "transcription", "medical_specialty")
    test = read_channel(split / "test", "transcription", "medical_specialty")
    started = time.perf_counter()
    model = step.build_model(**params).fit(*train)
    accuracy = float(accuracy_score(test[1], model.predict(test[0])))
    return time.perf_counter() - started, accuracy


def endpoint_start(split: Path, rounds: int = 3) -> dict[str, float]:
    """Median seconds until a local endpoint answers /ping: the Train step's model (trained on the
    split in `split`) served from its arrays, then the same artifact without them (its workers
    unpickle model.joblib)."""
    from inference.server import LocalServer

    step = train_step()
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        step.train(split / "train", None, root / "arrays", dict(step.DEFAULTS))
        shutil.copytree(root / "arrays", root / "pickle")
        metadata = json.loads((root / "pickle" / "metadata.json").read_text())
        (root / "pickle" / step.SERVING_FILE).unlink()
        del metadata["serving"]
        (root / "pickle" / "metadata.json").write_text(json.dumps(metadata))
        timings = {"arrays": [], "pickle": []}
        for _ in range(rounds):
            for kind, seconds in timings.items():
                started = time.perf_counter()
                with LocalServer(root / kind):
                    seconds.append(time.perf_counter() - started)
    return {f"endpoint_start_{kind}_s": round(statistics.median(seconds), 2) for kind, seconds in timings.items()}


def issue_model_fit(split: Path) -> float:
    """Seconds of a plain fit + test scoring of the model trained when the targets were set."""
    from benchmark_training import reference  # scripts/: this script's directory

    return reference(split)["seconds"]


def warm_shared_helper(state_dir: Path) -> None:
    """Start the step helper as `invoke emulator.start` does and wait until it forks steps."""
    from training_pipeline.local_executor import step_server
    from training_pipeline.local_executor.launcher import WarmLauncher

    print(f"benchmark: step helper {step_server.start(state_dir)}", file=sys.stderr)
    noop = state_dir / "noop.py"
    noop.write_text("")
    with WarmLauncher(state_dir) as launcher:
        if not launcher.shared or launcher.run([sys.executable, str(noop)], env={}, cwd=state_dir,
                                               log=state_dir / "noop.log", timeout=120) != 0:  # fmt: skip
            raise SystemExit("benchmark: the step helper started with the emulator did not answer")


def local_run(csv: Path, env: str) -> dict[str, tuple[float, dict]]:
    """Seconds and result of `run_local` with the step helper started with the emulator (as after
    `invoke emulator.start`; the first run in this process, as a `pipeline.run --local` process's
    one run), then with the run's own helper (as when the emulator was started without one, or
    the libraries changed since). The emulator is warm, as seconds after its start."""
    from awsenv import emulator

    port = free_port()
    cfg = load_config(env_file=REPO_ROOT / ".env.example", environ={"EMULATOR_PORT": str(port)})
    emulator_state = Path(tempfile.mkdtemp(prefix="benchmark-emulator-"))
    emulator.start(cfg, emulator_state, warm_services=True)  # as `invoke emulator.start`, in its own process
    try:
        wait_warm(emulator_state / "emulator.log")
        from awsenv.sessions import EnvSession
        from training_pipeline.local_executor import run_local, step_server
        from training_pipeline.local_executor.launcher import WarmLauncher
        from training_pipeline.upload import upload

        session = EnvSession(cfg, env, local=True)
        upload(session, csv, progress=lambda _: None)
        runs = {}
        with tempfile.TemporaryDirectory() as state, tempfile.TemporaryDirectory() as runs_dir:
            state_dir = Path(state)
            warm_shared_helper(state_dir)
            for mode in ("shared_helper", "own_helper"):
                if mode == "own_helper":
                    step_server.stop(state_dir)
                started = time.perf_counter()
                with WarmLauncher(state_dir) as launcher:  # as `invoke pipeline.run --local` makes it
                    result = run_local(session, "0" * 40, runs_dir=Path(runs_dir), say=lambda _: None,
                                       step_launcher=launcher)  # fmt: skip
                    runs[mode] = (time.perf_counter() - started, result)
                result["helper_ready_s"] = launcher.ready_seconds
        return runs
    finally:
        emulator.stop(cfg, emulator_state)
        shutil.rmtree(emulator_state, ignore_errors=True)


def run_figures(prefix: str, seconds: float, result: dict, reference: float) -> dict:
    return {
        f"{prefix}_s": round(seconds, 2),
        f"{prefix}_ratio": round(seconds / reference, 2),
        f"{prefix}_helper_ready_s": round(result["helper_ready_s"] or 0.0, 2),
        f"{prefix}_before_steps_s": round(seconds - sum(step["seconds"] for step in result["steps"].values()), 2),
        f"{prefix}_steps_s": {name: step["seconds"] for name, step in result["steps"].items()},
        f"{prefix}_step_process_s": {
            n: s["process_seconds"] for n, s in result["steps"].items() if "process_seconds" in s
        },
    }


DEMO_MARKS = (  # phase -> the first output line starting with it ends the phase
    ("start_and_emulator", "emulator "),
    ("definitions_and_rules", "pipelines  running"),
    ("pipelines", "pipelines  finished"),
    ("deploy_serve_probe_schedule", "== drift"),
    ("drift", "summary"),
)


def wait_warm(log: Path, timeout: float = 120.0) -> None:
    """Until the emulator logging to `log` has warmed its services (after its latest start)."""
    deadline = time.monotonic() + timeout
    while '"warm_s"' not in log.read_text().rsplit('"listening"', 1)[-1] and time.monotonic() < deadline:
        time.sleep(0.1)


def start_warm_emulator(env: dict[str, str]) -> None:
    """`invoke emulator.start` (emulator and step helper), then wait until both are warm."""
    from awsenv.emulator import STATE_DIR
    from training_pipeline.local_executor.launcher import WarmLauncher

    subprocess.run([str(INVOKE), "emulator.start"], cwd=REPO_ROOT, env=env, capture_output=True, check=True)
    wait_warm(STATE_DIR / "emulator.log")
    with tempfile.TemporaryDirectory() as work, WarmLauncher() as launcher:
        (Path(work) / "noop.py").write_text("")
        launcher.run([sys.executable, str(Path(work) / "noop.py")], env={}, cwd=Path(work),
                     log=Path(work) / "log", timeout=120)  # fmt: skip


def demo(warm: bool) -> tuple[float, dict]:
    """Seconds of `invoke demo`, and of its phases (from when each phase's first line appeared).
    `warm`: after `invoke emulator.start` (the demo then uses that emulator and its step helper);
    else the demo starts an emulator of its own."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "EMULATOR_PORT": str(free_port()), "PROMOTE_ENV_FILE": str(REPO_ROOT / ".env.example")}
        env.update(HOME=home, PYTHONUNBUFFERED="1")  # no ~/.aws of the user; lines as they are printed
        try:
            if warm:
                start_warm_emulator(env)
            started = time.perf_counter()
            process = subprocess.Popen([str(INVOKE), "demo"], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True)  # fmt: skip
            lines = [(time.perf_counter() - started, line) for line in process.stdout]
            code = process.wait()
            seconds = time.perf_counter() - started
        finally:
            if warm:
                subprocess.run([str(INVOKE), "emulator.stop"], cwd=REPO_ROOT, env=env, capture_output=True, check=False)
    if code != 0:
        raise SystemExit(f"benchmark: `invoke demo` failed (exit {code}):\n{''.join(line for _, line in lines)}")
    phases, previous = {}, 0.0
    for phase, mark in DEMO_MARKS:
        at = next((t for t, line in lines if line.startswith(mark) and t >= previous), previous)
        phases[phase], previous = round(at - previous, 2), at
    phases["summary_and_stop"] = round(seconds - previous, 2)
    return seconds, phases


def checkout_emulator_running() -> bool:
    """Whether an emulator started from this checkout runs (its state files must not be touched)."""
    from awsenv.emulator import checkout_pid

    return checkout_pid() is not None


def invoke_list() -> float:
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([str(INVOKE), "--list"], cwd=REPO_ROOT, capture_output=True, check=True)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=SAMPLE_CSV, help="dataset in the mtsamples schema")
    parser.add_argument("--env", default="dev", help="environment to run as")
    parser.add_argument("--skip-demo", action="store_true", help="do not time `invoke demo`")
    args = parser.parse_args(argv)
    from training_pipeline.splits import prepare

    with tempfile.TemporaryDirectory(prefix="benchmark-split-") as directory:
        split = Path(directory)
        prepare(args.csv, split)  # the very split the uploader writes
        reference, reference_accuracy = reference_fit(split)
        issue_model = issue_model_fit(split)
        endpoints = endpoint_start(split)
    runs = local_run(args.csv, args.env)
    figures = {"csv": str(args.csv.name), "reference_fit_s": round(reference, 2)}
    figures.update(run_figures("local_run", *runs["shared_helper"], reference))
    figures.update(run_figures("own_helper_run", *runs["own_helper"], reference))
    result = runs["shared_helper"][1]
    figures["accuracy"] = result["evaluation"]["multiclass_classification_metrics"]["accuracy"]["value"]
    figures["reference_accuracy"] = round(reference_accuracy, 6)
    if not args.skip_demo:
        demo_s, phases = demo(warm=False)
        figures.update(
            {"demo_s": round(demo_s, 2), "demo_ratio": round(demo_s / reference, 2), "demo_phases_s": phases}
        )
        if checkout_emulator_running():
            print("benchmark: an emulator of this checkout runs; the warm demo is skipped", file=sys.stderr)
        else:
            demo_s, phases = demo(warm=True)
            figures.update({"warm_demo_s": round(demo_s, 2), "warm_demo_ratio": round(demo_s / reference, 2),
                            "warm_demo_phases_s": phases})  # fmt: skip
    figures["issue_model_fit_s"] = round(issue_model, 2)
    for name in ("local_run", "demo", "warm_demo"):
        if f"{name}_s" in figures:
            figures[f"{name}_ratio_issue_model"] = round(figures[f"{name}_s"] / issue_model, 2)
    figures.update(endpoints)
    figures["invoke_list_s"] = round(invoke_list(), 3)
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
