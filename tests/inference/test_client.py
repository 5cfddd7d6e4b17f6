"""Smoke test, local batch and request building against a deployed tiny model (emulator)."""

from __future__ import annotations

import json

import pytest

from awsenv.errors import UserError
from awsenv.sessions import EnvSession, aws_session
from inference import batch, smoke
from inference.client import open_caller, request_body
from inference.deployer import Target, deploy
from tests.inference.conftest import csv_body, register_package


@pytest.fixture
def deployed(emulator, tiny_archive):
    register_package(emulator, "dev", tiny_archive)
    deploy(aws_session(emulator, "dev", local=True), Target.from_config(emulator, "dev", local=True))
    return emulator


def test_smoke_test_passes_and_fails_on_a_wrong_label_set(deployed):
    report = smoke.smoke_test(EnvSession(deployed, "dev", local=True))
    assert report.ok, report.lines()
    assert report.checks[0][0] == "ping" and report.p50_ms > 0
    with open_caller(EnvSession(deployed, "dev", local=True)) as caller:
        bad = smoke.run(caller, ["Cardiology", "Dermatology"], max_p50_ms=1000)
    assert not bad.ok and "FAILED" in bad.lines()[-1]


def test_local_batch_writes_one_json_line_per_record(deployed):
    s3 = aws_session(deployed, "dev", local=True).client("s3")
    bucket = deployed.data_bucket("dev")
    s3.put_object(Bucket=bucket, Key="batch-in/a.csv", Body=csv_body(["knee fracture", "chest pain", "seizure"]))
    result = batch.run_local(EnvSession(deployed, "dev", local=True), f"s3://{bucket}/batch-in/")
    assert (result.files, result.records) == (1, 3)
    out = s3.get_object(Bucket=bucket, Key="batch-output/promote-test-dev/a.csv.out")["Body"].read().decode()
    assert [json.loads(line)["label"] for line in out.splitlines()] == ["Orthopedic", "Cardiology", "Neurology"]
    with pytest.raises(UserError, match=r"no \.csv or \.json object"):
        batch.run_local(EnvSession(deployed, "dev", local=True), f"s3://{bucket}/nothing-here/")


def test_request_body_needs_exactly_one_source(tmp_path):
    with pytest.raises(UserError, match="one of --text"):
        request_body(None, None)
    path = tmp_path / "x.txt"
    path.write_text("hi")
    with pytest.raises(UserError, match=r"neither \.json nor \.csv"):
        request_body(None, str(path))
    assert request_body(["a"], None) == (b'{"instances": ["a"]}', "application/json")
