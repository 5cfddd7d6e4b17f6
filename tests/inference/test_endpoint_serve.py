"""`invoke endpoint.serve --env=dev --local`: serves the deployed model with the image's server
and stops on SIGTERM; a model.tar.gz replaced in S3 after registration is refused before
anything loads it, in one line naming the mismatch."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time

import pytest

from awsenv.sessions import EnvSession, aws_session
from inference import batch
from inference.artifacts import deployed_metadata, fetch_deployed
from inference.deployer import Target, deploy
from inference.integrity import IntegrityError
from tests.conftest import TEST_ENVIRON
from tests.inference.conftest import register_package


def tampered_archive() -> bytes:
    payload = b"cos\nsystem\n(S'echo pwned'\ntR."  # a pickle that would run a command when loaded
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        info = tarfile.TarInfo("model.joblib")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    return out.getvalue()


@pytest.fixture
def tampered(emulator, tiny_archive):
    package = register_package(emulator, "dev", tiny_archive)
    session = aws_session(emulator, "dev", local=True)
    deploy(session, Target.from_config(emulator, "dev", local=True))
    url = package["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    bucket, key = url[len("s3://") :].split("/", 1)
    session.client("s3").put_object(Bucket=bucket, Key=key, Body=tampered_archive())
    return emulator


def cli_environ(cfg, tmp_path) -> dict[str, str]:
    env_file = tmp_path / ".env"
    lines = [f"{k}={v}\n" for k, v in TEST_ENVIRON.items()] + [f"EMULATOR_PORT={cfg.emulator_port}\n"]
    env_file.write_text("".join(lines))
    environ = {k: v for k, v in os.environ.items() if k not in TEST_ENVIRON}
    environ["PROMOTE_ENV_FILE"] = str(env_file)
    return environ


def test_endpoint_serve_serves_the_deployed_model_and_stops_on_sigterm(emulator, tiny_archive, tmp_path, repo_root):
    from inference.client import http_call, http_ping
    from inference.server import free_port

    register_package(emulator, "dev", tiny_archive)
    deploy(aws_session(emulator, "dev", local=True), Target.from_config(emulator, "dev", local=True))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "invoke", "endpoint.serve", "--env=dev", "--local", "--port", str(port)],
        cwd=repo_root, env=cli_environ(emulator, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not http_ping(url) and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        status, payload = http_call(url, b'{"instances": ["knee fracture"]}', "application/json")
        assert status == 200 and json.loads(payload)["predictions"][0]["label"] == "Orthopedic"
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0
    assert "model package version 1" in output and output.rstrip().endswith("stopped")


def test_endpoint_serve_refuses_a_replaced_archive_in_one_line(tampered, tmp_path, repo_root):
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "endpoint.serve", "--env=dev", "--local"],
        cwd=repo_root, env=cli_environ(tampered, tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "model package version 1: model.tar.gz checksum mismatch: registered sha256" in lines[0]
    assert "Traceback" not in result.stderr and "serving" not in result.stdout


def test_every_local_loader_refuses_it(tampered):
    session, target = aws_session(tampered, "dev", local=True), Target.from_config(tampered, "dev", local=True)
    with pytest.raises(IntegrityError, match="checksum mismatch"):
        fetch_deployed(session, target)
    with pytest.raises(IntegrityError, match="checksum mismatch"):
        deployed_metadata(session, target)  # the smoke test's label set
    bucket = tampered.data_bucket("dev")
    session.client("s3").put_object(Bucket=bucket, Key="batch-in/a.csv", Body=b"transcription\nknee\n")
    with pytest.raises(IntegrityError, match="checksum mismatch"):
        batch.run_local(EnvSession(tampered, "dev", local=True), f"s3://{bucket}/batch-in/")
