"""Run the SageMaker pipeline definition JSON locally, on the emulator, without Docker.

`run_definition(session, definition_json, parameters)` (an emulator `EnvSession`) executes any definition made of
Processing, Training (script mode), Condition, RegisterModel and Fail steps; `run_local`
prepares the emulator (code upload, model package group, pipeline record) and runs the
project's own pipeline. See training_pipeline/README.md for what is supported.
"""

from training_pipeline.local_executor.errors import ExecutorError, StepFailed
from training_pipeline.local_executor.local_run import run_local
from training_pipeline.local_executor.runner import run_definition

__all__ = ["ExecutorError", "StepFailed", "run_definition", "run_local"]
