"""Read the Terraform tree with python-hcl2 (7.3) and find IAM guardrail violations.

`guardrail_findings(terraform_dir)` is what the guardrail tests assert to be empty; the same
function run on a deliberately weakened copy must find the weakness.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

ROOTS = ("backend", "operations", "main")


@cache
def parse_file(path: Path) -> dict[str, list]:
    with path.open() as handle:
        return hcl2.load(handle)


def parse_dir(directory: Path) -> dict[str, list]:
    """All .tf files of one directory, block lists concatenated by block type."""
    merged: dict[str, list] = {}
    for path in sorted(directory.glob("*.tf")):
        for block_type, items in parse_file(path).items():
            merged.setdefault(block_type, []).extend(items)
    return merged


def named(items: list[dict]) -> dict[str, Any]:
    """[{'name': body}, ...] -> {'name': body}."""
    return {name: body for item in items for name, body in item.items()}


def variables(directory: Path) -> dict[str, dict]:
    return named(parse_dir(directory).get("variable", []))


def required_variables(directory: Path) -> set[str]:
    return {name for name, body in variables(directory).items() if "default" not in body}


def module_calls(directory: Path) -> dict[str, dict]:
    return named(parse_dir(directory).get("module", []))


def modules(terraform_dir: Path) -> list[Path]:
    return sorted(p for p in (terraform_dir / "modules").iterdir() if p.is_dir())


def walk_strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_strings(item)


# ---- IAM policy documents -------------------------------------------------------------------


def _statements(document: dict) -> list[dict]:
    found = list(document.get("statement", []))
    for dynamic in document.get("dynamic", []):
        for name, body in dynamic.items():
            if name == "statement":
                found += body.get("content", [])
    return found


def policy_statements(terraform_dir: Path) -> list[tuple[str, dict]]:
    """(where, statement) for every statement of every aws_iam_policy_document."""
    out = []
    for path in sorted(terraform_dir.rglob("*.tf")):
        for data in parse_file(path).get("data", []):
            for name, body in data.get("aws_iam_policy_document", {}).items():
                for statement in _statements(body):
                    out.append((f"{path.relative_to(terraform_dir)}:{name}", statement))
    return out


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


WIDE_SUBJECT = re.compile(r"repo:[^\"'\s]*:\*|repo:\*")
FULL_ACCESS = re.compile(r"AdministratorAccess|FullAccess|PowerUserAccess")


def guardrail_findings(terraform_dir: Path) -> list[str]:
    """Every IAM guardrail violation in the tree (empty means the guardrails hold)."""
    findings = []
    for path in sorted(terraform_dir.rglob("*.tf")):
        where = path.relative_to(terraform_dir)
        text = path.read_text()
        if FULL_ACCESS.search(text):
            findings.append(f"{where}: attaches an AWS managed admin/FullAccess policy")
        for match in WIDE_SUBJECT.finditer(text):
            findings.append(f"{where}: OIDC subject with a wildcard: {match.group(0)}")
    for where, statement in policy_statements(terraform_dir):
        if statement.get("effect", "Allow") == "Deny":
            continue
        actions = [a for a in _as_list(statement.get("actions", [])) if isinstance(a, str)]
        resources = [r for r in _as_list(statement.get("resources", [])) if isinstance(r, str)]
        if any(a in ("*", "*:*") for a in actions):
            findings.append(f"{where}: Action '*'")
        if any(a.endswith(":*") for a in actions) and "*" in resources:
            findings.append(f"{where}: service-wide action on Resource '*': {actions}")
        for condition in _as_list(statement.get("condition", [])):
            is_sub = isinstance(condition, dict) and str(condition.get("variable", "")).endswith(":sub")
            if is_sub and condition.get("test") != "StringEquals":
                findings.append(f"{where}: OIDC sub compared with {condition.get('test')}, not StringEquals")
    findings += _subject_findings(terraform_dir)
    return findings


def ci_subjects(terraform_dir: Path) -> dict[str, list[str]]:
    """The `ci_subjects` local of terraform/operations (account -> allowed sub claims)."""
    for block in parse_dir(terraform_dir / "operations").get("locals", []):
        if "ci_subjects" in block:
            return block["ci_subjects"]
    return {}


def _subject_findings(terraform_dir: Path) -> list[str]:
    findings = []
    subjects = ci_subjects(terraform_dir)
    if set(subjects) != {"operations", "dev", "staging", "prod"}:
        return [f"operations: ci_subjects must name the four accounts, found {sorted(subjects)}"]
    allowed = {
        "operations": {"ref:refs/heads/main"},
        "dev": {"environment:dev"},
        "staging": {"environment:staging"},
        "prod": {"environment:prod"},
    }
    for account, values in subjects.items():
        for value in values:
            suffix = value.split("}:", 1)[-1] if "${local.repo}" in value else value
            if "*" in value or suffix not in allowed[account]:
                findings.append(f"operations: {account} CI role trusts '{value}'")
    return findings
