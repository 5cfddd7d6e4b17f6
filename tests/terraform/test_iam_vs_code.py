"""The IAM policies grant what the code calls: each principal's code path runs against the
emulator, its AWS calls are recorded, and every call must be allowed (action and resource ARN)
by that principal's policy in terraform/ (see tests/terraform/iampolicy.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from awsenv import terraform_vars
from awsenv.sessions import EnvSession, aws_session
from tests.terraform import tfparse
from tests.terraform.iampolicy import Policy, Recorder, recording


def operations(cfg):
    """The operations account on the emulator (where the release manifests live)."""
    return EnvSession(cfg, "operations", local=True)


SHA = "0123456789abcdef0123456789abcdef01234567"
TF = Path(__file__).resolve().parents[2] / "terraform"


def lambda_policy(cfg, env: str) -> Policy:
    module = TF / "modules" / "auto-deploy-lambda"
    region, account = cfg.region, cfg.accounts[env]
    values = {
        "local.arn_prefix": f"arn:aws:sagemaker:{region}:{account}",
        "local.alarm_prefix": f"arn:aws:cloudwatch:{region}:{account}:alarm",
        "local.account": account,
        "data.aws_partition.current.partition": "aws",
        "data.aws_region.current.region": region,
        "var.endpoint_name": cfg.endpoint_name(env),
        "var.model_package_group_name": cfg.model_package_group(env),
        "var.sagemaker_execution_role_arn": cfg.sagemaker_role_arn(env),
    }
    locals_ = {k: v for block in tfparse.parse_dir(module).get("locals", []) for k, v in block.items()}
    lists = {f"local.{k}": v for k, v in locals_.items() if isinstance(v, list)}
    return Policy.load(module / "main.tf", "this", values, lists)


def ci_environment_policy(cfg, env: str) -> Policy:
    variables = terraform_vars.operations_variables(cfg)
    values = {
        "var.region": cfg.region,
        "var.account_ids[each.key]": cfg.accounts[env],
        "var.state_bucket_name": variables["state_bucket_name"],
        "var.release_bucket_name": variables["release_bucket_name"],
        "var.ci_role_name": variables["ci_role_name"],
        "local.p": cfg.project,
        **{f"each.value.{k}": v for k, v in variables["environments"][env].items()},
    }
    return Policy.load(TF / "operations" / "policies.tf", "ci_environment", values)


def ci_operations_policy(cfg) -> Policy:
    values = {"var.release_bucket_name": cfg.release_bucket()}
    return Policy.load(TF / "operations" / "policies.tf", "ci_operations", values)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    from tests.inference.conftest import train_tiny_model

    return train_tiny_model(tmp_path_factory.mktemp("tiny-model"))


def set_status(cfg, env, version, status):
    from inference import registry

    sm = aws_session(cfg, env, local=True).client("sagemaker")
    package = registry.set_approval(sm, cfg.model_package_group(env), version, status)
    return sm.describe_model_package(ModelPackageName=package.arn)


def test_lambda_role_allows_every_call_of_deploy_update_and_rollback(emulator, monkeypatch, archive):
    from awsenv.event_bus import model_package_event
    from inference.auto_deploy import handle_event
    from tests.inference.conftest import register_package

    env = "dev"
    for _ in range(2):
        register_package(emulator, env, archive, status="PendingManualApproval")
    events = [
        model_package_event(emulator, env, set_status(emulator, env, version, status))
        for version, status in ((1, "Approved"), (2, "Approved"))
    ]
    recorder = Recorder()
    recording(monkeypatch, recorder, emulator.accounts)
    actions = [handle_event(event, EnvSession(emulator, env, local=True))["action"] for event in events]
    recorder.paused = True  # a person rejects version 2
    rejected = model_package_event(emulator, env, set_status(emulator, env, 2, "Rejected"))
    recorder.paused = False
    actions.append(handle_event(rejected, EnvSession(emulator, env, local=True))["action"])
    assert actions == ["deployed", "deployed", "rolled-back"]
    assert {
        "sagemaker:CreateEndpoint",
        "sagemaker:UpdateEndpoint",
        "cloudwatch:PutMetricAlarm",
        "application-autoscaling:RegisterScalableTarget",
    } <= recorder.operations()
    assert lambda_policy(emulator, env).denied(recorder.calls) == []


def test_ci_environment_role_allows_upsert_run_smoke_and_manifest(emulator, monkeypatch, archive):
    from inference.artifacts import deployed_metadata
    from inference.deployer import Target, deploy
    from release.manifest import Manifest, require_manifest, write_manifest
    from tests.inference.conftest import register_package
    from training_pipeline.pipeline import start_execution, upsert_pipeline
    from training_pipeline.upload import ensure_bucket

    env = "staging"
    ensure_bucket(aws_session(emulator, env, local=True).client("s3"), emulator, env, local=True)
    register_package(emulator, env, archive)
    target = Target.from_config(emulator, env, local=True)
    deploy(aws_session(emulator, env, local=True), target)
    images = {
        name: {"uri": emulator.image_uri(name, SHA), "digest": "sha256:" + "0" * 64} for name in terraform_vars.IMAGES
    }
    write_manifest(operations(emulator), Manifest(emulator.project, SHA, images))

    recorder = Recorder()
    recording(monkeypatch, recorder, emulator.accounts)
    require_manifest(operations(emulator), SHA)  # invoke deploy: the release manifest
    upsert_pipeline(EnvSession(emulator, env, local=True), SHA)  # create
    upsert_pipeline(EnvSession(emulator, env, local=True), SHA)  # update
    start_execution(EnvSession(emulator, env, local=True), {"ModelApprovalStatus": "Approved"})  # invoke pipeline.run
    deployed_metadata(aws_session(emulator, env, local=True), target)  # invoke endpoint.test: the label set
    assert {
        "sagemaker:CreatePipeline",
        "sagemaker:UpdatePipeline",
        "sagemaker:StartPipelineExecution",
        "sagemaker:DescribeModel",
        "sagemaker:DescribeModelPackage",
        "s3:PutObject",
        "s3:GetObject",
    } <= recorder.operations()
    policy = ci_environment_policy(emulator, env)
    assert policy.denied(recorder.calls) == []
    # on AWS the smoke test also calls the endpoint (the local path serves the model in-process)
    endpoint = f"arn:aws:sagemaker:{emulator.region}:{emulator.accounts[env]}:endpoint/{emulator.endpoint_name(env)}"
    assert policy.allows("sagemaker:InvokeEndpoint", endpoint)


def test_ci_operations_role_allows_the_manifest_and_image_lookups(emulator, monkeypatch):
    from release.images import register_placeholders
    from release.manifest import build_manifest, write_manifest

    register_placeholders(emulator, SHA, terraform_vars.IMAGES)
    write_manifest(operations(emulator), build_manifest(operations(emulator), SHA, pipeline_hashes={}))  # bucket
    recorder = Recorder()
    recording(monkeypatch, recorder, emulator.accounts)
    manifest = build_manifest(operations(emulator), SHA, pipeline_hashes={})
    assert write_manifest(operations(emulator), manifest) == "unchanged"
    assert {"ecr:DescribeImages", "s3:GetObject"} <= recorder.operations()
    assert ci_operations_policy(emulator).denied(recorder.calls) == []


# ---- the SageMaker execution role ------------------------------------------------------------


def sagemaker_role_prefixes(cfg, env: str) -> tuple[list[str], list[str]]:
    call = tfparse.module_calls(TF / "main")["sagemaker_role"]
    values = {f"var.{k}": v for k, v in terraform_vars.main_variables(cfg, env, SHA).items()}
    read = [Policy.substitute(p, values) for p in call["bucket_read_prefixes"]]
    write = [Policy.substitute(p, values) for p in call["bucket_write_prefixes"]]
    return read, write


def key_of(uri: str, bucket: str) -> str:
    assert uri.startswith(f"s3://{bucket}/"), uri
    return uri.removeprefix(f"s3://{bucket}/")


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_sagemaker_role_prefixes_are_the_ones_the_pipeline_and_endpoint_use(cfg, env):
    from inference.deployer import Target
    from training_pipeline.code import code_prefix

    read, write = sagemaker_role_prefixes(cfg, env)
    bucket = cfg.data_bucket(env)
    reads = {
        "InputDataUri": key_of(cfg.dataset_pointer_uri(env), bucket),
        "step code": key_of(code_prefix(cfg, env), bucket) + "/",
        "model artifacts (evaluate, endpoint)": "models/",
        "step outputs (next steps, champion evaluation.json)": "pipeline-runs/",
    }
    writes = {
        "training output_path": "models/",
        "processing outputs": "pipeline-runs/",
        "data capture": key_of(Target.from_config(cfg, env).capture_uri, bucket) + "/",
    }
    for what, key in reads.items():
        assert any(key.startswith(p) for p in read), f"{what}: {key} is not readable ({read})"
    for what, key in writes.items():
        assert any(key.startswith(p) for p in write), f"{what}: {key} is not writable ({write})"


def test_pipeline_definition_writes_under_the_role_prefixes(repo_root):
    """The definition's S3 outputs: `models` (training) and `pipeline-runs` (processing)."""
    text = (repo_root / "tests" / "pipeline" / "snapshots" / "definition-dev.json").read_text()
    assert '"S3OutputPath": "s3://promote-test-dev-200000000002/models"' in text
    assert '"pipeline-runs"' in text


