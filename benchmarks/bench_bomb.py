"""What a hostile answer costs the client: a gzip bomb, an endless body, countless objects.

A server on 127.0.0.1 (HTTPS, self-signed, like a gateway) answers
``/api/status`` with each hostile body below; the client reads it once. The
table gives the wall time, the peak of Python allocations (``tracemalloc``)
and how much the process's peak resident memory grew, and how the read ended.
Run each hostile answer in a fresh process (``python -m benchmarks.bench_bomb
NAME``) for a clean peak; without a name every case runs in one process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import resource
import struct
import sys
import time
import tracemalloc
import zlib

import aiohttp
from aiohttp import web

from custom_components.powerwall_gateway.api import PowerwallClient, PowerwallError
from simulator.tls import generate_certificate

MIB = 1024 * 1024
BOMB_INFLATED = 1024 * MIB  # 1 GiB of zeros, about 1 MB gzipped
BOMB = web.AppKey("bomb", bytes)


def gzip_bomb(size: int = BOMB_INFLATED) -> bytes:
    """Return a valid gzip stream of ``size`` zero bytes (a multiple of 1 MiB), quickly.

    After a full flush the compressor starts afresh, so every further MiB of
    zeros compresses to the same bytes: one MiB is compressed, and repeated.
    """
    block = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // MIB):
        crc = zlib.crc32(block, crc)
    return b"".join(
        (
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff",  # gzip header: deflate, no name
            first,
            again * (size // MIB - 1),
            compressor.flush(zlib.Z_FINISH),
            struct.pack("<II", crc, size & 0xFFFFFFFF),
        )
    )


async def _bomb(request: web.Request) -> web.Response:
    return web.Response(
        body=request.app[BOMB],
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )


async def _endless(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    block = b" " * (64 * 1024)
    try:
        while True:
            await response.write(block)
    except ConnectionError:  # the client hung up: what it should do
        return response


async def _objects(request: web.Request) -> web.Response:
    # Under the 4 MB size cap, but a million JSON objects to decode in the event loop.
    body = b'{"din": "x", "version": "1", "pad": [' + b"{}," * 1_000_000 + b"{}]}"
    return web.Response(body=body, content_type="application/json")


type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CASES: dict[str, Handler] = {
    "gzip_bomb": _bomb,
    "endless_chunked": _endless,
    "json_objects": _objects,
}


def _peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(name: str, bomb: bytes) -> str:
    """Serve case ``name`` and read it once with the client; return a table row."""
    app = web.Application()
    app[BOMB] = bomb
    app.router.add_get("/api/status", CASES[name])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=generate_certificate().server_context())
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            client = PowerwallClient(f"127.0.0.1:{port}", "", session=http)
            rss_before = _peak_rss_mib()
            tracemalloc.start()
            started = time.perf_counter()
            try:
                await client.get_gateway_info()
            except PowerwallError as err:
                outcome = f"{type(err).__name__}: {str(err)[:70]}"
            else:
                outcome = "read"
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_growth = _peak_rss_mib() - rss_before
    finally:
        await runner.cleanup()
    return f"{name:>16} {elapsed:>7.2f} {peak / MIB:>9.1f} {rss_growth:>9.1f}  {outcome}"


def main(names: list[str] | None = None) -> None:
    """Print one row per hostile answer."""
    bomb = gzip_bomb()
    out = sys.stdout
    out.write(f"gzip bomb: {len(bomb)} bytes inflating to {BOMB_INFLATED} bytes\n")
    out.write(f"{'case':>16} {'time s':>7} {'peak MiB':>9} {'RSS +MiB':>9}  outcome\n")
    for name in names or list(CASES):
        out.write(asyncio.run(measure(name, bomb)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
