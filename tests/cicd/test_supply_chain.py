"""Supply chain: zizmor in `make lint`, Dependabot for every ecosystem we pin, base images by
digest where one is recorded."""

from __future__ import annotations

import re

import yaml
from invoke import Config, Context

# Bases whose digest could not be verified offline (docs/ci-cd.md "Images" says why).
TAG_ONLY_BASES = {"public.ecr.aws/lambda/python:3.11.2024.11.22.15"}


def test_lint_runs_zizmor_offline_over_github_dir(repo_root):
    from commands.checks import lint_commands

    context = Context(config=Config(overrides={"run": {"in_stream": False}}))
    with context.cd(str(repo_root)):
        commands = lint_commands(context)
    zizmor = [c for c in commands if "/zizmor " in c]
    assert zizmor and "--offline" in zizmor[0] and zizmor[0].endswith(" .github")
    assert "zizmor" in (repo_root / "requirements" / "requirements.in").read_text().split()


def test_dependabot_updates_actions_pip_docker_and_terraform(repo_root):
    config = yaml.safe_load((repo_root / ".github" / "dependabot.yml").read_text())
    by_ecosystem = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(by_ecosystem) == {"github-actions", "pip", "docker", "terraform"}
    dockerfiles = {f"/{p.parent.relative_to(repo_root)}" for p in repo_root.glob("docker/*/Dockerfile")}
    assert dockerfiles <= set(by_ecosystem["docker"]["directories"])
    assert {"/terraform/operations", "/terraform/main"} <= set(by_ecosystem["terraform"]["directories"])


def test_base_images_are_pinned_by_digest(repo_root):
    for path in repo_root.glob("docker/*/Dockerfile"):
        for line in path.read_text().splitlines():
            if line.startswith("FROM "):
                image = line.split()[1]
                assert image in TAG_ONLY_BASES or re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", image), (
                    f"{path}: {image}"
                )
