"""The gateway's TLS certificate: recorded on every connection, pinned when asked.

Gateways only have self-signed certificates, so the client cannot verify them
against an authority; what it can do is remember the certificate's SHA-256 and,
once a caller pins it, refuse any other before a password or session is sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import re

import aiohttp


def fingerprint_bytes(fingerprint: str | None) -> bytes | None:
    """Return the SHA-256 digest of a hex fingerprint (colons and case ignored)."""
    if fingerprint is None:
        return None
    text = fingerprint.strip().replace(":", "").lower()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise ValueError("The certificate fingerprint must be a SHA-256 digest in hex (64 digits)")
    return bytes.fromhex(text)


# Bytes per row of a readable fingerprint: 4 rows for a SHA-256 digest.
_BYTES_PER_ROW = 8


def readable_fingerprint(fingerprint: str) -> str:
    """A hex fingerprint as browsers' certificate viewers show it, in rows: "8B:B3:59:…".

    Upper-case byte pairs joined by colons, as Firefox shows a SHA-256
    fingerprint, cut into rows of 8 bytes on lines of their own, so a person
    compares it row by row and a narrow dialog never wraps inside a row.
    """
    pairs = [fingerprint[i : i + 2].upper() for i in range(0, len(fingerprint), 2)]
    return "\n".join(
        ":".join(pairs[i : i + _BYTES_PER_ROW]) for i in range(0, len(pairs), _BYTES_PER_ROW)
    )


class CertificateCheck(aiohttp.Fingerprint):
    """Record the peer certificate of every new connection, and enforce a pin if set.

    ``aiohttp`` hands each new TLS transport to the request's ``Fingerprint``;
    this is the one place the certificate is reliably visible, as the response
    releases its connection as soon as a small body has arrived.
    """

    def __init__(self, pinned: bytes | None) -> None:
        """Pin ``pinned`` (a SHA-256 digest), or accept any certificate when ``None``."""
        super().__init__(pinned if pinned is not None else bytes(32))
        self.pinned = pinned
        self.seen: str | None = None

    def check(self, transport: asyncio.Transport) -> None:
        """Record the certificate's SHA-256; raise on a pin mismatch."""
        ssl_object = transport.get_extra_info("ssl_object")
        certificate = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        if certificate is None:
            return
        digest = hashlib.sha256(certificate).digest()
        self.seen = digest.hex()
        if self.pinned is not None and digest != self.pinned:
            host, port, *_ = transport.get_extra_info("peername")
            raise aiohttp.ServerFingerprintMismatch(self.pinned, digest, host, port)
