"""Request ids: 32 hex characters, unique per server, without a system call per request.

Each process draws a random 80-bit prefix once (again in a forked child, so gunicorn's workers
never share one) and appends a 48-bit counter. The id names a request in the log and in its
answer (`X-Request-Id`); it is not a secret and grants nothing.
"""

from __future__ import annotations

import itertools
import os
import secrets


class RequestIds:
    def __init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self.prefix = secrets.token_hex(10)
        self.counter = itertools.count(1)  # next() on it is atomic: threads never get the same number

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.counter) & 0xFFFF_FFFF_FFFF:012x}"


new_request_id = RequestIds()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=new_request_id.reseed)
