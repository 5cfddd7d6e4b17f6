"""Step scripts in-process: the model artifact contract and the evaluation report layout."""

from __future__ import annotations

import hashlib
import json
import tarfile

import pytest

from tests.conftest import load_step
from training_pipeline.local_executor.containers import _model_tar

load = load_step


def write_channel(directory, rows):
    directory.mkdir(parents=True)
    text = "transcription,medical_specialty\n" + "".join(f"{t},{label}\n" for t, label in rows)
    (directory / "data.csv").write_text(text)


ROWS = [(f"heart chest pain {i}", "Cardio") for i in range(6)] + [
    (f"knee fracture cast {i}", "Ortho") for i in range(6)
]


def test_train_writes_the_model_contract_and_evaluate_the_report(tmp_path, monkeypatch):
    train = load("train")
    hp_file = tmp_path / "hyperparameters.json"
    hp_file.write_text(
        json.dumps({"max_features": "50", "ngram_max": "1", "C": "1.0", "sagemaker_program": '"train.py"'})
    )
    params = train.hyperparameters(hp_file)
    assert params == {"max_features": 50, "ngram_max": 1, "C": 1.0}
    write_channel(tmp_path / "train", ROWS)
    metadata = train.train(tmp_path / "train", None, tmp_path / "model", params)
    assert metadata["labels"] == ["Cardio", "Ortho"]
    assert metadata["text_column"] == "transcription" and metadata["label_column"] == "medical_specialty"

    import joblib

    model = joblib.load(tmp_path / "model" / "model.joblib")
    assert list(model.classes_) == ["Cardio", "Ortho"]
    assert model.predict_proba(["chest pain"]).shape == (1, 2)

    # evaluate.py reads model.tar.gz as SageMaker would hand it over
    root = tmp_path / "opt_ml" / "processing"
    (root / "model").mkdir(parents=True)
    (root / "model" / "model.tar.gz").write_bytes(_model_tar(tmp_path / "model"))
    with tarfile.open(root / "model" / "model.tar.gz") as tar:
        assert sorted(tar.getnames()) == ["linear.npz", "metadata.json", "model.joblib"]
    write_channel(root / "test", ROWS[:2] + ROWS[-2:])
    monkeypatch.setenv("OPT_ML_ROOT", str(tmp_path / "opt_ml"))
    assert load("evaluate").main([]) == 0
    report = json.loads((root / "evaluation" / "evaluation.json").read_text())
    metrics = report["multiclass_classification_metrics"]
    assert metrics["accuracy"] == {"value": 1.0, "standard_deviation": "NaN"}
    assert metrics["macro_f1"]["value"] == 1.0
    assert metrics["confusion_matrix"] == {"Cardio": {"Cardio": 2, "Ortho": 0}, "Ortho": {"Cardio": 0, "Ortho": 2}}
    assert report["classification_report"]["Cardio"]["support"] == 2
    assert report["champion"] == {"accuracy": 0.0}


def test_preprocess_drops_empty_texts_and_labels_unknown_to_train():
    preprocess = load("preprocess")
    cleaned, log = preprocess.clean(
        {
            "train": [("a", "A"), ("b", "B"), ("", "A")],
            "test": [("c", "A"), ("d", "Z")],
            "validation": [("e", "B")],
        }
    )
    assert cleaned == {"train": [("a", "A"), ("b", "B")], "test": [("c", "A")], "validation": [("e", "B")]}
    assert log == [
        "train: dropped 1 rows with an empty text or label",
        "test: dropped 1 rows whose label is not in train",
    ]


def test_preprocess_verifies_a_dataset_version_and_passes_its_id_on(tmp_path, monkeypatch):
    from training_pipeline.dataset import SAMPLE_CSV
    from training_pipeline.splits import prepare

    source = tmp_path / "opt_ml" / "processing" / "input"
    prepared = prepare(SAMPLE_CSV, source)
    monkeypatch.setenv("OPT_ML_ROOT", str(tmp_path / "opt_ml"))
    preprocess = load("preprocess")
    preprocess.main()
    output = tmp_path / "opt_ml" / "processing" / "output"
    assert json.loads((output / "test" / "dataset.json").read_text()) == {
        "dataset_id": prepared.dataset_id,
        "uri": None,
    }
    assert len((output / "train" / "data.csv").read_text().splitlines()) == 841

    damaged = source / "train" / "data.csv"
    damaged.write_bytes(damaged.read_bytes().replace(b"Urology", b"Urologx", 1))
    with pytest.raises(SystemExit) as stopped:
        preprocess.main()
    assert str(stopped.value) == (
        "preprocess: train/data.csv is missing or does not match manifest.json; upload the data again"
    )


def test_step_scripts_read_channels_with_the_uploaders_rules(tmp_path):
    channel = tmp_path / "train"
    channel.mkdir()
    (channel / "data.csv").write_bytes(
        b'\xef\xbb\xbftranscription,medical_specialty\r\n"a ' + b"x" * 200_000 + b'\r\nb",A\r\n'
    )
    texts, labels = load("train").read_channel(channel)
    assert labels == ["A"] and len(texts[0]) == 200_004
    (channel / "data.csv").write_text("transcription,medical_specialty,transcription\nt,A,k\n")
    with pytest.raises(SystemExit) as stopped:
        load("preprocess").read_channel(channel)
    assert str(stopped.value) == (
        "preprocess: train/data.csv: line 1: column 'transcription' appears twice in the header "
        "(columns 1 and 3); rename or remove one"
    )


THREE_CLASSES = (
    [(f"heart chest pain {i}", "Cardio") for i in range(8)]
    + [(f"knee fracture cast {i}", "Ortho") for i in range(8)]
    + [(f"rash itch skin {i}", "Derm") for i in range(8)]
)


