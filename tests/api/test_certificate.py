"""The certificate check records what it sees, and refuses nothing it cannot see."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.powerwall_gateway.api.certificate import (
    CertificateCheck,
    readable_fingerprint,
)


async def _noop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


@pytest.mark.parametrize("pinned", [None, bytes(32)])
async def test_a_connection_without_tls_has_no_certificate_to_record(pinned: bytes | None) -> None:
    server = await asyncio.start_server(_noop, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        check = CertificateCheck(pinned)
        check.check(writer.transport)  # type: ignore[arg-type]
        assert check.seen is None
    finally:
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()


def test_a_fingerprint_reads_as_a_browser_shows_it_in_rows() -> None:
    """Colon-separated upper-case bytes, as browsers' certificate viewers show SHA-256, 8 to a row.

    Four rows a person compares one by one; a dialog never wraps inside a row.
    """
    fingerprint = "8bb3591a2c" + "0" * 52 + "ff"
    assert readable_fingerprint(fingerprint) == (
        "8B:B3:59:1A:2C:00:00:00\n"
        "00:00:00:00:00:00:00:00\n"
        "00:00:00:00:00:00:00:00\n"
        "00:00:00:00:00:00:00:FF"
    )


def test_a_fingerprint_joined_again_is_what_a_browser_shows() -> None:
    """Without the line breaks it is character for character Firefox's SHA-256 line."""
    fingerprint = bytes(range(32)).hex()
    assert readable_fingerprint(fingerprint).replace("\n", ":") == ":".join(
        f"{byte:02X}" for byte in range(32)
    )


def test_no_fingerprint_reads_as_nothing() -> None:
    assert readable_fingerprint("") == ""
