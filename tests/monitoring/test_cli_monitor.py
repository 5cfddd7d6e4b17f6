"""`invoke monitor.run --env=X --local` as users meet it: metric lines, the verdict, exit codes."""

from __future__ import annotations

from tests.conftest import TEST_ENVIRON
from tests.monitoring.conftest import SHIFTED
from tests.test_cli import run_invoke

ENV = "prod"


def env_file(tmp_path, cfg):
    path = tmp_path / ".env"
    values = {**TEST_ENVIRON, "EMULATOR_PORT": str(cfg.emulator_port)}
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


def test_monitor_run_prints_each_metric_then_the_verdict_and_exits_0_on_drift(
    emulator, tmp_path, tiny, baseline, repo_root
):
    from tests.monitoring.test_job import deploy_model, send

    model, _, _, archive = tiny
    deploy_model(emulator, archive, baseline)
    send(emulator, model, SHIFTED * 20)
    result = run_invoke(repo_root, "monitor.run", f"--env={ENV}", "--local", env_file=env_file(tmp_path, emulator))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "drift: predicted_class_psi, length_psi, oov_rate_increase, mean_confidence_drop"
    for name in ("predicted_class_psi", "length_psi", "oov_rate_increase", "mean_confidence_drop"):
        [line] = [line for line in lines if line.startswith(name)]
        assert "threshold" in line
    again = run_invoke(repo_root, "monitor.run", f"--env={ENV}", "--local", env_file=env_file(tmp_path, emulator))
    assert again.returncode == 0 and "too little traffic" in again.stdout and again.stdout.endswith("drift: none\n")


def test_monitor_run_without_an_endpoint_is_a_one_line_fault(emulator, tmp_path, repo_root):
    result = run_invoke(repo_root, "monitor.run", f"--env={ENV}", "--local", env_file=env_file(tmp_path, emulator))
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: monitor: endpoint") and "Traceback" not in result.stderr
