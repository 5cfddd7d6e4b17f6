"""The local executor's S3 transfers: one request per small object, the transfer manager for large ones."""

from __future__ import annotations

import pytest

from training_pipeline.local_executor import s3io


@pytest.fixture
def s3(emulator):
    from awsenv.emulator import ensure_bucket
    from awsenv.sessions import EnvSession

    client = EnvSession(emulator, "dev", local=True).s3
    ensure_bucket(client, "io-bucket", emulator.region)
    return client


FILES = {"model.tar.gz": b"\x1f\x8b" + bytes(range(256)) * 40, "nested/deeper/part.csv": b"a,b\n1,2\n", "empty": b""}


@pytest.mark.parametrize("threshold", [s3io.MULTIPART_BYTES, 0], ids=["small objects", "transfer manager"])
def test_a_directory_goes_up_and_comes_back_byte_for_byte(s3, tmp_path, monkeypatch, threshold):
    monkeypatch.setattr(s3io, "MULTIPART_BYTES", threshold)
    source = tmp_path / "source"
    for name, data in FILES.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    assert s3io.upload_directory(s3, source, "s3://io-bucket/run/out/") == len(FILES)
    keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket="io-bucket", Prefix="run/")["Contents"])
    assert keys == sorted(f"run/out/{name}" for name in FILES)
    files = s3io.download_prefix(s3, "s3://io-bucket/run/out", tmp_path / "back")
    assert sorted(p.relative_to(tmp_path / "back").as_posix() for p in files) == sorted(FILES)
    for name, data in FILES.items():
        assert (tmp_path / "back" / name).read_bytes() == data


def test_a_prefix_that_is_one_object_lands_as_its_base_name(s3, tmp_path):
    s3.put_object(Bucket="io-bucket", Key="data/train.csv", Body=b"x\n")
    s3.put_object(Bucket="io-bucket", Key="data/folder/", Body=b"")  # a "directory" marker is skipped
    assert [p.name for p in s3io.download_prefix(s3, "s3://io-bucket/data/train.csv", tmp_path)] == ["train.csv"]
    assert (tmp_path / "train.csv").read_bytes() == b"x\n"
    assert s3io.download_prefix(s3, "s3://io-bucket/nothing-here", tmp_path / "none") == []
