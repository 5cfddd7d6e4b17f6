"""Accept negotiation per RFC 9110 section 12.5.1."""

from __future__ import annotations

import pytest

from inference.handler import RESPONSE_TYPES
from inference.media import negotiate


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("text/csv, application/json", "text/csv"),
        ("application/json, text/csv", "application/json"),
        ("application/*", "application/json"),
        ("application/json, text/plain, */*", "application/json"),
        ("text/plain, */*;q=0.1", "application/json"),
        ("text/csv;q=0.4, application/json;q=0.9", "application/json"),
        ("Text/CSV", "text/csv"),
        ("application/jsonlines; charset=utf-8", "application/jsonlines"),
        ("application/*;q=0.2, text/csv;q=0.3", "text/csv"),
        ("*/*, application/json;q=0", "application/jsonlines"),  # the more specific range rules json out
        ("image/png", None),
        ("application/json;q=0", None),
        ("text/csv;q=abc", None),
        ("nonsense", "application/json"),  # no media range at all: treated as absent
    ],
)
def test_negotiate(accept, expected):
    assert negotiate(accept, RESPONSE_TYPES) == expected
