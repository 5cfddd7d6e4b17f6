"""The offline syntax gate: HashiCorp's parser accepts the tree and names a broken file."""

from __future__ import annotations

import importlib.util
import shutil

import pytest

from awsenv.terraform_vars import render_hcl

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is needed for the HCL parser")


@pytest.fixture(scope="module")
def gate(repo_root):
    spec = importlib.util.spec_from_file_location("terraform_gate", repo_root / "scripts" / "terraform_gate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tree_parses_and_a_broken_file_is_named(gate, repo_root, tmp_path):
    files = gate.hcl_files(repo_root)
    assert any(f.startswith("terraform/modules/") for f in files)
    broken = tmp_path / "broken.tf"
    broken.write_text('variable "x" {\n  type = \n}\n')
    var_files = []
    for root in gate.ROOTS:  # the HCL var files checkov is given must parse too
        var_files.append(tmp_path / f"{root}.tfvars")
        var_files[-1].write_text(render_hcl(gate.example_variables(root)))
    errors = gate.syntax_errors([*files, *map(str, var_files), str(broken)], repo_root)
    assert len(errors) == 1
    assert errors[0].startswith(f"{broken}: ") and "Invalid expression" in errors[0]


def test_checkov_gets_each_roots_variables(gate):
    for root in gate.ROOTS:
        variables = gate.example_variables(root)
        assert variables["project"] and variables["region"]


def test_validate_runs_in_a_copy_and_only_again_when_something_changed(gate, tmp_path, monkeypatch, capsys):
    """`terraform validate` in make lint: a git-ignored copy (no lock file in the tree), skipped
    when neither the .tf files nor terraform changed since the last valid run."""
    calls = tmp_path / "calls"
    binary = tmp_path / "bin" / "terraform"
    binary.parent.mkdir()
    binary.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n[ "$1" = version ] && echo "Terraform v1.10.5"\nexit 0\n')
    binary.chmod(0o755)
    monkeypatch.setenv("PATH", f"{binary.parent}:/usr/bin:/bin")
    monkeypatch.setattr(gate, "VALIDATE_DIR", tmp_path / "copy")
    assert gate.cmd_validate(None) == 0
    validated = [line for line in calls.read_text().splitlines() if line.split()[1:2] == ["validate"]]
    assert len(validated) == len(gate.ROOTS)
    assert all(str(tmp_path / "copy" / "terraform") in line for line in validated)
    assert gate.cmd_validate(None) == 0  # nothing changed: not validated again
    assert "unchanged since the last validation" in capsys.readouterr().out
    (tmp_path / "copy" / "terraform" / "main" / "versions.tf").write_text("# edited\n")
    assert gate.cmd_validate(None) == 0  # the copy is re-synced from the tree: same content, same key
    binary.write_text(binary.read_text().replace("exit 0", '[ "$2" = validate ] && exit 1\nexit 0'))
    binary.write_text(binary.read_text().replace("v1.10.5", "v1.10.6"))  # another terraform: validated again
    assert gate.cmd_validate(None) == 1
