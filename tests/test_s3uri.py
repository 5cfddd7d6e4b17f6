"""One rule for S3 URIs: awsenv.s3uri, and the step scripts' self-contained copies of it."""

from __future__ import annotations

import importlib.util

import pytest

from awsenv.s3uri import S3UriError, split_s3_uri

URIS = ["s3://b/k", "s3://b/a/b/c.json", "s3://b/", "s3://b", "s3://", "b/k", "S3://b/k", "", "s3:///k"]


def test_split():
    assert split_s3_uri("s3://bucket/a/b.json") == ("bucket", "a/b.json")
    assert split_s3_uri("s3://bucket/") == ("bucket", "")
    assert split_s3_uri("s3://bucket") == ("bucket", "")


@pytest.mark.parametrize("uri", ["bucket/key", "", "s3://", "s3:///key", "https://bucket/key"])
def test_not_an_s3_uri_is_a_one_line_user_error(uri):
    with pytest.raises(S3UriError) as error:
        split_s3_uri(uri)
    assert f"'{uri}'" in str(error.value) and "\n" not in str(error.value)


def test_an_object_uri_needs_a_key():
    with pytest.raises(S3UriError, match="names no object key"):
        split_s3_uri("s3://bucket/", need_key=True)


def _outcome(split, uri):
    try:
        return split(uri)
    except ValueError:
        return "error"


@pytest.mark.parametrize("uri", URIS)
def test_the_evaluate_step_splits_like_the_shared_helper(repo_root, uri):
    spec = importlib.util.spec_from_file_location("evaluate_step", repo_root / "training_pipeline/steps/evaluate.py")
    step = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(step)
    assert _outcome(step.split_s3_uri, uri) == _outcome(lambda u: split_s3_uri(u, need_key=True), uri)
