"""`invoke data.upload` against the emulator: layout, idempotence, one-line CLI errors."""

from __future__ import annotations

import json

from awsenv.sessions import EnvSession, aws_session
from tests.test_cli import run_invoke
from training_pipeline.upload import upload


def keys(cfg, env):
    s3 = aws_session(cfg, env, local=True).client("s3")
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=cfg.data_bucket(env)).get("Contents", []))


def test_upload_writes_hash_prefix_and_current_then_does_nothing_new(emulator):
    lines = []
    result = upload(EnvSession(emulator, "dev", local=True), progress=lines.append)
    digest = result["content_hash"]
    expected = [
        f"datasets/{name}/{key}"
        for name in (digest, "current")
        for key in ("manifest.json", "test/data.csv", "train/data.csv", "validation/data.csv")
    ]
    assert keys(emulator, "dev") == sorted(expected)
    assert result["current_uri"] == f"s3://{emulator.data_bucket('dev')}/datasets/current/"
    assert any(line.startswith("  [8/8] s3://") for line in lines)
    s3 = aws_session(emulator, "dev", local=True).client("s3")
    manifest = json.loads(
        s3.get_object(Bucket=emulator.data_bucket("dev"), Key="datasets/current/manifest.json")["Body"].read()
    )
    assert manifest["rows"] == {"train": 840, "test": 180, "validation": 180}
    assert s3.get_bucket_versioning(Bucket=emulator.data_bucket("dev"))["Status"] == "Enabled"
    assert upload(EnvSession(emulator, "dev", local=True), progress=lines.append)["uploaded"] == 0


def test_cli_validation_error_is_one_line(repo_root, tmp_path):
    from tests.conftest import TEST_ENVIRON

    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in TEST_ENVIRON.items()))
    missing = tmp_path / "missing.csv"
    result = run_invoke(repo_root, "data.upload", "--env=dev", f"--csv={missing}", "--local", env_file=env_file)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"error: {missing}: file not found; pass --csv with the path of a CSV in the mtsamples schema"
    )
