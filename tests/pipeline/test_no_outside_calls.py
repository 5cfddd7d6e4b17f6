"""Nothing reaches a real AWS host: building a definition (SDK import included, no credentials,
no region, no profile), upserting and starting the pipeline on the emulator. The build also
runs with the imports of requirements/sdk-not-needed.txt refused.

Every non-loopback connection and name lookup is refused and recorded (tests/netguard.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

from awsenv.sessions import EnvSession, aws_session
from tests import netguard
from training_pipeline.pipeline import definition, start_execution, upsert_pipeline
from training_pipeline.upload import ensure_bucket

TAG = "0123456789abcdef0123456789abcdef01234567"
NOT_NEEDED = [
    line.strip()
    for line in (Path(__file__).parents[2] / "requirements" / "sdk-not-needed.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
BUILD = """
import importlib.metadata as md, json, sys
import tests.netguard as guard
not_needed = {name.lower() for name in sys.argv[1:]}
blocked = {m for m, dists in md.packages_distributions().items() if {d.lower() for d in dists} & not_needed}

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError("not needed: " + name)

sys.meta_path.insert(0, Block())
refused = guard.install()
from awsenv.config import load_config
from tests.conftest import TEST_ENVIRON
from training_pipeline.pipeline import definition
text = definition(load_config(env_file=None, environ=TEST_ENVIRON), "dev", "a" * 40)
print(json.dumps({"refused": refused, "steps": len(json.loads(text)["Steps"])}))
"""


def test_building_a_definition_from_scratch_contacts_no_host_and_needs_no_unused_sdk_dependency(repo_root, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAGEMAKER_"))}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    result = subprocess.run(
        [sys.executable, "-c", BUILD, *NOT_NEEDED], cwd=repo_root, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report == {"refused": [], "steps": 4}


def test_upsert_and_start_on_the_emulator_stay_on_loopback(emulator, monkeypatch):
    refused = netguard.install(monkeypatch)
    session = aws_session(emulator, "dev", local=True)
    ensure_bucket(session.client("s3"), emulator, "dev", local=True)
    upsert_pipeline(EnvSession(emulator, "dev", local=True), TAG)
    start_execution(EnvSession(emulator, "dev", local=True), {})
    definition(emulator, "dev", TAG)
    assert refused == []
    for service in ("s3", "sagemaker", "sts"):
        assert session.client(service).meta.endpoint_url == emulator.emulator_url


def test_the_guard_refuses_an_outside_host(monkeypatch):
    import socket

    refused = netguard.install(monkeypatch)
    with contextlib.suppress(OSError):
        socket.getaddrinfo("sagemaker.eu-west-1.amazonaws.com", 443)
    assert refused == ["lookup sagemaker.eu-west-1.amazonaws.com"]
