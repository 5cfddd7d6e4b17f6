"""The release manifest in the operations account (moto emulator): built from the images in
ECR, written once, read back, validated; a missing manifest is a one-line refusal."""

from __future__ import annotations

import json

import pytest

from awsenv.errors import UserError
from awsenv.sessions import EnvSession, aws_session
from release import images, manifest
from release.manifest import IMAGES, Manifest


def operations(cfg):
    """The operations account on the emulator (where the release manifests live)."""
    return EnvSession(cfg, "operations", local=True)


COMMIT = "c0ffee" + "0" * 34
HASHES = {"dev": "ab" * 32, "staging": "cd" * 32, "prod": "ef" * 32}


@pytest.fixture
def built(emulator):
    """The emulator with the three images of COMMIT in the operations account's ECR."""
    images.register_placeholders(emulator, COMMIT, IMAGES)
    return emulator


def test_release_bucket_is_in_the_operations_account(cfg):
    assert cfg.release_bucket() == "promote-test-releases-100000000001"


def test_manifest_records_each_image_by_tag_and_digest(built):
    found = manifest.build_manifest(operations(built), COMMIT, pipeline_hashes=HASHES)
    ecr = aws_session(built, "operations", local=True).client("ecr")
    for name in IMAGES:
        digest = ecr.describe_images(repositoryName=f"promote-test/{name}", imageIds=[{"imageTag": COMMIT}])[
            "imageDetails"
        ][0]["imageDigest"]
        assert found.images[name] == {"uri": built.image_uri(name, COMMIT), "digest": digest}
        assert (
            found.image_digest_uri(name) == f"100000000001.dkr.ecr.eu-west-1.amazonaws.com/promote-test/{name}@{digest}"
        )
    assert len({entry["digest"] for entry in found.images.values()}) == 3
    assert found.pipeline_definition_sha256 == HASHES


def test_manifest_round_trips_through_the_operations_bucket_only(built):
    written = manifest.build_manifest(operations(built), COMMIT, pipeline_hashes=HASHES)
    assert manifest.write_manifest(operations(built), written) == "written"
    assert manifest.write_manifest(operations(built), written) == "unchanged"
    assert manifest.read_manifest(operations(built), COMMIT) == written
    assert manifest.require_manifest(operations(built), COMMIT) == written
    body = (
        aws_session(built, "operations", local=True)
        .client("s3")
        .get_object(Bucket="promote-test-releases-100000000001", Key=f"releases/{COMMIT}.json")["Body"]
        .read()
    )
    assert json.loads(body)["commit"] == COMMIT
    for env in ("dev", "staging", "prod"):  # nothing lands in the workload accounts
        assert aws_session(built, env, local=True).client("s3").list_buckets()["Buckets"] == []


def test_missing_image_is_one_line_naming_image_and_fix(emulator):
    images.register_placeholders(emulator, COMMIT, ("training", "inference"))
    with pytest.raises(UserError) as error:
        manifest.build_manifest(operations(emulator), COMMIT, pipeline_hashes=HASHES)
    assert str(error.value) == (
        f"images: lambda:{COMMIT} is not in ECR repository 'promote-test/lambda' of the operations account "
        "(RepositoryNotFoundException); build and push it first with `invoke images.build --push`"
    )


def test_missing_manifest_is_one_line_refusal(emulator):
    assert manifest.read_manifest(operations(emulator), COMMIT) is None
    with pytest.raises(UserError, match=r"^release: commit c0ffee000000 has no release manifest \(s3://") as error:
        manifest.require_manifest(operations(emulator), COMMIT)
    assert "\n" not in str(error.value)


def test_placeholder_images_are_idempotent_and_tags_immutable(emulator):
    first = images.register_placeholders(emulator, COMMIT, ("lambda",))
    again = images.register_placeholders(emulator, COMMIT, ("lambda",))
    assert "recorded in the emulator" in first[0] and "already in the emulator" in again[0]
    ecr = aws_session(emulator, "operations", local=True).client("ecr")
    repo = ecr.describe_repositories(repositoryNames=["promote-test/lambda"])["repositories"][0]
    assert repo["imageTagMutability"] == "IMMUTABLE"


