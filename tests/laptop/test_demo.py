"""The demo's flow with stand-in pipeline hooks (the real ones are the training pipeline's)."""

from __future__ import annotations

from awsenv.sessions import aws_session
from laptop import demo
from tests.inference.conftest import register_package


def tiny_hooks(archive):
    def upload(session, say):
        return f"s3://{session.cfg.data_bucket(session.env)}/datasets/current.json"

    def train(session, input_uri, approval, say):
        return register_package(session.cfg, session.env, archive, status=approval, accuracy=0.8)["ModelPackageArn"]

    return demo.PipelineHooks(upload, train)


def test_demo_deploys_serves_and_schedules_in_every_env(emulator, tiny_archive):
    lines = []
    # stand-in packages carry no drift baseline: the drift part is tested in tests/monitoring/test_alarm.py
    results = demo.run(emulator, tiny_hooks(tiny_archive), say=lines.append, drift=False)
    assert [(r.env, r.version, r.deploy) for r in results] == [(e, 1, "deployed") for e in ("dev", "staging", "prod")]
    assert all(r.accuracy == 0.8 and r.latency_ms is not None for r in results)
    text = "\n".join(lines)
    assert "Cardiology" in text and "summary" in text and "already running" in text
    scheduler = aws_session(emulator, "prod", local=True).client("scheduler")
    schedule = scheduler.get_schedule(Name="promote-test-prod-retraining")
    assert schedule["Target"]["RoleArn"].endswith(":role/promote-test-prod-retraining-scheduler")
    parameters = schedule["Target"]["SageMakerPipelineParameters"]["PipelineParameterList"]
    assert {p["Name"] for p in parameters} == {"InputDataUri", "ModelApprovalStatus"}
