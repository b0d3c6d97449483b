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


def test_a_fingerprint_reads_in_groups_of_four_bytes() -> None:
    """Spaces between 4-byte groups: a narrow dialog wraps between bytes, never inside one."""
    fingerprint = "8bb3591a2c" + "0" * 54
    assert readable_fingerprint(fingerprint) == (
        "8B:B3:59:1A 2C:00:00:00 00:00:00:00 00:00:00:00"
        " 00:00:00:00 00:00:00:00 00:00:00:00 00:00:00:00"
    )


def test_no_fingerprint_reads_as_nothing() -> None:
    assert readable_fingerprint("") == ""
