#!/usr/bin/env python3
"""Offline Terraform gate (no terraform binary needed).

    terraform_gate.py syntax    every .tf / .tfvars in the checkout parses with HashiCorp's
                                HCL parser (npm @cdktf/hcl2json, WASM, in scripts/hcl)
    terraform_gate.py validate  `terraform validate` per root when terraform is on PATH and the AWS
                                provider is installable (offline with a mirror or an installed
                                copy), in a git-ignored copy: no lock file or .terraform/ in the tree
    terraform_gate.py checkov   checkov once per root (backend, operations, main; local modules
                                followed) with that root's variables, offline; fails on any
                                failed check or parsing error; prints passed/failed/skipped

Every checkov skip lives next to the code as `#checkov:skip=CKV_...:reason`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

HCL_DIR = REPO_ROOT / "scripts" / "hcl"
CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
ROOTS = ("backend", "operations", "main")

# Reads {"files": [...]} on stdin, prints [{"file", "error"}] for files that do not parse.
PARSE_JS = r"""
const { parse } = require('@cdktf/hcl2json');
const fs = require('fs');
(async () => {
  const files = JSON.parse(fs.readFileSync(0, 'utf8')).files;
  const errors = [];
  for (const file of files) {
    try { await parse(file, fs.readFileSync(file, 'utf8')); }
    catch (e) { errors.push({ file, error: String(e && e.message || e).replace(/\s+/g, ' ') }); }
  }
  process.stdout.write(JSON.stringify(errors));
})().catch((e) => { process.stderr.write(String(e) + '\n'); process.exit(2); });
"""


def _listed(repo: Path, *pathspecs: str) -> list[str]:
    """Tracked and new (not ignored) files matching `pathspecs`, relative to the repository root."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *pathspecs],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted({line for line in out.splitlines() if line and (repo / line).is_file()})


def hcl_files(repo: Path = REPO_ROOT) -> list[str]:
    """Tracked and new (not ignored) .tf/.tfvars files, relative to the repository root."""
    return _listed(repo, "*.tf", "*.tfvars")


def configuration_files(repo: Path = REPO_ROOT) -> list[str]:
    """What terraform reads from terraform/: the .tf files and the files they load (templatefile,
    file), i.e. everything under terraform/ but the docs and generated variable files."""
    return [name for name in _listed(repo, "terraform/") if not name.endswith((".md", ".tfvars", ".tfvars.json"))]


def syntax_errors(files: list[str], repo: Path = REPO_ROOT) -> list[str]:
    """One 'file: message' line per file HashiCorp's parser rejects."""
    if not files:
        return []
    if not (HCL_DIR / "node_modules" / "@cdktf" / "hcl2json").is_dir():
        raise SystemExit("terraform_gate: scripts/hcl/node_modules/@cdktf/hcl2json is missing; run `make bootstrap`")
    env = {**os.environ, "NODE_PATH": str(HCL_DIR / "node_modules")}
    result = subprocess.run(
        ["node", "-e", PARSE_JS],
        cwd=repo,
        input=json.dumps({"files": files}),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"terraform_gate: the HCL parser failed: {result.stderr.strip()}")
    return [f"{item['file']}: {item['error']}" for item in json.loads(result.stdout)]


def fmt_problems(repo: Path = REPO_ROOT) -> list[str] | None:
    """Files `terraform fmt -check` would rewrite; None when terraform is not installed."""
    import shutil

    if shutil.which("terraform") is None:
        return None
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-list=true", "terraform"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    return [f"terraform/{line}" if not line.startswith("terraform/") else line for line in result.stdout.split()]


def cmd_syntax(_args) -> int:
    start = time.monotonic()
    files = hcl_files()
    errors = syntax_errors(files)
    for line in errors:
        print(f"syntax: {line}")
    unformatted = fmt_problems()
    for path in unformatted or []:
        print(f"fmt: {path}: not formatted; run `terraform fmt -recursive terraform`")
    fmt_note = "terraform fmt not run (no terraform on PATH)" if unformatted is None else "terraform fmt checked"
    print(f"terraform syntax: {len(files)} files, {len(errors)} errors; {fmt_note} ({time.monotonic() - start:.1f} s)")
    return 1 if errors or unformatted else 0


# ---- terraform validate -----------------------------------------------------------------------

VALIDATE_DIR = REPO_ROOT / ".terraform-validate"
# `init` output meaning "the provider cannot be installed here", not "the configuration is wrong".
NOT_INSTALLABLE = ("Failed to install provider", "Failed to query available provider packages", "could not connect")


def sync_copy(repo: Path, dest: Path) -> Path:
    """Mirror the Terraform configuration into `dest` (kept between runs, so providers are installed once)."""
    import shutil

    wanted = set(configuration_files(repo))
    mirrored = dest / "terraform"
    for old in mirrored.rglob("*") if mirrored.exists() else []:
        stale = old.is_file() and str(old.relative_to(dest)) not in wanted
        if stale and ".terraform" not in old.parts and not old.name.endswith(".terraform.lock.hcl"):
            old.unlink()
    for name in wanted:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != (repo / name).read_bytes():
            shutil.copyfile(repo / name, target)
    return dest


def validate_root(copy: Path, root: str) -> tuple[str, str]:
    """('ok' | 'unavailable' | 'invalid', detail) for one root."""
    chdir = f"-chdir={copy / 'terraform' / root}"
    init = subprocess.run(
        ["terraform", chdir, "init", "-backend=false", "-input=false", "-no-color"],
        capture_output=True,
        text=True,
        check=False,
    )
    output = init.stdout + init.stderr
    if init.returncode != 0:
        first = next((line.strip(" │") for line in output.splitlines() if "Error" in line), output.strip()[-200:])
        return ("unavailable" if any(text in output for text in NOT_INSTALLABLE) else "invalid"), first
    result = subprocess.run(["terraform", chdir, "validate", "-no-color"], capture_output=True, text=True, check=False)
    return ("ok", "") if result.returncode == 0 else ("invalid", (result.stdout + result.stderr).strip())


