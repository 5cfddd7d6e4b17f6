"""The drift monitor's role allows exactly its code path: a run on the emulator is recorded and every
call checked against modules/drift-monitor's policy (as tests/terraform/test_iam_vs_code.py does);
its S3 listings stay under the capture and reports prefixes and its metrics in its namespace."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from awsenv import terraform_vars
from tests.terraform import tfparse
from tests.terraform.iampolicy import Policy, Recorder, recording

SHA = "0123456789abcdef0123456789abcdef01234567"
TF = Path(__file__).resolve().parents[2] / "terraform"
ENV = "prod"


def monitor_inputs(cfg, env: str) -> dict[str, str]:
    """The module's inputs as terraform/main computes them for `env`."""
    call = tfparse.module_calls(TF / "main")["drift_monitor"]
    locals_ = {k: v for block in tfparse.parse_dir(TF / "main").get("locals", []) for k, v in block.items()}
    assert locals_["bucket_uri"] == "s3://${var.data_bucket_name}/"
    assert call["capture_prefix"] == "${trimprefix(var.data_capture_s3_uri, local.bucket_uri)}/"
    assert call["reports_prefix"] == "${trimprefix(var.monitoring_s3_uri, local.bucket_uri)}/"
    variables = terraform_vars.main_variables(cfg, env, SHA)
    bucket_uri = f"s3://{variables['data_bucket_name']}/"
    return {
        "capture_prefix": variables["data_capture_s3_uri"].removeprefix(bucket_uri) + "/",
        "reports_prefix": variables["monitoring_s3_uri"].removeprefix(bucket_uri) + "/",
        "baseline_key_pattern": call["baseline_key_pattern"],
        "metrics_namespace": variables["drift_metrics_namespace"],
    }


def monitor_policy(cfg, env: str, inputs: dict[str, str]) -> Policy:
    region, account = cfg.region, cfg.accounts[env]
    values = {
        "local.arn_prefix": f"arn:aws:sagemaker:{region}:{account}",
        "var.bucket_arn": f"arn:aws:s3:::{cfg.data_bucket(env)}",
        "var.endpoint_name": cfg.endpoint_name(env),
        "var.model_package_group_name": cfg.model_package_group(env),
        **{f"var.{k}": v for k, v in inputs.items()},
    }
    return Policy.load(TF / "modules" / "drift-monitor" / "main.tf", "this", values)


def test_monitor_role_allows_every_call_of_a_run_and_nothing_outside_its_prefixes(
    emulator, monkeypatch, tiny, baseline
):
    import awsenv.sessions
    from monitoring.job import MonitorTarget, run
    from tests.monitoring.test_job import deploy_model, send

    model, texts, _, archive = tiny
    deploy_model(emulator, archive, baseline)
    send(emulator, model, texts * 3)
    recorder = Recorder()
    recording(monkeypatch, recorder, emulator.accounts)
    run(awsenv.sessions.aws_session(emulator, ENV, local=True), MonitorTarget.from_config(emulator, ENV))

    assert {
        "s3:ListObjectsV2", "s3:GetObject", "s3:PutObject", "cloudwatch:PutMetricData", "sagemaker:DescribeModelPackage",
    } <= recorder.operations()  # fmt: skip
    inputs = monitor_inputs(emulator, ENV)
    assert monitor_policy(emulator, ENV, inputs).denied(recorder.calls) == []
    # the policy's conditions (not evaluated by Policy): listings and namespace
    for call in recorder.calls:
        if call.operation == "ListObjectsV2":
            assert call.params["Prefix"].startswith((inputs["capture_prefix"], inputs["reports_prefix"]))
        if call.operation == "PutMetricData":
            assert call.params["Namespace"] == inputs["metrics_namespace"]
        if call.operation == "PutObject":
            assert call.params["Key"].startswith(inputs["reports_prefix"])
    baselines = [
        c.params["Key"] for c in recorder.calls if c.operation == "GetObject" and "baseline" in c.params["Key"]
    ]
    assert baselines and all(fnmatch.fnmatchcase(k, inputs["baseline_key_pattern"]) for k in baselines)


def test_the_baseline_pattern_matches_where_the_pipeline_writes_it(cfg, repo_root):
    """`pipeline-runs/<execution>/evaluate/evaluation/baseline.json` (run_output + BASELINE_FILE)."""
    from training_pipeline.pipeline import BASELINE_FILE

    pattern = monitor_inputs(cfg, ENV)["baseline_key_pattern"]
    text = (repo_root / "tests" / "pipeline" / "snapshots" / "definition-dev.json").read_text()
    assert f'"{BASELINE_FILE}"' in text and '"evaluate"' in text and '"evaluation"' in text
    assert fnmatch.fnmatchcase(f"pipeline-runs/abc123/evaluate/evaluation/{BASELINE_FILE}", pattern)
    assert not fnmatch.fnmatchcase("datasets/current/train/data.csv", pattern)


def test_monitor_cannot_write_outside_its_reports_or_read_the_datasets(cfg):
    inputs = monitor_inputs(cfg, ENV)
    policy = monitor_policy(cfg, ENV, inputs)
    bucket = f"arn:aws:s3:::{cfg.data_bucket(ENV)}"
    assert policy.allows("s3:PutObject", f"{bucket}/{inputs['reports_prefix']}latest.json")
    assert not policy.allows("s3:PutObject", f"{bucket}/{inputs['capture_prefix']}x.jsonl")
    assert not policy.allows("s3:PutObject", f"{bucket}/pipeline-runs/x/evaluate/evaluation/baseline.json")
    assert not policy.allows("s3:GetObject", f"{bucket}/datasets/current/train/data.csv")
    assert not policy.allows("s3:GetObject", f"{bucket}/models/x/model.tar.gz")
