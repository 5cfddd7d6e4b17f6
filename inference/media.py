"""Content negotiation per RFC 9110 section 12.5.1: which response type an `Accept` header picks.

    negotiate("text/csv, application/json", OFFERED) -> "text/csv"
    negotiate("application/*", OFFERED)              -> "application/json"
    negotiate("application/json, text/plain, */*")  -> "application/json"   (axios's default)
    negotiate("image/png")                           -> None                 (406)

Each offered type gets the quality of the most specific range that matches it (`type/subtype`
over `type/*` over `*/*`; media-type parameters other than q are ignored). The highest
quality wins; ties go to the range listed first, then to the order of `offered`. q=0 means
"not acceptable". A missing or empty header accepts anything (the first offered type).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    quality: float
    position: int

    def specificity(self, media_type: str) -> int:
        """-1 if the range does not match `media_type`, else 0 (*/*), 1 (type/*) or 2 (exact)."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0 if self.subtype == "*" else -1
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return 0.0  # an unreadable weight accepts nothing rather than everything
            return min(max(quality, 0.0), 1.0)
    return 1.0


def parse_accept(header: str) -> list[MediaRange]:
    ranges = []
    for position, item in enumerate(header.split(",")):
        media, *parameters = item.split(";")
        main, slash, sub = media.strip().lower().partition("/")
        if not main or not slash or not sub:
            continue  # not a media range: skipped, as a lenient server does
        ranges.append(MediaRange(main, sub, _quality(parameters), position))
    return ranges


@lru_cache(maxsize=256)  # clients repeat their Accept header: parse each one once
def negotiate(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered media type `accept` prefers, or None when it accepts none of them."""
    if accept is None or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best: tuple[float, int, int] | None = None
    chosen = None
    for order, media_type in enumerate(offered):
        matching = [(r.specificity(media_type), r) for r in ranges if r.specificity(media_type) >= 0]
        if not matching:
            continue
        _, winner = max(matching, key=lambda pair: (pair[0], -pair[1].position))
        key = (winner.quality, -winner.position, -order)
        if winner.quality > 0 and (best is None or key > best):
            best, chosen = key, media_type
    return chosen
