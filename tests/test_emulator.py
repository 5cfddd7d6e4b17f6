"""The emulator process: start / status / stop, idempotence, port conflicts."""

from __future__ import annotations

import socket
import time

import pytest

from awsenv import emulator
from awsenv.config import load_config
from awsenv.sessions import aws_session
from tests.conftest import TEST_ENVIRON, _free_port

LAMBDA_VPC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


@pytest.fixture
def own_cfg():
    return load_config(env_file=None, environ={**TEST_ENVIRON, "EMULATOR_PORT": str(_free_port())})


def test_start_status_stop_round_trip(own_cfg, tmp_path):
    state_dir = tmp_path / "state"
    assert emulator.status(own_cfg, state_dir).running is False
    started = emulator.start(own_cfg, state_dir, warm_services=True)
    try:
        assert started.running and started.pid
        assert (state_dir / "emulator.pid").read_text().strip() == str(started.pid)
        again = emulator.start(own_cfg, state_dir)
        assert again.pid == started.pid  # idempotent: no second server
        assert emulator.verify_accounts(own_cfg) == {
            "operations": "100000000001",
            "dev": "200000000002",
            "staging": "300000000003",
            "prod": "400000000004",
        }
        assert emulator.status(own_cfg, state_dir).running
        # terraform/main attaches an AWS managed policy: the server must know them
        iam = aws_session(own_cfg, "dev", local=True).client("iam")
        assert iam.get_policy(PolicyArn=LAMBDA_VPC_POLICY)["Policy"]["PolicyName"] == "AWSLambdaVPCAccessExecutionRole"
        log = state_dir / "emulator.log"  # the start signalled it to warm its services: it did, and still runs
        for _ in range(600):
            if '"warm_s"' in log.read_text():
                break
            time.sleep(0.1)
        assert '"warm_s"' in log.read_text() and emulator.healthy(own_cfg.emulator_url)
    finally:
        assert emulator.stop(own_cfg, state_dir) == f"stopped (pid {started.pid})"
    assert not emulator.healthy(own_cfg.emulator_url)
    assert not (state_dir / "emulator.pid").exists()
    assert emulator.stop(own_cfg, state_dir) == "not running"


def test_port_taken_by_another_program_is_a_clear_error(own_cfg, tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", own_cfg.emulator_port))
        blocker.listen()
        with pytest.raises(emulator.EmulatorError) as info:
            emulator.start(own_cfg, tmp_path)
    assert str(info.value) == (
        f"EMULATOR_PORT: port {own_cfg.emulator_port} on 127.0.0.1 is taken by another program; "
        "stop it or set EMULATOR_PORT in .env to a free port"
    )


def test_status_of_stopped_emulator_says_how_to_start(own_cfg, tmp_path):
    state = emulator.status(own_cfg, tmp_path)
    assert not state.running
    assert "invoke emulator.start" in state.detail


def test_warming_the_emulator_creates_nothing_in_the_projects_accounts(emulator, emulator_url):
    """`serve` warms each service the local runs use with read-only requests in moto's default account."""
    from awsenv.emulator import warm
    from awsenv.sessions import EnvSession

    warm(emulator_url)
    for env in ("dev", "prod"):
        session = EnvSession(emulator, env, local=True)
        assert session.s3.list_buckets()["Buckets"] == []
        assert session.sagemaker.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
        assert session.client("events").list_rules()["Rules"] == []
