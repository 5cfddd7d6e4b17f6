"""Errors a user can fix, and the one-line form of AWS errors.

Tasks print `str(error)` of a UserError (one line per problem) and exit non-zero; botocore
errors reaching a task are turned into one line by `aws_error_message`. Neither ever shows a
traceback.
"""

from __future__ import annotations

from urllib.parse import urlparse


class UserError(Exception):
    """A problem with the user's input, configuration or environment, and what to do about it."""


NOT_FOUND_CODES = frozenset(
    {"404", "NoSuchBucket", "NoSuchKey", "NotFound", "ResourceNotFound", "ResourceNotFoundException"}
)
_NOT_FOUND_MESSAGES = ("could not find", "not found", "does not exist")


def is_not_found(error: BaseException) -> bool:
    """True when `error` is an AWS "no such resource" answer (any service), False for anything else.

    S3 and most services say so in the error code; SageMaker answers ValidationException with
    "Could not find ..." / "... does not exist" in the message, so both are read."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    details = response.get("Error", {})
    if details.get("Code", "") in NOT_FOUND_CODES:
        return True
    message = str(details.get("Message", "")).lower()
    return details.get("Code") == "ValidationException" and any(text in message for text in _NOT_FOUND_MESSAGES)


def aws_error_message(error: BaseException) -> str | None:
    """One line for a botocore error (missing profile or credentials, unreachable endpoint, an
    API error); None for anything else. botocore is imported only when the error is one of its."""
    if not type(error).__module__.startswith("botocore"):
        return None
    from botocore import exceptions as aws

    if isinstance(error, aws.ProfileNotFound):
        profile = error.kwargs.get("profile", "")
        return (
            f"aws: profile '{profile}' is not in ~/.aws/config; add it, or set AWS_PROFILE_<ACCOUNT> in .env "
            "to your profile for that account"
        )
    if isinstance(error, aws.NoCredentialsError):
        return "aws: no credentials found; log in to the account's profile (e.g. `aws sso login --profile dev`), or in CI assume the role first"
    if isinstance(error, aws.EndpointConnectionError):
        url = error.kwargs.get("endpoint_url", "")
        if urlparse(url).hostname in ("127.0.0.1", "localhost"):
            return f"aws: cannot reach the emulator at {url}; start it with `invoke emulator.start`"
        return f"aws: cannot reach {url}; check the network and AWS_REGION"
    if isinstance(error, aws.ClientError):
        details = error.response.get("Error", {})
        return f"aws: {error.operation_name} failed: {details.get('Code', '?')}: {details.get('Message', '')}".rstrip(
            ": "
        )
    if isinstance(error, aws.BotoCoreError):
        return f"aws: {error}"
    return None
