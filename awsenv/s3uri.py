"""S3 URIs, one rule for the whole project (standard library only: the training image imports it).

The step scripts (training_pipeline/steps/*.py) run alone in their container and keep a copy of
`split_s3_uri`; tests/test_s3uri.py holds each copy to this one.
"""

from __future__ import annotations

from awsenv.errors import UserError


class S3UriError(UserError, ValueError):
    """A string that is not an s3://bucket[/key] URI."""


def split_s3_uri(uri: str, *, need_key: bool = False) -> tuple[str, str]:
    """'s3://bucket/some/key' -> ('bucket', 'some/key'); the key may be '' unless `need_key`."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise S3UriError(f"S3 URI: '{uri}' does not start with s3://; give s3://<bucket>/<key>")
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not bucket or (need_key and not key):
        raise S3UriError(f"S3 URI: '{uri}' names no {'object key' if bucket else 'bucket'}; give s3://<bucket>/<key>")
    return bucket, key
