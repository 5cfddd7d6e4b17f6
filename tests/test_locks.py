"""Lock files carry a hash for every package, and bootstrap installs nothing unchecked."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCKS = sorted((ROOT / "requirements").glob("*.lock")) + sorted((ROOT / "requirements" / "extras").glob("*.lock"))


def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def requirements(lock: Path) -> list[str]:
    """One string per requirement (continuation lines joined, comments dropped)."""
    text = re.sub(r"\\\n\s*", " ", lock.read_text())
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_every_locked_package_is_pinned_with_a_hash(lock):
    entries = requirements(lock)
    assert entries
    unhashed = [e.split()[0] for e in entries if "==" not in e or "--hash=sha256:" not in e]
    assert unhashed == []


def test_the_installers_come_from_a_hashed_lock():
    names = {entry.split("==")[0] for entry in requirements(ROOT / "requirements" / "tools.lock")}
    assert names == {"pip", "uv"}


def test_pandas_is_not_a_direct_dependency():
    declared = (ROOT / "requirements" / "requirements.in").read_text().split()
    assert "pandas" not in declared


def test_lock_resolves_every_in_file_with_hashes(tmp_path):
    lock = _script("lock")
    (tmp_path / "requirements" / "extras").mkdir(parents=True)
    (tmp_path / "requirements" / "extras" / "gpu.in").write_text("x\n")
    jobs = lock.lock_jobs(tmp_path)
    assert [str(out) for _, out, _ in jobs] == [
        "requirements/tools.lock",
        "requirements/requirements.lock",
        "requirements/checkov.lock",
        "requirements/extras/gpu.lock",
    ]
    assert jobs[-1][2] == [Path("requirements/requirements.lock")]  # extras keep the base pins
    command = lock.compile_command("uv", *jobs[-1], upgrade=False)
    assert {"--generate-hashes", "--universal"} <= set(command) and "--upgrade" not in command


@pytest.fixture
def bootstrap(monkeypatch):
    module = _script("bootstrap")
    commands: list[list[str]] = []

    def fake_create(self, path):
        (Path(path) / "bin").mkdir(parents=True)
        (Path(path) / "bin" / "python").write_text("")

    def fake_run(cmd, what):
        commands.append(cmd)
        if cmd[-1].endswith("tools.lock") and "pip" in cmd:
            (Path(cmd[0]).parent / "uv").write_text("")
        if cmd[1] == "venv":
            fake_create(None, cmd[-1])

    monkeypatch.setattr(module.venv.EnvBuilder, "create", fake_create)
    monkeypatch.setattr(module, "run", fake_run)
    module.commands = commands
    return module


def test_bootstrap_installs_with_hash_checking_once(bootstrap, tmp_path):
    venv = tmp_path / ".venv"
    uv = bootstrap.project_env(venv, [])
    pip_install, uv_sync = bootstrap.commands
    assert pip_install[1:4] == ["-m", "pip", "--disable-pip-version-check"]
    assert "--require-hashes" in pip_install and pip_install[-1].endswith("tools.lock")
    assert uv_sync[:3] == [str(uv), "pip", "sync"] and {"--require-hashes", "--compile-bytecode"} <= set(uv_sync)
    assert [Path(p).name for p in uv_sync[-2:]] == ["tools.lock", "requirements.lock"]
    bootstrap.project_env(venv, [])
    assert len(bootstrap.commands) == 2  # the stamp matches: nothing runs again
    bootstrap.checkov_env(tmp_path / ".venv-checkov", uv)
    assert "--require-hashes" in bootstrap.commands[-1] and bootstrap.commands[-1][-1].endswith("checkov.lock")


def test_an_unknown_extra_is_a_one_line_error(bootstrap, capsys):
    with pytest.raises(SystemExit):
        bootstrap.extra_locks(["nosuch"])
    error = capsys.readouterr().err.strip()
    assert "extra 'nosuch'" in error and "requirements/extras/nosuch.in" in error and "\n" not in error


def test_bootstrap_refuses_an_old_python(bootstrap, monkeypatch, capsys):
    monkeypatch.setattr(sys, "version_info", (3, 10, 0))
    with pytest.raises(SystemExit):
        bootstrap.main([])
    assert "Python 3.11 or newer" in capsys.readouterr().err


UNUSED = ROOT / "requirements" / "sdk-not-needed.txt"
SDK_IMPORTS = (  # every SageMaker SDK module the project imports (awsenv, training_pipeline, inference)
    "sagemaker.core.workflow.pipeline_context",
    "sagemaker.core.processing",
    "sagemaker.core.training.configs",
    "sagemaker.mlops.workflow.pipeline",
    "sagemaker.mlops.workflow.model_step",
    "sagemaker.serve.model_builder",
    "sagemaker.train.model_trainer",
)


def _unused_names() -> list[str]:
    return [line.strip() for line in UNUSED.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_the_sdks_unused_dependencies_are_locked_out():
    never = {
        line.split("==")[0].lower()
        for line in requirements(ROOT / "requirements" / "requirements.lock")
        if "sys_platform == 'never'" in line
    }
    assert set(_unused_names()) <= never
    assert "scikit-learn" not in never and "sagemaker-core" not in never


def test_the_sdk_modules_the_project_imports_load_without_them():
    """In a venv built from the lock (bootstrap's `uv pip sync`): none of them is installed, and
    every SDK module the project imports still loads (the pipeline tests build and run with it)."""
    import importlib.metadata
    import subprocess

    stamp = ROOT / ".venv" / ".lock-sha256"
    if Path(sys.prefix) != ROOT / ".venv" or not stamp.is_file():
        pytest.skip("runs in the project's .venv, as make bootstrap builds it")
    for name in _unused_names():
        with pytest.raises(importlib.metadata.PackageNotFoundError):
            importlib.metadata.distribution(name)
    script = f"import importlib\nfor name in {SDK_IMPORTS!r}: importlib.import_module(name)\nprint('ok')"
    environ = {
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environ, check=False)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]
