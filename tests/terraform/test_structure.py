"""Shape of the Terraform tree: thin roots, terraform-aws-modules style modules, pinned versions."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.terraform import tfparse

ROOT_BLOCKS = {"terraform", "provider", "module", "data", "locals", "variable", "output", "check", "removed"}
MODULE_FILES = {"main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"}


@pytest.fixture(scope="module")
def tf(repo_root):
    return repo_root / "terraform"


def test_roots_and_modules_exist(tf):
    assert all((tf / root).is_dir() for root in tfparse.ROOTS)
    assert len(tfparse.modules(tf)) >= 8
    assert (tf / "README.md").is_file()


def test_each_module_has_the_four_files_and_a_readme(tf):
    for module in tfparse.modules(tf):
        files = {p.name for p in module.iterdir()}
        assert files >= MODULE_FILES, f"{module.name}: missing {sorted(MODULE_FILES - files)}"


def test_roots_are_thin(tf):
    for root in tfparse.ROOTS:
        blocks = set(tfparse.parse_dir(tf / root))
        assert blocks <= ROOT_BLOCKS, f"{root}: {sorted(blocks - ROOT_BLOCKS)} belong in a module"


def test_every_variable_is_typed_and_described(tf):
    directories = [tf / root for root in tfparse.ROOTS] + tfparse.modules(tf)
    for directory in directories:
        for name, body in tfparse.variables(directory).items():
            where = f"{directory.name}.{name}"
            assert body.get("description"), f"{where}: no description"
            assert body.get("type") and "any" not in str(body["type"]), f"{where}: untyped or 'any'"


def test_every_output_is_described_and_module_outputs_use_try(tf):
    for module in tfparse.modules(tf):
        for name, body in tfparse.named(tfparse.parse_dir(module).get("output", [])).items():
            assert body.get("description"), f"{module.name}.{name}: no description"
            value = str(body["value"])
            if "[0]" in value:
                assert value.startswith("${try("), f"{module.name}.{name}: wrap counted resources in try()"


def test_module_resources_are_gated_and_the_main_one_is_this(tf):
    for module in tfparse.modules(tf):
        names = set()
        for resource in tfparse.parse_dir(module).get("resource", []):
            for kind, instances in resource.items():
                for name, body in instances.items():
                    names.add(name)
                    assert "count" in body or "for_each" in body, f"{module.name}: {kind}.{name} is not gated"
        assert "this" in names, f"{module.name}: name the module's main resource 'this'"


def test_module_calls_pass_only_declared_variables_and_all_required_ones(tf):
    for root in tfparse.ROOTS:
        for name, call in tfparse.module_calls(tf / root).items():
            target = (tf / root / call["source"]).resolve()
            declared = set(tfparse.variables(target))
            passed = set(call) - {"source", "providers", "for_each", "count", "depends_on"}
            assert passed <= declared, f"{root}.{name}: undeclared {sorted(passed - declared)}"
            missing = tfparse.required_variables(target) - passed
            assert not missing, f"{root}.{name}: missing required {sorted(missing)}"


def test_versions_are_pinned(tf):
    for root in tfparse.ROOTS:
        text = (tf / root / "versions.tf").read_text()
        assert 'required_version = ">= 1.10"' in text
        # 5.100+ and every 6.x: the build machine's mirror has 5.100, the registry the newest 6.x.
        assert 'version = ">= 5.100, < 7.0"' in text, f"{root}: allow the AWS provider >= 5.100, < 7.0"
    for module in tfparse.modules(tf):
        assert 'version = ">= 5.100"' in (module / "versions.tf").read_text(), module.name


def test_no_attribute_that_exists_in_one_provider_major_only(tf):
    """`data.aws_region.current.name` is deprecated in 6.x and `.region` does not exist in 5.x."""
    for path in tf.rglob("*.tf"):
        text = path.read_text()
        assert not re.search(r"data\.aws_region\.\w+\.(name|region)\b", text), f"{path}: read the region as .id"


def test_operations_and_main_use_a_partial_s3_backend_with_native_locking(tf, repo_root):
    for root in ("operations", "main"):
        assert 'backend "s3" {}' in (tf / root / "versions.tf").read_text()
    assert "backend" not in tfparse.parse_dir(tf / "backend").get("terraform", [{}])[0]


def test_no_hard_coded_region_account_bucket_or_latest(tf):
    region = re.compile(r"\b(us|eu|ap|sa|ca|me|af|il|mx)-(north|south|east|west|central)(east|west)?-\d\b")
    for path in tf.rglob("*.tf"):
        text = path.read_text()
        assert not region.search(text), f"{path}: hard-coded region"
        assert not re.search(r"(?<!\d)\d{12}(?!\d)", text), f"{path}: hard-coded account id"
        assert not re.search(r'\bbucket\s*=\s*"[a-z0-9.-]+"', text), f"{path}: hard-coded bucket name"
        assert ":latest" not in text, f"{path}: ':latest' image"
        assert not re.search(r'"repo:[^$"]', text), f"{path}: hard-coded GitHub repository in an OIDC subject"
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert not re.search(r"\bvpc\s*=\s*true", code), f"{path}: aws_eip vpc = true is gone in provider v6"


def test_no_state_or_provider_cache_is_tracked(repo_root):
    files = subprocess.run(["git", "ls-files"], cwd=repo_root, capture_output=True, text=True, check=True).stdout
    bad = [f for f in files.splitlines() if f.endswith((".tfstate", ".tfstate.backup")) or "/.terraform/" in f]
    assert bad == []
    assert not [f for f in files.splitlines() if f.endswith(".tfvars.json")], "generated variables are tracked"


def test_checkov_skips_are_inline_with_a_reason(tf):
    for path in tf.rglob("*.tf"):
        for line in path.read_text().splitlines():
            if "checkov:skip" in line:
                assert re.search(r"#checkov:skip=CKV2?_AWS_\d+:\S.{10,}", line), f"{path}: {line.strip()}"
