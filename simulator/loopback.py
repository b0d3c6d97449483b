"""The simulator's one network rule: it listens on, and answers, loopback only."""

from __future__ import annotations

import ipaddress


def loopback_host(host: str) -> str:
    """Return ``host`` if it is a loopback address (``localhost`` means 127.0.0.1).

    Host names other than ``localhost`` are refused rather than resolved: a
    name can resolve to anything, and the simulator neither listens on nor
    talks to anything but loopback.
    """
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"the simulator binds only loopback addresses, not {host!r}") from None
    # Python 3.13+ judges an IPv4-mapped address (::ffff:127.0.0.1) by the one it maps.
    if not address.is_loopback:
        raise ValueError(f"the simulator binds only loopback addresses, not {host!r}")
    return host


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address :func:`loopback_host` accepts."""
    try:
        loopback_host(host)
    except ValueError:
        return False
    return True


def host_name(host: str) -> str:
    """Return the host of a ``Host`` header value, without port or IPv6 brackets."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host