def cmd_validate(_args) -> int:
    import shutil

    if shutil.which("terraform") is None:
        print("terraform validate: not run (no terraform on PATH)")
        return 0
    start = time.monotonic()
    copy = sync_copy(REPO_ROOT, VALIDATE_DIR)
    stamp, key = copy / "validated.sha256", validation_key(copy)
    if stamp.exists() and stamp.read_text() == key:
        print(f"terraform validate: {len(ROOTS)}/{len(ROOTS)} roots valid (unchanged since the last validation)")
        return 0
    stamp.unlink(missing_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(ROOTS, pool.map(lambda root: validate_root(copy, root), ROOTS), strict=True))
    unavailable = [root for root, (state, _) in results.items() if state == "unavailable"]
    invalid = {root: detail for root, (state, detail) in results.items() if state == "invalid"}
    for root, detail in invalid.items():
        print(f"terraform validate {root}: {detail}")
    if unavailable and not invalid:
        print(f"terraform validate: not run (the AWS provider is not installable: {results[unavailable[0]][1]})")
        return 0
    print(
        f"terraform validate: {len(ROOTS) - len(invalid)}/{len(ROOTS)} roots valid ({time.monotonic() - start:.1f} s)"
    )
    if not invalid and not unavailable:
        stamp.write_text(key)
    return 1 if invalid else 0


def validation_key(copy: Path) -> str:
    """sha256 over the mirrored configuration, the lock files and terraform's version: same key,
    same verdict."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for p in (copy / "terraform").rglob("*") if p.is_file()):
        if ".terraform" not in path.parts and not path.name.endswith(".terraform.lock.hcl"):
            digest.update(str(path.relative_to(copy)).encode() + b"\0" + path.read_bytes() + b"\0")
    for lock in sorted(copy.glob("terraform/*/.terraform.lock.hcl")):
        digest.update(lock.read_bytes())
    version = subprocess.run(
        ["terraform", "version"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
    ).stdout
    return digest.update(version.encode()) or digest.hexdigest()


# ---- checkov --------------------------------------------------------------------------------


def example_variables(root: str) -> dict:
    """The root's variables as the tasks would generate them, from .env.example's values."""
    from awsenv import terraform_vars
    from awsenv.config import load_config

    cfg = load_config(env_file=REPO_ROOT / ".env.example", environ={})
    return terraform_vars.root_variables(cfg, root, env="prod", image_tag="0123456789abcdef" * 2 + "01234567")


def run_checkov(root: str, tmp: Path) -> dict:
    var_file = tmp / f"{root}.tfvars"
    from awsenv.terraform_vars import render_hcl

    var_file.write_text(render_hcl(example_variables(root)))
    command = [
        str(CHECKOV),
        "--directory",
        f"terraform/{root}",
        "--framework",
        "terraform",
        "--var-file",
        str(var_file),
        "--skip-download",
        "--download-external-modules",
        "false",
        "--output",
        "json",
        "--compact",
    ]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=env, check=False)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        return {"root": root, "error": (result.stderr or result.stdout).strip()[-2000:]}
    if isinstance(report, list):  # one report per framework
        report = next((r for r in report if r.get("check_type") == "terraform"), report[0])
    summary = report.get("summary", {})
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range'][0]}) {c.get('check_name', '')}"
        for c in report.get("results", {}).get("failed_checks", [])
    ]
    return {
        "root": root,
        "passed": summary.get("passed", 0),
        "failed": summary.get("failed", 0),
        "skipped": summary.get("skipped", 0),
        "parsing_errors": summary.get("parsing_errors", 0),
        "failed_checks": failed,
    }


def cmd_checkov(args) -> int:
    if not CHECKOV.exists():
        print("terraform_gate: .venv-checkov/bin/checkov is missing; run `make bootstrap`", file=sys.stderr)
        return 1
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda root: run_checkov(root, Path(tmp)), args.roots))
    bad = 0
    for report in reports:
        if "error" in report:
            bad += 1
            print(f"checkov {report['root']}: could not run: {report['error']}")
            continue
        print(
            f"checkov {report['root']:<10} passed {report['passed']:>3}  failed {report['failed']:>2}  "
            f"skipped {report['skipped']:>2}  parsing errors {report['parsing_errors']}"
        )
        for line in report["failed_checks"]:
            print(f"  FAILED {line}")
        bad += report["failed"] + report["parsing_errors"]
    print(f"checkov: {len(reports)} roots in {time.monotonic() - start:.1f} s; {'FAILED' if bad else 'ok'}")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("syntax", help="parse every .tf/.tfvars with HashiCorp's HCL parser").set_defaults(func=cmd_syntax)
    sub.add_parser("validate", help="terraform validate per root (when terraform is on PATH)").set_defaults(
        func=cmd_validate
    )
    checkov = sub.add_parser("checkov", help="checkov over each Terraform root")
    checkov.add_argument(
        "roots", nargs="*", default=list(ROOTS), help="roots to scan: backend, operations, main (default: all)"
    )
    checkov.set_defaults(func=cmd_checkov)
    args = parser.parse_args(argv)
    unknown = sorted(set(getattr(args, "roots", [])) - set(ROOTS))
    if unknown:
        parser.error(f"unknown root(s): {', '.join(unknown)}; use {', '.join(ROOTS)}")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
