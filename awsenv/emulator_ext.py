"""Fill moto's gaps, in one place, for the emulator process and the test fixtures.

`install()` is idempotent. Each extension says which AWS behaviour it emulates and why.
"""

from __future__ import annotations

_INSTALLED: set[str] = set()


def install() -> None:
    """Install every extension into this process's moto backends."""
    for name, extension in _EXTENSIONS.items():
        if name not in _INSTALLED:
            extension()
            _INSTALLED.add(name)


_EXTENSIONS: dict[str, callable] = {}
