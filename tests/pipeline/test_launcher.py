"""Step processes: forked from the warm helper or fresh, each keeps the container contract."""

from __future__ import annotations

import json
import os
import sys

import pytest

from training_pipeline.local_executor.launcher import StepTimeout, WarmLauncher, spawn

SCRIPT = """
import json, os, sys
import sklearn
print("step", json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd(), "pid": os.getpid(),
      "env": os.environ.get("STEP_VALUE"), "path": os.environ.get("PATH"), "name": __name__}))
code = os.environ.get("STEP_EXIT", "0")
sys.exit(int(code) if code.isdigit() else code)
"""


@pytest.fixture(scope="module")
def warm():
    """One warm helper for the module (it imports scikit-learn: seconds)."""
    with WarmLauncher() as launcher:
        launcher._ready(wait=120.0)
        launcher.steps = 1  # past the first step: every step is forked
        yield launcher


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "step.py"
    path.write_text(SCRIPT)
    (tmp_path / "work").mkdir()
    return path


def run(start, script, tmp_path, **env):
    log = tmp_path / f"log-{len(list(tmp_path.glob('log-*')))}"
    log.write_text("$ header\n")
    code = start([sys.executable, str(script), "--C", "4.0"], env={"STEP_VALUE": "v", **env}, cwd=tmp_path / "work",
                 log=log, timeout=300)  # fmt: skip
    text = log.read_text()
    line = next((line for line in text.splitlines() if line.startswith("step ")), "step null")
    return code, json.loads(line.removeprefix("step ")), text


def test_a_forked_step_gets_its_own_process_argv_directory_environment_and_log(warm, script, tmp_path):
    code, seen, text = run(warm.run, script, tmp_path)
    assert code == 0 and text.startswith("$ header\n")
    assert seen["argv"] == ["--C", "4.0"] and seen["cwd"] == str(tmp_path / "work") and seen["name"] == "__main__"
    assert seen["env"] == "v" and seen["path"] is None  # only the environment the step was given
    assert seen["pid"] not in (os.getpid(), warm.helper.pid)


def test_the_first_step_does_not_wait_for_the_warm_up(script, tmp_path, monkeypatch):
    import training_pipeline.local_executor.launcher as module

    spawned = []
    monkeypatch.setattr(module, "spawn", lambda command, **kw: spawned.append(command) or 0)
    with WarmLauncher() as launcher:  # its helper is still importing
        assert launcher.run([sys.executable, str(script)], env={}, cwd=tmp_path, log=tmp_path / "l", timeout=60) == 0
        assert spawned == [[sys.executable, str(script)]] and launcher.steps == 1


@pytest.mark.parametrize("start", ["warm", "spawn"])
def test_exit_codes_and_messages_are_the_scripts(warm, script, tmp_path, start):
    runner = warm.run if start == "warm" else spawn
    assert run(runner, script, tmp_path, STEP_EXIT="3")[0] == 3
    code, _, text = run(runner, script, tmp_path, STEP_EXIT="no test rows")
    assert code == 1 and "no test rows" in text


def test_a_step_over_its_time_is_stopped(warm, tmp_path):
    slow = tmp_path / "slow.py"
    slow.write_text("import time\ntime.sleep(60)\n")
    with pytest.raises(StepTimeout):
        warm.run([sys.executable, str(slow)], env={}, cwd=tmp_path, log=tmp_path / "log", timeout=0.5)
    quick = tmp_path / "quick.py"
    quick.write_text("")
    assert warm.run([sys.executable, str(quick)], env={}, cwd=tmp_path, log=tmp_path / "l2", timeout=60) == 0


def test_spawn_mode_starts_no_helper(monkeypatch):
    monkeypatch.setenv("PROMOTE_STEP_LAUNCH", "spawn")
    with WarmLauncher() as launcher:
        assert launcher.helper is None
