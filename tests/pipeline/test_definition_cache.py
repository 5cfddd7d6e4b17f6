"""The local run's definition cache returns what rendering returns, and misses when an input changes."""

from __future__ import annotations

import shutil

from training_pipeline.local_executor.definitions import cache_key, cached_definition


def counting_render():
    calls = []

    def render(cfg, env, image_tag):
        calls.append((env, image_tag))
        return '{"Steps": []}\n'

    return render, calls


def test_a_second_run_reads_the_rendering_of_the_first(cfg, tmp_path):
    render, calls = counting_render()
    first = cached_definition(cfg, "dev", "a" * 40, render=render, cache_dir=tmp_path)
    second = cached_definition(cfg, "dev", "a" * 40, render=render, cache_dir=tmp_path)
    assert first == ('{"Steps": []}\n', False) and second == ('{"Steps": []}\n', True)
    assert calls == [("dev", "a" * 40)]
    cached_definition(cfg, "prod", "a" * 40, render=render, cache_dir=tmp_path)
    cached_definition(cfg, "dev", "b" * 40, render=render, cache_dir=tmp_path)
    assert len(calls) == 3  # another env or image tag renders anew


def test_a_damaged_entry_is_rendered_again(cfg, tmp_path):
    render, calls = counting_render()
    cached_definition(cfg, "dev", "a" * 40, render=render, cache_dir=tmp_path)
    next(tmp_path.glob("*.json")).write_text('{"Steps": [')
    assert cached_definition(cfg, "dev", "a" * 40, render=render, cache_dir=tmp_path) == ('{"Steps": []}\n', False)
    assert len(calls) == 2


def test_the_key_covers_step_scripts_builder_code_and_config(cfg, repo_root, tmp_path):
    root = tmp_path / "repo"
    for package in ("training_pipeline", "awsenv"):
        shutil.copytree(repo_root / package, root / package, ignore=shutil.ignore_patterns("__pycache__", "data"))
    key = cache_key(cfg, "dev", "a" * 40, root)
    assert cache_key(cfg, "dev", "a" * 40, root) == key
    executor = root / "training_pipeline" / "local_executor" / "runner.py"
    executor.write_text(executor.read_text() + "\n# executor code does not render the definition\n")
    assert cache_key(cfg, "dev", "a" * 40, root) == key
    for changed in ("training_pipeline/steps/evaluate.py", "training_pipeline/pipeline.py", "awsenv/sessions.py"):
        path = root / changed
        original = path.read_text()
        path.write_text(original + "\n# changed\n")
        assert cache_key(cfg, "dev", "a" * 40, root) != key, changed
        path.write_text(original)
    other = type(cfg)(**{**cfg.__dict__, "region": "eu-central-1"})
    assert cache_key(other, "dev", "a" * 40, root) != key


def test_the_key_covers_the_uploaded_code_hosting_files_included(cfg, monkeypatch):
    """The definition names the content-addressed code prefix, whose files include hosting code from
    inference/ (outside the hashed sources): a change there must render anew."""
    from training_pipeline import code

    files = code.code_files()
    key = cache_key(cfg, "dev", "a" * 40)
    archive = code.TRAINING_CODE["transformer"][1]
    monkeypatch.setattr(code, "code_files", lambda: {**files, archive: files[archive] + b"changed"})
    assert cache_key(cfg, "dev", "a" * 40) != key


def test_rendering_ahead_renders_each_env_at_head_and_a_bad_config_is_one_line(monkeypatch, capsys):
    from awsenv.gitinfo import head_sha
    from training_pipeline.local_executor import definitions

    seen = []
    monkeypatch.setattr(definitions, "cached_definition", lambda cfg, env, tag, family: seen.append((env, tag, family)))
    monkeypatch.setenv("PROMOTE_ENV_FILE", str(definitions.REPO_ROOT / ".env.example"))
    assert definitions.main(["dev", "prod"]) == 0
    assert seen == [("dev", head_sha(), "tfidf"), ("prod", head_sha(), "tfidf")]
    assert definitions.render_ahead(("dev",))[-3:] == ["-m", "training_pipeline.local_executor.definitions", "dev"]
    monkeypatch.setenv("MODEL_FAMILY_DEV", "forest")
    assert definitions.main(["dev"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("error:") and "'forest'" in error and "\n" not in error
