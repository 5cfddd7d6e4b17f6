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
