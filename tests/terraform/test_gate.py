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
