"""A hostile or broken server cannot make the client read more than a few MB.

Each server here is real HTTPS on 127.0.0.1. Memory is measured with
``tracemalloc`` around the one call: before the cap, the gzip bomb cost 2 GB.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import gzip
import json
import ssl
import time
import tracemalloc
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from benchmarks.bench_bomb import BOMB_INFLATED, gzip_bomb
from benchmarks.bench_parse import payload
from custom_components.powerwall_gateway.api import (
    GatewayInfo,
    PowerwallClient,
    PowerwallInvalidResponseError,
)
from custom_components.powerwall_gateway.api.client import (
    MAX_JSON_CONTAINERS,
    MAX_RESPONSE_BYTES,
)
from custom_components.powerwall_gateway.api.models import (
    MAX_BATTERIES,
    MAX_CHECKS,
)

from .conftest import ServeApp

STATUS = "/api/status"
TOO_LARGE = f"larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MB for /api/status"
# What one capped read may cost: the capped body, a copy, and aiohttp's buffers.
MEMORY_BUDGET = 4 * MAX_RESPONSE_BYTES


@pytest.fixture(scope="session")
def bomb() -> bytes:
    return gzip_bomb()


@pytest.fixture
async def client(http: aiohttp.ClientSession) -> Callable[[str], PowerwallClient]:
    def make(host: str) -> PowerwallClient:
        # A long timeout: every refusal below must come from the cap, not the clock.
        return PowerwallClient(host, "", session=http, request_timeout=60.0)

    return make


async def _read_status(client: PowerwallClient) -> tuple[Any, float, int]:
    """Call ``get_gateway_info``; return its result or error, seconds taken, peak bytes."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome: Any = await client.get_gateway_info()
    except PowerwallInvalidResponseError as err:
        outcome = err
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return outcome, elapsed, peak