def test_sagemaker_role_allows_the_evaluate_steps_champion_lookup(cfg, repo_root):
    """training_pipeline/steps/evaluate.py calls boto3 itself inside the processing job."""
    tree = ast.parse((repo_root / "training_pipeline" / "steps" / "evaluate.py").read_text())
    methods = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.func.attr.startswith("_")
    }
    assert {"list_model_packages", "describe_model_package", "get_object"} <= methods
    env = "dev"
    values = {
        "local.arn_prefix": f"arn:aws:sagemaker:{cfg.region}:{cfg.accounts[env]}",
        "var.model_package_group_name": cfg.model_package_group(env),
        "var.bucket_arn": f"arn:aws:s3:::{cfg.data_bucket(env)}",
    }
    role = TF / "modules" / "sagemaker-execution-role" / "main.tf"
    policy = Policy.load(role, "this", values)
    group = f"arn:aws:sagemaker:{cfg.region}:{cfg.accounts[env]}:model-package-group/{cfg.model_package_group(env)}"
    package = f"arn:aws:sagemaker:{cfg.region}:{cfg.accounts[env]}:model-package/{cfg.model_package_group(env)}/3"
    assert policy.allows("sagemaker:ListModelPackages", group)
    assert policy.allows("sagemaker:DescribeModelPackage", package)
    assert policy.allows("sagemaker:CreateModelPackage", package)
