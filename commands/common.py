"""What every task needs: the `task` decorator, configuration with one-line errors, shared help texts.

Every task module uses `task` from here, not invoke's: it declares every argument as a
`--flag`. invoke makes an argument without a default positional, and a positional argument
swallows the next word, even `--help`: `invoke endpoint.serve --help` failed with
"env: '--help' is not an environment". As flags, `--help` always shows the help, and a
missing required flag (`--env`) is a one-line error naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import invoke
from invoke import Exit

from awsenv.config import Config, check_env, load_config
from awsenv.errors import UserError, aws_error_message

ENV_HELP = "environment: dev, staging or prod"
LOCAL_HELP = "use the local emulator on 127.0.0.1 instead of AWS (start it with `invoke emulator.start`)"
DRY_RUN_HELP = "print the exact commands instead of running them"


def task(*args, **kwargs):
    """invoke's @task with no positional arguments (see module docstring)."""
    kwargs.setdefault("positional", [])
    return invoke.task(*args, **kwargs)


def required(name: str, value, example: str):
    """`value`, or a one-line error when the required `--name` flag was not given."""
    if value in (None, ""):
        raise Exit(f"error: --{name.replace('_', '-')} is required; e.g. {example}", code=1)
    return value


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
    required("env", env, "--env=dev (one of dev, staging, prod)")
    with user_errors():
        check_env(env)
    return config()
