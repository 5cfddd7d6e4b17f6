"""Refuse, and record, every connection or name lookup that is not for the loopback interface.

`install()` patches `socket.socket.connect` and `socket.getaddrinfo` of this process; what was
refused is in `REFUSED`. Used by tests that prove nothing reaches a real AWS host.
"""

from __future__ import annotations

import ipaddress
import socket

REFUSED: list[str] = []
_connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo


def loopback(host) -> bool:
    if host in (None, "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not loopback(address[0]):
        REFUSED.append(f"connect {address[0]}:{address[1]}")
        raise ConnectionRefusedError(f"test: connection to {address[0]} refused (loopback only)")
    return _connect(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not loopback(host):
        REFUSED.append(f"lookup {host}")
        raise socket.gaierror(f"test: lookup of {host} refused (loopback only)")
    return _getaddrinfo(host, *args, **kwargs)


def install(monkeypatch=None) -> list[str]:
    """Guard this process (through `monkeypatch` when given, so a test undoes it); returns REFUSED."""
    REFUSED.clear()
    for name, value in (("connect", _guarded_connect),):
        if monkeypatch:
            monkeypatch.setattr(socket.socket, name, value)
        else:
            setattr(socket.socket, name, value)
    if monkeypatch:
        monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)
    else:
        socket.getaddrinfo = _guarded_getaddrinfo
    return REFUSED
