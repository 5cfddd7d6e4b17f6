"""No function of the project is over ~60 lines (docs: DESIGN "Conventions"); read with ast."""

from __future__ import annotations

import ast
import subprocess

from awsenv.config import REPO_ROOT

MAX_LINES = 60


def project_python_files() -> list[str]:
    """Tracked Python sources (packages, scripts, tests, the container entry points)."""
    listed = subprocess.run(["git", "ls-files", "*.py", "docker/*/*"], cwd=REPO_ROOT, capture_output=True,
                            text=True, check=True).stdout.split()  # fmt: skip
    return [name for name in listed if name.endswith(".py") or (REPO_ROOT / name).read_bytes().startswith(b"#!")]


def long_functions(source: str, name: str, limit: int = MAX_LINES) -> list[str]:
    """`file:line function (N lines)` for each function or method of `source` longer than `limit`."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = node.end_lineno - node.lineno + 1
            if lines > limit:
                found.append(f"{name}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_the_check_finds_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    assert long_functions(f"def short():\n    pass\n\ndef long():\n{body}\n", "m.py") == ["m.py:4 long (61 lines)"]


def test_no_function_is_over_the_limit():
    files = project_python_files()
    assert len(files) > 100
    too_long = [line for name in files for line in long_functions((REPO_ROOT / name).read_text(), name)]
    assert too_long == [], "split these functions: " + "; ".join(too_long)
