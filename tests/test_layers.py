"""Imports point only down the layers (docs: DESIGN "Layers"); read from the source with ast.

    tasks.py -> commands -> laptop -> release -> training_pipeline | inference -> awsenv

training_pipeline and inference stand alone (neither imports the other); nothing imports
tasks.py; the step scripts and the script-mode launcher run in containers and import no other
part of the project beyond what the image copies.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from awsenv.config import REPO_ROOT

RANK = {"awsenv": 0, "training_pipeline": 1, "inference": 1, "release": 2, "laptop": 3, "commands": 4, "tasks": 5}
SELF_CONTAINED = {  # file -> project modules it may import (the image copies awsenv/ and training_pipeline/)
    "training_pipeline/steps/preprocess.py": set(),
    "training_pipeline/steps/train.py": set(),
    "training_pipeline/steps/evaluate.py": set(),
    "training_pipeline/script_mode.py": set(),
    "awsenv/s3uri.py": {"awsenv.errors"},
    "docker/training/train": {"awsenv.s3uri", "training_pipeline.script_mode"},
}


def project_imports(path: Path) -> set[str]:
    """Absolute imports of project modules in `path` (function-level ones included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {name for name in names if name.split(".")[0] in RANK}
    return found


def sources() -> list[Path]:
    files = [REPO_ROOT / "tasks.py"]
    for package in RANK:
        if package != "tasks":
            files += sorted((REPO_ROOT / package).rglob("*.py"))
    return files


def violations(path: Path) -> list[str]:
    layer = path.relative_to(REPO_ROOT).parts[0].removesuffix(".py")
    found = []
    for name in sorted(project_imports(path)):
        target = name.split(".")[0]
        if target == layer:
            continue
        if RANK[target] >= RANK[layer]:
            found.append(f"{path.relative_to(REPO_ROOT)} imports {name} ({target} is not below {layer})")
    return found


def test_every_import_points_down():
    assert [line for path in sources() for line in violations(path)] == []


@pytest.mark.parametrize("relative", sorted(SELF_CONTAINED))
def test_container_code_imports_only_what_the_image_has(relative):
    imported = project_imports(REPO_ROOT / relative)
    modules = {name for name in imported if (REPO_ROOT / (name.replace(".", "/") + ".py")).exists()}
    assert modules <= SELF_CONTAINED[relative]


def test_the_check_catches_an_upward_import(tmp_path, monkeypatch):
    import tests.test_layers as layers

    fake_root = tmp_path
    (fake_root / "awsenv").mkdir()
    bad = fake_root / "awsenv" / "events.py"
    bad.write_text("def f():\n    from inference.auto_deploy import handle_event\n")
    monkeypatch.setattr(layers, "REPO_ROOT", fake_root)
    assert layers.violations(bad) == [
        "awsenv/events.py imports inference.auto_deploy (inference is not below awsenv)",
        "awsenv/events.py imports inference.auto_deploy.handle_event (inference is not below awsenv)",
    ]