def _app(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.Application:
    app = web.Application()
    app.router.add_get(STATUS, handler)
    return app


def _status_json(size: int) -> bytes:
    """An ``/api/status`` answer of exactly ``size`` bytes."""
    head = json.dumps({"din": "1232100-00-E--TG123456789A4M", "version": "24.36.2", "pad": ""})
    return head.replace('"pad": ""', '"pad": "' + "x" * (size - len(head)) + '"').encode()


async def test_gzip_bomb_is_refused_with_bounded_memory(
    https_server: ServeApp, client: Callable[[str], PowerwallClient], bomb: bytes
) -> None:
    assert len(bomb) < 1.1e6
    assert BOMB_INFLATED == 1024**3
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Accept-Encoding", ""))
        return web.Response(
            body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
        )

    gateway = client(await https_server(_app(handler)))
    error, elapsed, peak = await _read_status(gateway)

    assert isinstance(error, PowerwallInvalidResponseError)
    assert TOO_LARGE in str(error)
    assert seen == ["identity"]
    assert peak < MEMORY_BUDGET
    assert elapsed < 5
    assert gateway.last_payloads == {}


async def test_endless_chunked_answer_is_cut_at_the_cap(
    https_server: ServeApp, client: Callable[[str], PowerwallClient]
) -> None:
    sent = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        block = b"[" * 65536
        try:
            while True:
                await response.write(block)
                sent += len(block)
        except ConnectionError:
            return response

    error, elapsed, peak = await _read_status(client(await https_server(_app(handler))))

    assert isinstance(error, PowerwallInvalidResponseError)
    assert TOO_LARGE in str(error)
    assert peak < MEMORY_BUDGET
    assert elapsed < 5
    # The client hung up soon after the cap, instead of reading until the timeout.
    assert sent < 64 * MAX_RESPONSE_BYTES


@pytest.fixture
async def raw_tls_server(
    server_ssl_context: ssl.SSLContext,
) -> AsyncIterator[Callable[[bytes, int], Awaitable[str]]]:
    """A TLS server that sends ``head``, then ``size`` bytes of digits, then closes.

    With ``size`` 0 it keeps the connection open until the client closes it.
    """
    servers: list[asyncio.Server] = []

    async def serve(head: bytes, size: int) -> str:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(head)
            block = b"0" * 65536
            try:
                for _ in range(size // len(block)):
                    writer.write(block)
                    await writer.drain()
                if not size:
                    await reader.read()
            except ConnectionError:
                pass
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_ssl_context)
        servers.append(server)
        return f"127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield serve
    for server in servers:
        server.close()
        await server.wait_closed()


async def test_huge_content_length_is_refused_before_reading(
    raw_tls_server: Callable[[bytes, int], Awaitable[str]],
    client: Callable[[str], PowerwallClient],
) -> None:
    """The body never comes: only a client that refuses at the header answers quickly."""
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{"
    )
    host = await raw_tls_server(head, 0)

    error, elapsed, _ = await _read_status(client(host))

    assert isinstance(error, PowerwallInvalidResponseError)
    assert TOO_LARGE in str(error)
    assert elapsed < 5


async def test_large_body_without_length_is_cut_at_the_cap(
    raw_tls_server: Callable[[bytes, int], Awaitable[str]],
    client: Callable[[str], PowerwallClient],
) -> None:
    """HTTP/1.0 style: no length, no chunks, the body ends when the connection does."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    host = await raw_tls_server(head, 256 * 1024 * 1024)

    error, elapsed, peak = await _read_status(client(host))

    assert isinstance(error, PowerwallInvalidResponseError)
    assert TOO_LARGE in str(error)
    assert peak < MEMORY_BUDGET
    assert elapsed < 5


@pytest.mark.parametrize("compressed", [False, True])
async def test_an_answer_of_exactly_the_cap_is_read_and_kept(
    https_server: ServeApp, client: Callable[[str], PowerwallClient], compressed: bool
) -> None:
    body = _status_json(MAX_RESPONSE_BYTES)

    async def handler(request: web.Request) -> web.Response:
        if compressed:
            return web.Response(body=gzip.compress(body), headers={"Content-Encoding": "gzip"})
        return web.Response(body=body)

    gateway = client(await https_server(_app(handler)))
    info, _, _ = await _read_status(gateway)

    assert isinstance(info, GatewayInfo)
    assert info.firmware_version == "24.36.2"
    assert len(json.dumps(gateway.last_payloads[STATUS])) == MAX_RESPONSE_BYTES


@pytest.mark.parametrize("compressed", [False, True])
async def test_one_byte_over_the_cap_is_refused(
    https_server: ServeApp, client: Callable[[str], PowerwallClient], compressed: bool
) -> None:
    body = _status_json(MAX_RESPONSE_BYTES + 1)

    async def handler(request: web.Request) -> web.StreamResponse:
        if compressed:
            return web.Response(body=gzip.compress(body), headers={"Content-Encoding": "gzip"})
        # Chunked, so the length is only known by reading.
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(body)
        await response.write_eof()
        return response

    gateway = client(await https_server(_app(handler)))
    error, _, _ = await _read_status(gateway)

    assert isinstance(error, PowerwallInvalidResponseError)
    assert TOO_LARGE in str(error)
    assert gateway.last_payloads == {}


@pytest.mark.parametrize(
    ("encoding", "body", "message"),
    [
        ("br", b"\x0b\x02\x80{}\x03", "compressed its answer to /api/status as 'br'"),
        ("zstd", b"(\xb5/\xfd", "as 'zstd', which was not asked for"),
        ("gzip", b"not gzip", "gzip answer to /api/status that does not decompress"),
        ("deflate", gzip.compress(b"{}")[:-4], "deflate answer to /api/status that ends early"),
    ],
)
async def test_unreadable_compression_is_an_invalid_answer(
    https_server: ServeApp,
    client: Callable[[str], PowerwallClient],
    encoding: str,
    body: bytes,
    message: str,
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, headers={"Content-Encoding": encoding})

    error, _, _ = await _read_status(client(await https_server(_app(handler))))

    assert isinstance(error, PowerwallInvalidResponseError)
    assert message in str(error)


def _powerwalls_app(body: bytes) -> web.Application:
    """A gateway that accepts any login and answers ``/api/powerwalls`` with ``body``."""

    async def login(request: web.Request) -> web.Response:
        return web.json_response({"token": "t0k3n"})

    async def powerwalls(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/api/login/Basic", login)
    app.router.add_get("/api/powerwalls", powerwalls)
    return app


async def test_an_answer_of_countless_json_objects_is_not_decoded(
    https_server: ServeApp, client: Callable[[str], PowerwallClient]
) -> None:
    """Under the size cap, but decoding it would hold the event loop for a few hundred ms."""
    body = b'{"powerwalls": [' + b"{}," * 1_000_000 + b"{}]}"
    assert len(body) < MAX_RESPONSE_BYTES
    gateway = client(await https_server(_powerwalls_app(body)))

    started = time.perf_counter()
    with pytest.raises(PowerwallInvalidResponseError) as caught:
        await gateway.get_powerwalls()

    assert f"more than {MAX_JSON_CONTAINERS} JSON objects and arrays" in str(caught.value)
    assert time.perf_counter() - started < 1
    assert gateway.last_payloads == {}


async def test_the_largest_battery_list_within_the_bounds_is_read(
    https_server: ServeApp, client: Callable[[str], PowerwallClient]
) -> None:
    body = payload(MAX_BATTERIES, MAX_CHECKS)
    gateway = client(await https_server(_powerwalls_app(body)))

    read = await gateway.get_powerwalls()

    assert len(read.powerwalls) == MAX_BATTERIES
    assert read.truncated is False
