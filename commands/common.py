"""What every task needs: configuration with one-line errors, and shared help texts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from invoke import Exit

from awsenv.config import Config, check_env, load_config
from awsenv.errors import UserError, aws_error_message

ENV_HELP = "environment: dev, staging or prod"
LOCAL_HELP = "use the local emulator on 127.0.0.1 instead of AWS (start it with `invoke emulator.start`)"
DRY_RUN_HELP = "print the exact commands instead of running them"


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a UserError, or an AWS error, into a clean non-zero exit with its one-line message(s)."""
    try:
        yield
    except UserError as error:
        raise Exit(f"error: {error}".replace("\n", "\nerror: "), code=1) from None
    except Exception as error:
        message = aws_error_message(error)
        if message is None:
            raise
        raise Exit(f"error: {message}", code=1) from None


def config() -> Config:
    with user_errors():
        return load_config()


def env_config(env: str) -> Config:
    """Validate `--env` first (so a typo is named even when .env is incomplete), then load config."""
    with user_errors():
        check_env(env)
    return config()
