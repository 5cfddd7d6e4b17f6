"""AWS errors reach the user as one line, never as a traceback."""

from __future__ import annotations

import pytest
from botocore import exceptions as aws
from invoke import Exit

from awsenv.errors import UserError, aws_error_message
from commands.common import user_errors


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (aws.ProfileNotFound(profile="staging"), "aws: profile 'staging' is not in ~/.aws/config; add it"),
        (aws.NoCredentialsError(), "aws: no credentials found; log in to the account's profile"),
        (
            aws.EndpointConnectionError(endpoint_url="http://127.0.0.1:5055/"),
            "aws: cannot reach the emulator at http://127.0.0.1:5055/; start it with `invoke emulator.start`",
        ),
        (
            aws.EndpointConnectionError(endpoint_url="https://s3.eu-west-1.amazonaws.com/"),
            "aws: cannot reach https://s3.eu-west-1.amazonaws.com/; check the network and AWS_REGION",
        ),
        (
            aws.ClientError({"Error": {"Code": "ExpiredToken", "Message": "The token expired"}}, "GetObject"),
            "aws: GetObject failed: ExpiredToken: The token expired",
        ),
    ],
)
def test_botocore_errors_become_one_line(error, expected):
    message = aws_error_message(error)
    assert message.startswith(expected)
    assert "\n" not in message
    with pytest.raises(Exit) as info, user_errors():
        raise error
    assert info.value.message == f"error: {message}"
    assert info.value.code == 1


def test_user_errors_keep_one_line_per_problem():
    with pytest.raises(Exit) as info, user_errors():
        raise UserError("first: bad\nsecond: worse")
    assert info.value.message == "error: first: bad\nerror: second: worse"


def test_other_exceptions_are_not_hidden():
    assert aws_error_message(ValueError("bug")) is None
    with pytest.raises(ValueError, match="bug"), user_errors():
        raise ValueError("bug")


def test_not_found_is_read_from_the_code_or_sagemakers_message(emulator):
    from awsenv.errors import is_not_found
    from awsenv.sessions import aws_session

    session = aws_session(emulator, "dev", local=True)
    s3, sm = session.client("s3"), session.client("sagemaker")
    errors = []
    for call in (
        lambda: s3.head_bucket(Bucket="no-such-bucket-here"),
        lambda: sm.describe_model_package_group(ModelPackageGroupName="no-such-group"),
        lambda: sm.describe_endpoint(EndpointName="no-such-endpoint"),
        lambda: s3.create_bucket(Bucket="Not_A_Valid_Bucket"),
    ):
        try:
            call()
        except s3.exceptions.ClientError as error:
            errors.append(is_not_found(error))
    assert errors == [True, True, True, False]
    assert not is_not_found(ValueError("not found"))


def test_emulator_buckets_are_created_once_in_the_region_and_versioned_on_request(emulator):
    from awsenv.emulator import ensure_bucket
    from awsenv.sessions import aws_session

    s3 = aws_session(emulator, "dev", local=True).client("s3")
    assert ensure_bucket(s3, "made-here", emulator.region, versioned=True) is True
    assert ensure_bucket(s3, "made-here", emulator.region, versioned=True) is False
    assert s3.get_bucket_location(Bucket="made-here")["LocationConstraint"] == emulator.region
    assert s3.get_bucket_versioning(Bucket="made-here")["Status"] == "Enabled"
