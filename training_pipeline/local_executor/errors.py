"""Errors of the local executor (one line each; the runner names the failed step)."""

from __future__ import annotations

from awsenv.errors import UserError


class ExecutorError(UserError):
    """A definition the executor cannot run, or a step that failed."""


class StepFailed(ExecutorError):
    """A step ended unsuccessfully; `step` names it, the message says why."""

    def __init__(self, step: str, reason: str):
        self.step, self.reason = step, reason
        super().__init__(f"pipeline step '{step}' failed: {reason}")
