"""The command line as users meet it: `invoke --list`, task help and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import TEST_ENVIRON

INVOKE = [sys.executable, "-m", "invoke"]


def run_invoke(repo_root, *args, env_file=None, extra_env=None):
    env = {k: v for k, v in os.environ.items() if k not in TEST_ENVIRON}
    if env_file is not None:
        env["PROMOTE_ENV_FILE"] = str(env_file)
    env.update(extra_env or {})
    return subprocess.run([*INVOKE, *args], cwd=repo_root, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def env_file(tmp_path):
    path = tmp_path / ".env"
    path.write_text("".join(f"{k}={v}\n" for k, v in TEST_ENVIRON.items()))
    return path


def test_list_shows_the_readme_steps_and_namespaces(repo_root):
    result = run_invoke(repo_root, "--list")
    assert result.returncode == 0, result.stderr
    names = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")}
    assert {
        "backend",
        "operations",
        "workspaces",
        "deploy",
        "emulator.start",
        "emulator.stop",
        "emulator.status",
    } <= names


def test_loading_the_tasks_imports_no_heavy_library(repo_root):
    probe = (
        "import sys; from invoke import Program; from invoke.loader import FilesystemLoader; "
        "FilesystemLoader(start='.').load('tasks'); "
        "heavy = sorted(m for m in ('sagemaker', 'sklearn', 'pandas', 'boto3', 'moto') if m in sys.modules); "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=repo_root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_every_task_has_help(repo_root):
    result = run_invoke(repo_root, "--help", "deploy")
    assert result.returncode == 0
    assert "--env=STRING" in result.stdout and "dev, staging or prod" in result.stdout
    assert "--dry-run" in result.stdout


def test_unknown_env_lists_the_valid_ones(repo_root, env_file):
    result = run_invoke(repo_root, "deploy", "--env=qa", "--dry-run", env_file=env_file)
    assert result.returncode != 0
    assert result.stderr.strip() == "error: env: 'qa' is not an environment; use one of: dev, staging, prod"
    assert "Traceback" not in result.stderr


def test_missing_account_id_is_one_line_naming_the_key(repo_root, env_file):
    env_file.write_text("".join(f"{k}={v}\n" for k, v in TEST_ENVIRON.items() if k != "DEV_ACCOUNT_ID"))
    result = run_invoke(repo_root, "deploy", "--env=dev", "--dry-run", env_file=env_file)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: DEV_ACCOUNT_ID: missing;")


def _namespace(repo_root):
    from invoke import Collection
    from invoke.loader import FilesystemLoader

    module, _ = FilesystemLoader(start=str(repo_root)).load("tasks")
    return Collection.from_module(module)


def _run(namespace, argv, capsys):
    from invoke import Program

    code = 0
    try:
        Program(namespace=namespace).run(["invoke", *argv])
    except SystemExit as stop:
        code = stop.code or 0
    return code, capsys.readouterr()


def test_help_works_for_every_task_in_the_namespace(repo_root, capsys):
    namespace = _namespace(repo_root)
    assert len(namespace.task_names) >= 25
    for name in namespace.task_names:
        code, captured = _run(namespace, [name, "--help"], capsys)
        assert code == 0, (name, captured.err)
        assert f"invoke [--core-opts] {name} " in captured.out and "not an environment" not in captured.err


def test_a_missing_required_flag_is_one_line_naming_it(repo_root, env_file, monkeypatch, capsys):
    import inspect

    monkeypatch.setenv("PROMOTE_ENV_FILE", str(env_file))
    namespace = _namespace(repo_root)
    takes_env = [name for name in namespace.task_names if "env" in inspect.signature(namespace[name].body).parameters]
    assert {"deploy", "endpoint.serve", "model.approve", "release.promote"} <= set(takes_env)
    for name in takes_env:
        code, captured = _run(namespace, [name], capsys)
        lines = captured.err.strip().splitlines()
        assert code == 1 and len(lines) == 1 and lines[0].startswith("error: --env is required"), (name, lines)
