"""`invoke data.upload` against the emulator: immutable versions, one pointer flip, repair, rollback."""

from __future__ import annotations

import json

import pytest

from awsenv.sessions import EnvSession, aws_session
from tests.test_cli import run_invoke
from training_pipeline import dataset_store
from training_pipeline.dataset import DataError
from training_pipeline.upload import upload

FILES = ("manifest.json", "test/data.csv", "train/data.csv", "validation/data.csv")
WRITES = ("put_object", "upload_part", "complete_multipart_upload")


class RecordingS3:
    """A real S3 client that records its writes and can fail (or be interrupted) at the n-th one."""

    def __init__(self, client, fail_at: int | None = None, error: BaseException | None = None):
        self.client, self.fail_at, self.error = client, fail_at, error
        self.writes: list[str] = []

    def __getattr__(self, name):
        attribute = getattr(self.client, name)
        if name not in WRITES:
            return attribute

        def write(**kwargs):
            if self.fail_at is not None and len(self.writes) + 1 == self.fail_at:
                raise self.error or ConnectionError("injected failure")
            self.writes.append(kwargs["Key"])
            return attribute(**kwargs)

        return write


def s3_of(cfg, env="dev"):
    return aws_session(cfg, env, local=True).client("s3")


def bucket_state(cfg, env="dev"):
    """Every object version and delete marker: what 'nothing changed' is compared on."""
    listed = s3_of(cfg, env).list_object_versions(Bucket=cfg.data_bucket(env))
    return sorted(
        (item["Key"], item["VersionId"], kind)
        for kind in ("Versions", "DeleteMarkers")
        for item in listed.get(kind, [])
    )


def read(cfg, key, env="dev"):
    return s3_of(cfg, env).get_object(Bucket=cfg.data_bucket(env), Key=key)["Body"].read()


def quiet(_line):
    return None


def small_csv(tmp_path, label_prefix=""):
    lines = ["transcription,medical_specialty"]
    lines += [f"{label} note {i},{label_prefix}{label}" for label in "ABC" for i in range(10)]
    path = tmp_path / f"small{label_prefix}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_upload_writes_a_version_then_the_pointer_and_then_does_nothing_new(emulator):
    lines = []
    s3 = RecordingS3(s3_of(emulator))
    result = upload(EnvSession(emulator, "dev", local=True), progress=lines.append, s3=s3)
    prefix = f"datasets/{result['dataset_id']}/"
    assert s3.writes == [prefix + key for key in FILES[1:]] + [prefix + "manifest.json", "datasets/current.json"]
    assert result["pointer_uri"] == f"s3://{emulator.data_bucket('dev')}/datasets/current.json"
    pointer = json.loads(read(emulator, "datasets/current.json"))
    assert pointer["dataset_id"] == result["dataset_id"]
    assert pointer["uri"] == result["dataset_uri"] == f"s3://{emulator.data_bucket('dev')}/{prefix}"
    manifest = json.loads(read(emulator, prefix + "manifest.json"))
    assert manifest["rows"] == {"train": 840, "test": 180, "validation": 180}
    assert manifest["files"]["train/data.csv"]["bytes"] == len(read(emulator, prefix + "train/data.csv"))
    assert lines[0] == (
        "data: sample_mtsamples.csv: 1,200 rows kept, 6 classes; dropped 0 empty texts and 0 duplicate texts "
        "(0 of them with another label)"
    )
    assert lines[1] == "data: split train 840, test 180, validation 180"
    assert "        209  'Obstetrics / Gynecology'" in lines

    before = bucket_state(emulator)
    again = RecordingS3(s3_of(emulator))
    second = upload(EnvSession(emulator, "dev", local=True), progress=quiet, s3=again)
    assert again.writes == [] and bucket_state(emulator) == before
    assert (second["uploaded"], second["repaired"], second["verified"]) == (0, 0, 4)


def test_a_missing_and_a_damaged_object_are_repaired_by_uploading_again(emulator):
    result = upload(EnvSession(emulator, "dev", local=True), progress=quiet)
    prefix = f"datasets/{result['dataset_id']}/"
    good = {key: read(emulator, prefix + key) for key in FILES}
    s3 = s3_of(emulator)
    s3.delete_object(Bucket=emulator.data_bucket("dev"), Key=prefix + "train/data.csv")
    damaged = good["test/data.csv"].replace(b"Urology", b"Urologx", 1)
    s3.put_object(Bucket=emulator.data_bucket("dev"), Key=prefix + "test/data.csv", Body=damaged)
    lines = []
    repaired = upload(EnvSession(emulator, "dev", local=True), progress=lines.append)
    assert (repaired["uploaded"], repaired["repaired"], repaired["verified"]) == (1, 1, 2)
    assert {key: read(emulator, prefix + key) for key in FILES} == good
    assert any(
        line.startswith(f"  repairing s3://{emulator.data_bucket('dev')}/{prefix}test/data.csv") for line in lines
    )


