"""Fill moto's gaps, in one place, for the emulator process and the test fixtures.

Each gap is one function decorated with `@extension` in this package's modules (`runtime`: what
the project's own calls need; `readback`: values the Terraform AWS provider reads back;
`destroy`: what `terraform destroy` calls; `server`: per-request work of moto's server that no
AWS behaviour needs); `install()` applies them all, once, to this process's
moto backends. Each says which AWS behaviour it emulates and why moto needs it. Product code never knows whether it talks to AWS or to this.
"""

from __future__ import annotations

from collections.abc import Callable

_EXTENSIONS: dict[str, Callable[[], None]] = {}
_INSTALLED: set[str] = set()


def extension(function: Callable[[], None]) -> Callable[[], None]:
    """Register a moto patch to be applied by `install()`."""
    _EXTENSIONS[function.__name__] = function
    return function


def install() -> None:
    """Apply every registered extension to this process's moto backends (idempotent)."""
    _load()
    for name, function in _EXTENSIONS.items():
        if name not in _INSTALLED:
            function()
            _INSTALLED.add(name)


def _load() -> None:
    """Import the modules that register the extensions (they import this one)."""
    from awsenv.emulator_ext import destroy, readback, runtime, server  # noqa: F401
