"""Configuration, AWS sessions and the local AWS emulator: the one place that owns them.

Everything else in the repository gets account ids, region, names and boto3/SageMaker
sessions from here; nothing else reads `.env` or builds a session.
"""