@pytest.mark.parametrize(
    ("fail_at", "error"),
    [
        (2, ConnectionError("injected")),  # between two data files
        (4, ConnectionError("injected")),  # data written, manifest not
        (5, ConnectionError("injected")),  # everything but the pointer
        (2, KeyboardInterrupt()),  # Ctrl-C between two PUTs
    ],
    ids=["between-files", "before-manifest", "before-pointer", "ctrl-c"],
)
def test_an_interrupted_upload_leaves_the_bucket_exactly_as_it_was(emulator, tmp_path, fail_at, error):
    upload(EnvSession(emulator, "dev", local=True), small_csv(tmp_path), progress=quiet)
    before, pointer = bucket_state(emulator), read(emulator, "datasets/current.json")
    s3 = RecordingS3(s3_of(emulator), fail_at=fail_at, error=error)
    with pytest.raises(type(error)):
        upload(EnvSession(emulator, "dev", local=True), small_csv(tmp_path, "x"), progress=quiet, s3=s3)
    assert len(s3.writes) == fail_at - 1
    assert bucket_state(emulator) == before
    assert read(emulator, "datasets/current.json") == pointer


def test_a_refused_file_changes_nothing(emulator, tmp_path):
    upload(EnvSession(emulator, "dev", local=True), small_csv(tmp_path), progress=quiet)
    before = bucket_state(emulator)
    bad = tmp_path / "bad.csv"
    bad.write_text("transcription,medical_specialty,transcription\nt,A,k\n")
    with pytest.raises(DataError):
        upload(EnvSession(emulator, "dev", local=True), bad, progress=quiet)
    assert bucket_state(emulator) == before


def test_large_files_go_up_in_parts_and_a_failed_part_leaves_nothing(emulator, tmp_path, monkeypatch):
    import moto.s3.models

    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1024)
    monkeypatch.setattr(dataset_store, "PART_SIZE", 8 * 1024)
    s3 = RecordingS3(s3_of(emulator))
    result = upload(EnvSession(emulator, "dev", local=True), progress=quiet, s3=s3)
    train_key = f"datasets/{result['dataset_id']}/train/data.csv"
    parts = s3.writes.count(train_key)
    assert parts > 3  # upload_part calls + complete
    expected = json.loads(read(emulator, f"datasets/{result['dataset_id']}/manifest.json"))["files"]
    facts = expected["train/data.csv"]
    state = dataset_store.object_state(
        s3_of(emulator), emulator.data_bucket("dev"), train_key, facts["sha256"], facts["bytes"]
    )
    assert state == "ok"

    s3_of(emulator).delete_object(Bucket=emulator.data_bucket("dev"), Key=train_key)
    before = bucket_state(emulator)
    failing = RecordingS3(s3_of(emulator), fail_at=3)
    with pytest.raises(ConnectionError):
        upload(EnvSession(emulator, "dev", local=True), progress=quiet, s3=failing)
    assert bucket_state(emulator) == before
    uploads = s3_of(emulator).list_multipart_uploads(Bucket=emulator.data_bucket("dev")).get("Uploads", [])
    assert uploads == []


def test_cli_errors_are_one_line(repo_root, tmp_path):
    from tests.conftest import TEST_ENVIRON

    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in TEST_ENVIRON.items()))
    missing = tmp_path / "missing.csv"
    result = run_invoke(repo_root, "data.upload", "--env=dev", f"--csv={missing}", "--local", env_file=env_file)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"error: {missing}: file not found; pass --csv with the path of a CSV in the mtsamples schema"
    )
    twice = tmp_path / "twice.csv"
    twice.write_text("transcription,medical_specialty,medical_specialty\nt,A,B\n")
    result = run_invoke(repo_root, "data.upload", "--env=dev", f"--csv={twice}", "--local", env_file=env_file)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: twice.csv: line 1: column 'medical_specialty' appears twice in the header (columns 2 and 3); "
        "rename or remove one"
    )
