"""Gateway addresses as people type them, normalised to one spelling per gateway.

The config flow, discovery and the client all compare hosts; a gateway must
not become two entries because one was typed ``GW.local:443`` and the other
``https://gw.local/``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final

DEFAULT_PORT: Final = 443

_HOSTNAME_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")


def normalize_host(value: str) -> str:
    """Return ``value`` as ``host``, ``host:port`` or ``[v6]:port``; raise ``ValueError``.

    Accepts what people paste: surrounding spaces, an ``https://`` prefix and a
    trailing ``/``. Host names are lower-cased, IPv6 addresses compressed and
    bracketed, and the default port 443 dropped, so one gateway has one spelling.
    """
    text = value.strip()
    lowered = text.lower()
    for scheme in ("https://", "http://"):
        if lowered.startswith(scheme):
            text = text[len(scheme) :]
            break
    text = text.removesuffix("/")
    if not text:
        raise ValueError("The host is empty; enter the gateway's IP address or host name")
    if any(char.isspace() for char in text):
        raise ValueError(f"The host {value!r} contains a space")
    if any(char in text for char in "/?#@\\"):
        raise ValueError(
            f"The host {value!r} must be a host name or IP address only, without a path"
        )
    if text.startswith("["):
        address, bracket, rest = text[1:].partition("]")
        if not bracket:
            raise ValueError(f"The host {value!r} has an unclosed '['")
        host = _ipv6(address, value)
        if rest and not rest.startswith(":"):
            raise ValueError(f"The host {value!r} has text after the IPv6 address")
        port = _port(rest[1:], value) if rest else None
    elif text.count(":") > 1:
        host, port = _ipv6(text, value), None
    else:
        name, colon, port_text = text.partition(":")
        host = _hostname(name, value)
        port = _port(port_text, value) if colon else None
    if port is None or port == DEFAULT_PORT:
        return host
    return f"{host}:{port}"


def _ipv6(text: str, original: str) -> str:
    if "%" in text:
        raise ValueError(f"The host {original!r} has an IPv6 zone, which is not supported")
    try:
        return f"[{ipaddress.IPv6Address(text).compressed}]"
    except ValueError:
        raise ValueError(f"The host {original!r} is not a valid IPv6 address") from None


def _hostname(text: str, original: str) -> str:
    name = text.lower().removesuffix(".")
    labels = name.split(".")
    if all(label.isdecimal() for label in labels):
        try:
            return str(ipaddress.IPv4Address(name))
        except ValueError:
            raise ValueError(f"The host {original!r} is not a valid IPv4 address") from None
    if len(name) > 253 or not all(
        label.isascii() and _HOSTNAME_LABEL.fullmatch(label) for label in labels
    ):
        raise ValueError(f"The host {original!r} is not a valid host name")
    return name


def _port(text: str, original: str) -> int:
    if not text.isascii() or not text.isdecimal():
        raise ValueError(f"The port in {original!r} must be a number from 1 to 65535")
    port = int(text)
    if not 1 <= port <= 65535:
        raise ValueError(f"The port in {original!r} must be a number from 1 to 65535")
    return port