def test_a_tampered_manifest_is_rejected(built):
    manifest.write_manifest(
        operations(built), manifest.build_manifest(operations(built), COMMIT, pipeline_hashes=HASHES)
    )
    s3 = aws_session(built, "operations", local=True).client("s3")
    key = {"Bucket": built.release_bucket(), "Key": f"releases/{COMMIT}.json"}
    data = json.loads(s3.get_object(**key)["Body"].read())
    data["images"]["inference"]["uri"] = data["images"]["inference"]["uri"].replace(COMMIT, "latest")
    s3.put_object(Body=json.dumps(data).encode(), **key)
    with pytest.raises(
        UserError, match=r"is not a valid release manifest .image inference uri .* is not tagged with the commit"
    ):
        manifest.read_manifest(operations(built), COMMIT)


def test_manifest_json_is_stable_and_validated():
    entry = {name: {"uri": f"r/p/{name}:{COMMIT}", "digest": "sha256:" + "1" * 64} for name in IMAGES}
    found = Manifest(project="p", commit=COMMIT, images=entry)
    assert Manifest.from_json(found.to_json(), "x") == found
    assert found.to_json() == Manifest.from_json(found.to_json(), "x").to_json()
    with pytest.raises(UserError, match=r"^release: x is not a valid release manifest .KeyError"):
        Manifest.from_json(json.dumps({"schema": 1}), "x")
    with pytest.raises(UserError, match="JSONDecodeError"):
        Manifest.from_json("{", "x")


def test_definition_hash_ignores_key_order_and_spacing():
    a = manifest.definition_hash('{"Version": "2020-12-01", "Steps": [{"Name": "a"}]}')
    b = manifest.definition_hash({"Steps": [{"Name": "a"}], "Version": "2020-12-01"})
    assert a == b and len(a) == 64
    assert manifest.definition_hash({"Steps": [{"Name": "b"}], "Version": "2020-12-01"}) != a


def test_show_task_refuses_an_unbuilt_commit_in_one_line(repo_root, emulator, emulator_url, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import TEST_ENVIRON

    env_file = tmp_path / ".env"
    env_file.write_text(
        "".join(f"{k}={v}\n" for k, v in TEST_ENVIRON.items()) + f"EMULATOR_PORT={emulator.emulator_port}\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in TEST_ENVIRON} | {"PROMOTE_ENV_FILE": str(env_file)}
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "release.show", "--local"],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: release: commit ") and "has no release manifest" in line


def test_pipeline_hashes_come_from_the_pipeline_definition_per_env(cfg, monkeypatch):
    import sys
    import types

    fake = types.ModuleType("training_pipeline.pipeline")
    fake.definition = lambda cfg, env, tag: json.dumps({"Version": "2020-12-01", "Env": env, "Image": tag})
    monkeypatch.setitem(sys.modules, "training_pipeline", types.ModuleType("training_pipeline"))
    monkeypatch.setitem(sys.modules, "training_pipeline.pipeline", fake)
    sys.modules["training_pipeline"].pipeline = fake
    hashes = manifest.pipeline_definition_hashes(cfg, COMMIT)
    assert hashes == {
        env: manifest.definition_hash(fake.definition(cfg, env, COMMIT)) for env in ("dev", "staging", "prod")
    }
    assert len(set(hashes.values())) == 3


def test_a_deploy_can_refuse_a_definition_ci_did_not_build():
    entry = {name: {"uri": f"r/p/{name}:{COMMIT}", "digest": "sha256:" + "1" * 64} for name in IMAGES}
    built = Manifest(
        project="p",
        commit=COMMIT,
        images=entry,
        pipeline_definition_sha256={"prod": manifest.definition_hash({"a": 1})},
    )
    manifest.check_pipeline_definition(built, "prod", '{"a": 1}')
    manifest.check_pipeline_definition(built, "dev", '{"anything": 1}')  # nothing recorded for dev
    with pytest.raises(UserError, match=r"^release: the prod pipeline definition hashes to [0-9a-f]{12}, but CI built"):
        manifest.check_pipeline_definition(built, "prod", '{"a": 2}')
