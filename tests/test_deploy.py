"""`invoke deploy`: manifest check -> terraform (3.4) -> pipeline upsert, in that order,
against the emulator's manifest store and registry, with terraform faked."""

from __future__ import annotations

import pytest
from invoke import MockContext

from awsenv import terraform
from awsenv.errors import UserError
from awsenv.sessions import EnvSession, aws_session
from release import images, manifest
from release.deploy import deploy_environment
from release.manifest import IMAGES
from tests.terraform.test_tasks import FakeTerraform


def operations(cfg):
    """The operations account on the emulator (where the release manifests live)."""
    return EnvSession(cfg, "operations", local=True)


COMMIT = "c0ffee" + "1" * 34


@pytest.fixture
def fake(monkeypatch, tmp_path):
    monkeypatch.setattr(terraform, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(terraform, "find_terraform", lambda: "/usr/bin/terraform")
    return FakeTerraform(workspaces=("default", "dev", "staging", "prod"))


@pytest.fixture
def ctx(fake):
    c = MockContext(run=True)
    c.run.side_effect = fake
    return c


def pipelines(cfg, env):
    return [
        p["PipelineName"]
        for p in aws_session(cfg, env, local=True).client("sagemaker").list_pipelines()["PipelineSummaries"]
    ]


def test_unbuilt_commit_is_refused_before_terraform_runs(emulator, ctx, fake):
    with pytest.raises(UserError, match=r"^release: commit c0ffee111111 has no release manifest"):
        deploy_environment(ctx, emulator, "staging", image_tag=COMMIT, local=True, say=lambda *_: None)
    assert fake.commands == []
    assert pipelines(emulator, "staging") == []


def test_built_commit_is_applied_then_its_pipeline_upserted(emulator, ctx, fake):
    from training_pipeline.pipeline import definition

    hashes = {env: manifest.definition_hash(definition(emulator, env, COMMIT)) for env in ("dev", "staging", "prod")}
    images.register_placeholders(emulator, COMMIT, IMAGES)
    built = manifest.build_manifest(operations(emulator), COMMIT, pipeline_hashes=hashes)
    manifest.write_manifest(operations(emulator), built)
    aws_session(emulator, "staging", local=True).client("s3").create_bucket(
        Bucket=emulator.data_bucket("staging"), CreateBucketConfiguration={"LocationConstraint": emulator.region}
    )
    said = []
    deploy_environment(ctx, emulator, "staging", image_tag=COMMIT, local=True, say=said.append)
    assert fake.commands[-2:] == [
        "terraform -chdir=terraform/main workspace select staging",
        "terraform -chdir=terraform/main apply -var-file=environment/staging.tfvars.json -var=use_emulator=true",
    ]
    assert said[0].startswith("release: commit c0ffee111111 was built by CI")
    assert pipelines(emulator, "staging") == [emulator.pipeline_name("staging")]
    assert pipelines(emulator, "dev") == []
    described = (
        aws_session(emulator, "staging", local=True)
        .client("sagemaker")
        .describe_pipeline(PipelineName=emulator.pipeline_name("staging"))
    )
    assert emulator.image_uri("training", COMMIT) in described["PipelineDefinition"]


def test_a_definition_ci_did_not_build_is_refused_before_terraform(emulator, ctx, fake):
    images.register_placeholders(emulator, COMMIT, IMAGES)
    other = {env: "ab" * 32 for env in ("dev", "staging", "prod")}
    manifest.write_manifest(
        operations(emulator), manifest.build_manifest(operations(emulator), COMMIT, pipeline_hashes=other)
    )
    with pytest.raises(UserError, match=r"^release: the prod pipeline definition hashes to"):
        deploy_environment(ctx, emulator, "prod", image_tag=COMMIT, local=True, say=lambda *_: None)
    assert fake.commands == []


def test_dry_run_prints_the_plan_and_touches_nothing(emulator, ctx, fake, capsys):
    deploy_environment(ctx, emulator, "dev", image_tag=COMMIT, dry_run=True)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"# 1/3 requires the release manifest {manifest.manifest_url(emulator, COMMIT)}"
    assert out[-1] == f"# 3/3 then upserts the pipeline {emulator.pipeline_name('dev')} in dev, images @ {COMMIT}"
    assert fake.commands == []
    assert pipelines(emulator, "dev") == []
