"""The training pipeline: data split/upload, step scripts, the SageMaker Pipeline definition
and the local executor that runs that same definition on the emulator (see README.md)."""
