"""Step processes: forked from the warm helper or fresh, each keeps the container contract."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from training_pipeline.local_executor.launcher import StepTimeout, WarmLauncher, spawn
from training_pipeline.local_executor.step_server import alive

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
        assert launcher.wait_ready()
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


def test_a_step_before_the_warm_up_waits_for_it_and_is_forked(script, tmp_path, monkeypatch):
    import training_pipeline.local_executor.launcher as module

    spawned = []
    monkeypatch.setattr(module, "spawn", lambda command, **kw: spawned.append(command) or 0)
    with WarmLauncher() as launcher:  # its helper is still importing
        code, seen, _ = run(launcher.run, script, tmp_path)
        assert code == 0 and spawned == [] and seen["pid"] != launcher.helper.pid


def test_steps_of_several_runs_run_at_once_from_one_helper(warm, tmp_path):
    """Each step waits for a file the other one writes: they only finish if both run at once."""
    from concurrent.futures import ThreadPoolExecutor

    wait_for = "import os, pathlib, sys, time\nmine, other = sys.argv[1:]\npathlib.Path(mine).touch()\n"
    wait_for += "deadline = time.monotonic() + 60\nwhile not os.path.exists(other) and time.monotonic() < deadline:\n"
    wait_for += "    time.sleep(0.01)\nsys.exit(0 if os.path.exists(other) else 5)\n"
    step = tmp_path / "pair.py"
    step.write_text(wait_for)
    a, b = str(tmp_path / "a"), str(tmp_path / "b")

    def start(mine, other):
        return warm.run([sys.executable, str(step), mine, other], env={}, cwd=tmp_path, log=tmp_path / f"{mine}.log",
                        timeout=120)  # fmt: skip

    with ThreadPoolExecutor(2) as pool:
        assert [f.result() for f in [pool.submit(start, a, b), pool.submit(start, b, a)]] == [0, 0]


def test_a_forked_step_makes_aws_clients_from_its_own_environment(warm, tmp_path):
    probe = tmp_path / "client.py"
    probe.write_text("import boto3\nc = boto3.client('sts')\nprint('step', c.meta.region_name, c.meta.endpoint_url)\n")
    env = {"AWS_DEFAULT_REGION": "ap-south-2", "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "k",
           "AWS_SECRET_ACCESS_KEY": "s"}  # fmt: skip
    assert warm.run([sys.executable, str(probe)], env=env, cwd=tmp_path, log=tmp_path / "log", timeout=60) == 0
    assert "step ap-south-2 http://127.0.0.1:9" in (tmp_path / "log").read_text()


SLOW = "import os, pathlib, time\npathlib.Path('pid').write_text(str(os.getpid()))\ntime.sleep(60)\n"


def close_while_a_step_runs(launcher: WarmLauncher, tmp_path: Path) -> tuple[list, int]:
    """Start a slow step, close the launcher once it runs: (what its run() gave, the step's pid)."""
    import threading

    slow = tmp_path / "slow.py"
    slow.write_text(SLOW)
    outcome = []

    def start():
        try:
            outcome.append(launcher.run([sys.executable, str(slow)], env={}, cwd=tmp_path, log=tmp_path / "l",
                                        timeout=120))  # fmt: skip
        except RuntimeError as error:
            outcome.append(str(error))

    worker = threading.Thread(target=start)
    worker.start()
    pid_file = tmp_path / "pid"
    assert launcher.wait_ready()
    for _ in range(600):
        if pid_file.exists() and pid_file.read_text():
            break
        threading.Event().wait(0.05)
    launcher.close()
    worker.join(timeout=30)
    return outcome, int(pid_file.read_text())


def gone(pid: int) -> bool:
    """Whether `pid` is gone within a few seconds (SIGKILL lands within moments)."""
    for _ in range(200):
        if not alive(pid):
            return True
        threading_wait(0.05)
    return False


def test_closing_the_launcher_stops_a_step_still_running(tmp_path):
    outcome, pid = close_while_a_step_runs(WarmLauncher(), tmp_path)
    assert outcome == ["the step launcher's helper process exited"]
    assert gone(pid)


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


# ---- the helper started with the emulator (step_server) ----------------------------------------


@pytest.fixture(scope="module")
def shared_state():
    """A helper started as `invoke emulator.start` starts it, in a state directory of its own
    (one that another user may traverse: the refusal below is the helper's own check)."""
    import shutil
    import tempfile

    from training_pipeline.local_executor import step_server

    state_dir = Path(tempfile.mkdtemp(prefix="step-state-"))
    state_dir.chmod(0o711)
    assert step_server.start(state_dir).startswith("warming up")
    yield state_dir
    step_server.stop(state_dir)
    shutil.rmtree(state_dir, ignore_errors=True)


@pytest.fixture
def shared(shared_state):
    with WarmLauncher(shared_state) as launcher:
        yield launcher


def test_a_run_uses_the_helper_started_with_the_emulator(shared, shared_state, script, tmp_path):
    from training_pipeline.local_executor import step_server

    assert shared.shared and shared.helper is None and shared.ready_seconds == 0.0 and shared.hint == ""
    code, seen, text = run(shared.run, script, tmp_path)
    assert code == 0 and text.startswith("$ header\n")
    assert seen["argv"] == ["--C", "4.0"] and seen["cwd"] == str(tmp_path / "work") and seen["name"] == "__main__"
    assert seen["env"] == "v" and seen["path"] is None
    helper_pid = json.loads((shared_state / "step-helper" / "helper.json").read_text())["pid"]
    assert seen["pid"] not in (os.getpid(), helper_pid)
    assert run(shared.run, script, tmp_path, STEP_EXIT="3")[0] == 3
    assert step_server.start(shared_state) == f"already warm (pid {helper_pid})"


def test_the_shared_helper_is_private_to_its_user(shared_state):
    from training_pipeline.local_executor import step_server

    path = step_server.socket_path(shared_state)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    path.parent.chmod(0o755)  # a directory others may enter is not used, nor started in
    try:
        assert step_server.connect(shared_state) is None
        assert WarmLauncher(shared_state).shared is False
        assert step_server.start(shared_state).startswith("not started:")
    finally:
        path.parent.chmod(0o700)


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to connect as another user")
def test_the_shared_helper_refuses_another_users_request(shared_state, tmp_path):
    """Even with the socket's permissions opened, a request from another uid runs nothing."""
    import subprocess

    from training_pipeline.local_executor import step_server

    path = step_server.socket_path(shared_state)
    marker = tmp_path / "ran"
    step = tmp_path / "step.py"
    step.write_text(f"open({str(marker)!r}, 'w').close()\n")
    request = json.dumps({"argv": [str(step)], "env": {}, "cwd": str(tmp_path), "log": str(tmp_path / "log")})
    probe = (
        "import socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n"
        "try:\n    s.sendall(sys.argv[2].encode() + b'\\n')\n    print('answer' if s.recv(100) else 'closed')\n"
        "except ConnectionError:  # reset, or a broken pipe when the close came before the send\n    print('closed')\n"
    )
    python = _interpreter_for(65534)
    path.parent.chmod(0o755)
    path.chmod(0o666)
    try:
        seen = subprocess.run([python, "-c", probe, str(path), request], capture_output=True, text=True,
                              user=65534, timeout=60, check=False)  # fmt: skip
    finally:
        path.chmod(0o600)
        path.parent.chmod(0o700)
    assert seen.stdout.strip() == "closed", seen.stderr  # without an answer
    assert not marker.exists() and not (tmp_path / "log").exists()
    launcher = WarmLauncher(shared_state)  # the same request from its own user runs
    assert launcher.run([sys.executable, str(step)], env={}, cwd=tmp_path, log=tmp_path / "log", timeout=60) == 0
    assert marker.exists()


def _interpreter_for(uid: int) -> str:
    """A Python that `uid` may run (this checkout's may sit in a directory only its owner enters)."""
    import shutil
    import subprocess

    for candidate in (sys.executable, shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")):
        if candidate is None:
            continue
        try:
            subprocess.run([candidate, "-c", ""], user=uid, capture_output=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError):
            continue
        return candidate
    pytest.skip(f"no Python that uid {uid} may run")


def test_closing_a_shared_launcher_stops_its_running_step(shared_state, tmp_path):
    outcome, pid = close_while_a_step_runs(WarmLauncher(shared_state), tmp_path)
    assert outcome and "launcher was closed" in outcome[0]
    assert gone(pid)


def test_a_shared_step_over_its_time_is_stopped(shared, tmp_path):
    slow = tmp_path / "slow.py"
    slow.write_text(SLOW)
    with pytest.raises(StepTimeout):
        shared.run([sys.executable, str(slow)], env={}, cwd=tmp_path, log=tmp_path / "log", timeout=1.0)
    assert gone(int((tmp_path / "pid").read_text()))


def threading_wait(seconds: float) -> None:
    import threading

    threading.Event().wait(seconds)


def test_other_libraries_do_not_use_the_helper_of_the_old_ones(shared_state, monkeypatch):
    """After an upgrade of a preloaded package the socket's name changes: runs warm their own."""
    import copy
    import importlib.util

    from training_pipeline.local_executor import step_server

    before = step_server.socket_path(shared_state)
    real = importlib.util.find_spec

    def upgraded(name, *args):
        spec = real(name, *args)
        if name == "sklearn":  # a copy: for an imported module find_spec returns its own __spec__
            spec = copy.copy(spec)
            spec.origin = str(Path(spec.origin).parent / "_config.py")  # another file: other size and time
        return spec

    monkeypatch.setattr(importlib.util, "find_spec", upgraded)
    assert step_server.socket_path(shared_state) != before
    monkeypatch.setenv("PROMOTE_STEP_LAUNCH", "spawn")  # no helper of its own started by this check
    assert step_server.connect(shared_state) is None


def test_an_idle_shared_helper_exits_and_removes_its_socket(tmp_path):
    import subprocess

    from training_pipeline.local_executor.step_server import LISTENER

    path = tmp_path / "h.sock"
    # -S: no site-packages, so its imports fail at once (it serves without them): the idle logic only
    helper = subprocess.Popen([sys.executable, "-S", str(LISTENER), "--listen", str(path), "--idle", "0.2"])
    try:
        assert helper.wait(timeout=120) == 0
    finally:
        helper.kill()
    assert not path.exists()


def test_stopping_the_shared_helper_leaves_runs_to_their_own(tmp_path_factory):
    from training_pipeline.local_executor import step_server

    state_dir = tmp_path_factory.mktemp("stop")
    assert step_server.start(state_dir).startswith("warming up")
    assert WarmLauncher(state_dir).shared
    pid = json.loads((state_dir / "step-helper" / "helper.json").read_text())["pid"]
    assert step_server.stop(state_dir) == f"stopped (pid {pid})"  # still importing: it goes all the same
    assert not alive(pid)
    assert step_server.stop(state_dir) == "not running"
    assert not step_server.socket_path(state_dir).exists()
    with WarmLauncher(state_dir) as launcher:
        assert not launcher.shared and launcher.helper is not None
        assert "`invoke emulator.start` keeps one warm" in launcher.hint  # the run says how to skip the warm-up


def test_status_says_whether_the_helper_runs_and_for_which_libraries(shared_state, monkeypatch):
    from training_pipeline.local_executor import step_server

    pid = json.loads((shared_state / "step-helper" / "helper.json").read_text())["pid"]
    assert step_server.status(shared_state) == f"running (pid {pid})"
    monkeypatch.setattr(step_server, "fingerprint", lambda: "0" * 20)  # as after an upgrade
    assert step_server.status(shared_state).startswith(f"running for other libraries (pid {pid})")
    assert step_server.status(shared_state.parent / "nowhere").startswith("not running")


def test_a_helper_gone_mid_step_fails_the_step_with_a_one_line_reason(tmp_path):
    """`invoke emulator.stop` during a run: the step fails by name, no traceback."""
    from training_pipeline.local_executor import containers
    from training_pipeline.local_executor.errors import StepFailed
    from training_pipeline.local_executor.launcher import HelperGone

    class StoppedHelper:
        def run(self, command, **_):
            raise HelperGone("the step helper started with the emulator stopped, or the launcher was closed")

    ctx = containers.StepContext("Train", tmp_path, s3=None, aws_env={}, job_name="job", launcher=StoppedHelper())
    with pytest.raises(StepFailed) as failure:
        containers._run(ctx, [sys.executable, "train.py"], {}, 60.0)
    assert str(failure.value) == (
        "pipeline step 'Train' failed: the step helper started with the emulator stopped, or the launcher was "
        "closed while the step ran; run the pipeline again"
    )