def test_the_trained_model_takes_the_fast_serving_path_and_evaluate_predicts_as_it(tmp_path):
    """model.joblib (standard pickle) loads with joblib, serves through FastTfidfLinear with
    scikit-learn's probabilities, and Evaluate's one-pass predictions are `predict`'s."""
    import joblib
    import numpy

    from inference.fast_linear import FastTfidfLinear, accelerate

    train = load("train")
    write_channel(tmp_path / "train", THREE_CLASSES)
    train.train(tmp_path / "train", None, tmp_path / "model", dict(train.DEFAULTS))
    model = joblib.load(tmp_path / "model" / "model.joblib")
    texts = ["chest pain and a rash", "knee", "skin itch after a cast", "nothing known"]
    fast = accelerate(model)
    assert isinstance(fast, FastTfidfLinear)
    numpy.testing.assert_allclose(fast.predict_proba(texts), model.predict_proba(texts), rtol=1e-9, atol=1e-12)
    evaluate = load("evaluate")
    assert evaluate.most_likely(model, model.predict_proba(texts)) == [str(p) for p in model.predict(texts)]


def test_preprocess_downloads_the_version_the_pointer_names_and_refuses_a_damaged_one(emulator, tmp_path, monkeypatch):
    from awsenv.sessions import EnvSession
    from training_pipeline.upload import upload

    session = EnvSession(emulator, "dev", local=True)
    result = upload(session, progress=lambda _: None)
    for key, value in session.credentials_environ().items():
        monkeypatch.setenv(key, value)
    bucket = emulator.data_bucket("dev")
    pointer = json.loads(session.s3.get_object(Bucket=bucket, Key="datasets/current.json")["Body"].read())
    preprocess = load("preprocess")

    directory = preprocess.download_version(pointer, tmp_path / "good")
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["dataset_id"] == result["dataset_id"]
    for key, facts in manifest["files"].items():
        assert preprocess.sha256(directory / key) == facts["sha256"]

    key = f"datasets/{result['dataset_id']}/test/data.csv"
    body = session.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    session.s3.put_object(Bucket=bucket, Key=key, Body=body.replace(b"Urology", b"Urologx", 1))
    with pytest.raises(SystemExit) as stopped:
        preprocess.download_version(pointer, tmp_path / "damaged")
    assert str(stopped.value) == "preprocess: test/data.csv does not match manifest.json; upload the data again"

    session.s3.delete_object(Bucket=bucket, Key=key)
    with pytest.raises(SystemExit) as stopped:
        preprocess.download_version(pointer, tmp_path / "missing")
    assert str(stopped.value) == f"preprocess: s3://{bucket}/{key} is missing; upload the data again"

    # a manifest (matching its pointer) that names a path outside the download directory
    crafted = json.dumps({"files": {"../escaped.csv": {"sha256": "0" * 64}}}).encode()
    session.s3.put_object(Bucket=bucket, Key="datasets/crafted/manifest.json", Body=crafted)
    session.s3.put_object(Bucket=bucket, Key="datasets/crafted/../escaped.csv", Body=b"text,label\n")
    crafted_pointer = {
        **pointer,
        "uri": f"s3://{bucket}/datasets/crafted/",
        "manifest_sha256": hashlib.sha256(crafted).hexdigest(),
    }
    with pytest.raises(SystemExit) as stopped:
        preprocess.download_version(crafted_pointer, tmp_path / "crafted" / "dataset")
    assert str(stopped.value) == (
        "preprocess: manifest.json names '../escaped.csv', outside the dataset; upload the data again"
    )
    assert not (tmp_path / "crafted" / "escaped.csv").exists()


def test_a_model_written_with_pickle_loads_without_joblib_and_older_joblib_files_still_load(tmp_path, monkeypatch):
    """metadata.json's "serialization": "pickle" sends Evaluate and the hosting handler to the C
    unpickler; an artifact without it (written by joblib.dump, here compressed, which pickle
    cannot read) still goes through joblib."""
    import joblib

    from inference.handler import _load_pickled

    train = load("train")
    evaluate = load("evaluate")
    write_channel(tmp_path / "train", THREE_CLASSES)
    metadata = train.train(tmp_path / "train", None, tmp_path / "model", dict(train.DEFAULTS))
    assert metadata["serialization"] == "pickle"
    archive_dir = tmp_path / "current"
    archive_dir.mkdir()
    (archive_dir / "model.tar.gz").write_bytes(_model_tar(tmp_path / "model"))

    def no_joblib(*_args, **_kwargs):
        raise AssertionError("joblib.load was used")

    with monkeypatch.context() as patched:
        patched.setattr(joblib, "load", no_joblib)
        model, _ = evaluate.load_model(archive_dir)
        served = _load_pickled(tmp_path / "model" / "model.joblib", metadata)
    assert list(model.classes_) == list(served.classes_) == ["Cardio", "Derm", "Ortho"]

    older = tmp_path / "older"
    older.mkdir()
    joblib.dump(model, older / "model.joblib", compress=3)
    (older / "metadata.json").write_text(json.dumps({"family": "tfidf"}))
    (tmp_path / "older-archive").mkdir()
    (tmp_path / "older-archive" / "model.tar.gz").write_bytes(_model_tar(older))
    old_model, _ = evaluate.load_model(tmp_path / "older-archive")
    assert list(old_model.classes_) == list(_load_pickled(older / "model.joblib", {}).classes_)
    with pytest.raises(Exception):  # noqa: B017 - what the C unpickler raises on joblib's format varies
        _load_pickled(older / "model.joblib", {"serialization": "pickle"})
