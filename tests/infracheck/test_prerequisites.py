"""`make test-infra` without terraform or a provider says so in one line and fails (never a pass)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from awsenv.config import REPO_ROOT
from infracheck import prerequisites


def _fake_terraform(directory, version: str, init_exit: int = 0, provider: str = "5.100.0"):
    script = directory / "terraform"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = version ]; then echo \'{{"terraform_version": "{version}", '
        f'"provider_selections": {{"registry.terraform.io/hashicorp/aws": "{provider}"}}}}\'; exit 0; fi\n'
        f'if [ "$1" = init ]; then echo "Error: Failed to query available provider packages" >&2; exit {init_exit}; fi\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return directory


def test_the_roots_constraint_is_read_from_the_configuration():
    assert prerequisites.provider_constraint() == ">= 5.100, < 7.0"


def test_no_terraform_on_path(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(prerequisites.Unavailable, match="terraform is not on PATH"):
        prerequisites.check()


def test_terraform_too_old(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(_fake_terraform(tmp_path, "1.9.8")))
    with pytest.raises(prerequisites.Unavailable, match=r"1\.9\.8 is too old"):
        prerequisites.check()


def test_provider_not_installable(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(_fake_terraform(tmp_path, "1.10.5", init_exit=1)))
    with pytest.raises(prerequisites.Unavailable, match=r"cannot install hashicorp/aws >= 5\.100, < 7\.0"):
        prerequisites.check()


def test_a_required_major_version_must_be_the_one_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(_fake_terraform(tmp_path, "1.10.5", provider="5.100.0")))
    assert prerequisites.check().provider_version == "5.100.0"
    with pytest.raises(prerequisites.Unavailable, match=r"not 6\.x"):
        prerequisites.check(major="6")


def test_make_test_infra_without_terraform_fails_with_one_line(tmp_path):
    env = {**os.environ, "PATH": f"{tmp_path}:{os.path.dirname(sys.executable)}"}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "checks.test-infra"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert lines == [lines[0]] and "terraform is not on PATH" in lines[0]
