"""Repository hygiene: configuration lives only in .env.example; nothing secret is tracked."""

from __future__ import annotations

import re
import subprocess

# 12 digits not inside a longer hex string (the lock files' SHA-256 hashes are hex)
TWELVE_DIGITS = re.compile(rb"(?<![0-9a-fA-F])[0-9]{12}(?![0-9a-fA-F])")
ALLOWED = (".env.example",)


def tracked_files(repo_root):
    out = subprocess.run(["git", "ls-files", "-z"], cwd=repo_root, capture_output=True, check=True).stdout
    return [p for p in out.decode().split("\0") if p]


def twelve_digit_numbers(repo_root, paths):
    found = []
    for path in paths:
        if path in ALLOWED or path.startswith("tests/"):
            continue
        full = repo_root / path
        if full.is_file():
            found += [f"{path}: {m.decode()}" for m in TWELVE_DIGITS.findall(full.read_bytes())]
    return found


def test_no_account_id_outside_env_example_and_tests(repo_root):
    assert twelve_digit_numbers(repo_root, tracked_files(repo_root)) == []


def test_the_scan_finds_an_account_id(tmp_path):
    (tmp_path / "main.tf").write_text('principal = "arn:aws:iam::123456789012:root"\n')
    (tmp_path / "x.lock").write_text("--hash=sha256:a123456789012b 123456789012\n")
    assert twelve_digit_numbers(tmp_path, ["main.tf", "x.lock"]) == ["main.tf: 123456789012", "x.lock: 123456789012"]


def test_no_env_file_or_state_is_tracked(repo_root):
    files = tracked_files(repo_root)
    assert ".env" not in files
    assert not [f for f in files if f.endswith((".tfstate", ".tfstate.backup")) or f.endswith(".auto.tfvars.json")]
