"""The pipeline definition: snapshot, byte-identical rebuilds, and the names other parts rely on.

Refresh the snapshot after an intended change: UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/pipeline
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from awsenv.config import load_config
from tests.conftest import TEST_ENVIRON
from training_pipeline.code import code_files, code_prefix
from training_pipeline.pipeline import definition

TAG = "0123456789abcdef0123456789abcdef01234567"
SNAPSHOT = Path(__file__).parent / "snapshots" / "definition-dev.json"
CODE_HASH = re.compile(r"/code/[0-9a-f]{32}")


@pytest.fixture(scope="module")
def config():
    return load_config(env_file=None, environ=TEST_ENVIRON)


@pytest.fixture(scope="module")
def dev_definition(config) -> str:
    return definition(config, "dev", TAG)


def steps_by_name(doc: dict) -> dict:
    found = {}
    for step in doc["Steps"]:
        found[step["Name"]] = step
        for branch in ("IfSteps", "ElseSteps"):
            for inner in step.get("Arguments", {}).get(branch, []):
                found[inner["Name"]] = inner
    return found


def test_definition_matches_the_snapshot(dev_definition):
    normalised = CODE_HASH.sub("/code/<code-hash>", dev_definition)
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(normalised)
    assert normalised == SNAPSHOT.read_text()


def test_building_twice_is_byte_identical(config, dev_definition):
    assert definition(config, "dev", TAG) == dev_definition
    assert code_files() == code_files()


def test_parameters_are_the_contract(dev_definition, config):
    params = {p["Name"]: p for p in json.loads(dev_definition)["Parameters"]}
    assert list(params) == [
        "InputDataUri",
        "AccuracyThreshold",
        "ModelApprovalStatus",
        "TfidfMaxFeatures",
        "TfidfNgramMax",
        "RegularizationC",
    ]
    assert params["InputDataUri"]["DefaultValue"] == f"s3://{config.data_bucket('dev')}/datasets/current.json"
    assert params["ModelApprovalStatus"]["DefaultValue"] == "Approved"


def test_prod_waits_for_manual_approval(config):
    params = {p["Name"]: p for p in json.loads(definition(config, "prod", TAG))["Parameters"]}
    assert params["ModelApprovalStatus"]["DefaultValue"] == "PendingManualApproval"


def test_steps_evaluate_before_registering_and_images_are_pinned(dev_definition, config):
    doc = json.loads(dev_definition)
    assert [(s["Name"], s["Type"]) for s in doc["Steps"]] == [
        ("Preprocess", "Processing"),
        ("Train", "Training"),
        ("Evaluate", "Processing"),
        ("CheckAccuracy", "Condition"),
    ]
    steps = steps_by_name(doc)
    gate = steps["CheckAccuracy"]["Arguments"]
    assert [s["Type"] for s in gate["IfSteps"]] == ["RegisterModel"]
    assert [s["Type"] for s in gate["ElseSteps"]] == ["Fail"]
    assert {c["Type"] for c in gate["Conditions"]} == {"GreaterThanOrEqualTo"}
    rights = [c["RightValue"] for c in gate["Conditions"]]
    assert {"Get": "Parameters.AccuracyThreshold"} in rights
    assert any(r.get("Std:JsonGet", {}).get("Path") == "champion.accuracy" for r in rights)
    register = steps["Register"]["Arguments"]
    assert register["InferenceSpecification"]["Containers"][0]["Image"] == config.image_uri("inference", TAG)
    assert register["ModelPackageGroupName"] == config.model_package_group("dev")
    assert register["ModelMetrics"]["ModelQuality"]["Statistics"]["ContentType"] == "application/json"
    assert steps["Train"]["Arguments"]["AlgorithmSpecification"]["TrainingImage"] == config.image_uri("training", TAG)
    assert ":latest" not in dev_definition
    assert code_prefix(config, "dev") in dev_definition


def test_latest_is_refused(config):
    from awsenv.config import ConfigError

    with pytest.raises(ConfigError, match="'latest' is not allowed"):
        definition(config, "dev", "latest")
