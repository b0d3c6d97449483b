"""Fixtures of the client tests: payload files and a plain HTTPS server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import ssl
from typing import Any

import aiohttp
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Let tests open sockets; the test plugin still allows only 127.0.0.1."""


def load_json(name: str) -> Any:
    """Return the decoded payload of ``tests/fixtures/<name>``."""
    return json.loads((FIXTURES / name).read_bytes())


@pytest.fixture(scope="session")
def server_ssl_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A TLS context with a fresh self-signed certificate, as a gateway has."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not-a-gateway")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session whose cookie jar keeps nothing: the client must carry the session."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


type ServeApp = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
async def https_server(server_ssl_context: ssl.SSLContext) -> AsyncIterator[ServeApp]:
    """Serve an aiohttp app over HTTPS on 127.0.0.1; returns its ``host:port``."""
    runners: list[web.AppRunner] = []

    async def serve(app: web.Application) -> str:
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ssl_context)
        await site.start()
        port = runner.addresses[0][1]
        return f"127.0.0.1:{port}"

    yield serve
    for runner in runners:
        await runner.cleanup()
