from tests.inference.conftest import tiny_archive, tiny_model_dir  # noqa: F401 - shared fixtures
