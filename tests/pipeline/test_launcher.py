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
      "env": os.environ.get("STEP_VALUE"), "aws": os.environ.get("AWS_PROFILE"), "name": __name__}))
code = os.environ.get("STEP_EXIT", "0")
sys.exit(int(code) if code.isdigit() else code)
"""


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
                 log=log, timeout=60)  # fmt: skip
    text = log.read_text()
    line = next((line for line in text.splitlines() if line.startswith("step ")), "step null")
    return code, json.loads(line.removeprefix("step ")), text


def test_a_forked_step_gets_its_own_process_argv_directory_environment_and_log(script, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "not-for-steps")
    with WarmLauncher() as launcher:
        launcher.run([sys.executable, "-c", "pass"], env={}, cwd=tmp_path, log=tmp_path / "first", timeout=60)
        helper = launcher.helper.pid
        code, seen, text = run(launcher.run, script, tmp_path)
        assert launcher.ready and launcher.steps == 2
    assert code == 0 and text.startswith("$ header\n")
    assert seen["argv"] == ["--C", "4.0"] and seen["cwd"] == str(tmp_path / "work") and seen["name"] == "__main__"
    assert seen["env"] == "v" and seen["aws"] is None  # only the environment the step was given
    assert seen["pid"] not in (os.getpid(), helper)


@pytest.mark.parametrize("start", ["warm", "spawn"])
def test_exit_codes_and_messages_are_the_scripts(script, tmp_path, start):
    with WarmLauncher() as launcher:
        launcher.ready = launcher._ready(wait=120.0) if launcher.helper else False
        runner = launcher.run if start == "warm" else spawn
        assert run(runner, script, tmp_path, STEP_EXIT="3")[0] == 3
        code, _, text = run(runner, script, tmp_path, STEP_EXIT="no test rows")
    assert code == 1 and "no test rows" in text


def test_a_step_over_its_time_is_stopped(tmp_path):
    slow = tmp_path / "slow.py"
    slow.write_text("import time\ntime.sleep(60)\n")
    with WarmLauncher() as launcher:
        launcher._ready(wait=120.0)
        launcher.steps = 1
        with pytest.raises(StepTimeout):
            launcher.run([sys.executable, str(slow)], env={}, cwd=tmp_path, log=tmp_path / "log", timeout=0.5)
        assert launcher.run([sys.executable, "-c", "pass"], env={}, cwd=tmp_path, log=tmp_path / "l2", timeout=60) == 0


def test_spawn_mode_starts_no_helper(monkeypatch):
    monkeypatch.setenv("PROMOTE_STEP_LAUNCH", "spawn")
    with WarmLauncher() as launcher:
        assert launcher.helper is None
