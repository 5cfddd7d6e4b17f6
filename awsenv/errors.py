"""Base class of every error a user can fix. Tasks print `str(error)` (one line per problem)
and exit non-zero; they never show a traceback for one of these."""


class UserError(Exception):
    """A problem with the user's input, configuration or environment, and what to do about it."""
