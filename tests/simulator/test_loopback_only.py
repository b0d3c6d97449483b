"""The simulator listens on, and its control client talks to, loopback addresses only."""

from __future__ import annotations

from collections.abc import AsyncIterator
import ipaddress
from pathlib import Path

from aiohttp import web
import pytest

from simulator import GatewaySimulator
from simulator.__main__ import TOKEN_ENV, control

NOT_LOOPBACK = [
    "0.0.0.0",
    "::",
    "",
    "192.168.1.50",
    "10.0.0.1",
    "169.254.0.1",
    "::ffff:10.0.0.1",
    "fe80::1",
    "2001:db8::1",
    "example.com",
    "127.0.0.1.nip.io",
    "localhost.localdomain",
]


def listening_addresses(port: int) -> set[str]:
    """Every local address the kernel has a listening TCP socket on for ``port``."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address_hex, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:
                continue
            # /proc prints each 32-bit word of the address in host (little-endian) order.
            words = [address_hex[i : i + 8] for i in range(0, width, 8)]
            raw = b"".join(bytes.fromhex(word)[::-1] for word in words)
            found.add(str(ipaddress.ip_address(raw)))
    return found


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_anything_but_loopback_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match="only loopback"):
        GatewaySimulator(host=host)


def test_the_bound_address_cannot_be_changed_afterwards() -> None:
    sim = GatewaySimulator()
    with pytest.raises(AttributeError):
        sim.bind_host = "0.0.0.0"  # type: ignore[misc]
    assert sim.bind_host == "127.0.0.1"


@pytest.mark.usefixtures("socket_enabled")
async def test_start_checks_the_address_again() -> None:
    sim = GatewaySimulator()
    sim._bind_host = "0.0.0.0"  # what only reaching into private state can do
    with pytest.raises(ValueError, match="only loopback"):
        await sim.start()
    with pytest.raises(RuntimeError, match="not started"):
        _ = sim.port


@pytest.mark.parametrize(
    ("host", "bound"),
    [("127.0.0.1", {"127.0.0.1"}), ("localhost", {"127.0.0.1"}), ("::1", {"::1"})],
)
@pytest.mark.usefixtures("socket_enabled")
async def test_the_kernel_sees_only_a_loopback_listener(host: str, bound: set[str]) -> None:
    async with GatewaySimulator(host=host) as sim:
        assert listening_addresses(sim.port) == bound
    assert listening_addresses(sim.port) == set()


@pytest.fixture
async def redirect_trap(socket_enabled: None) -> AsyncIterator[tuple[str, list[str]]]:
    """A loopback server that redirects every request to a second one, which records them."""
    reached: list[str] = []

    async def record(request: web.Request) -> web.Response:
        reached.append(f"{request.method} {request.path} {dict(request.headers)}")
        return web.json_response({"trapped": True})

    target = web.Application()
    target.router.add_route("*", "/{tail:.*}", record)
    target_runner = web.AppRunner(target)
    await target_runner.setup()
    await web.TCPSite(target_runner, "127.0.0.1", 0).start()
    target_port = target_runner.addresses[0][1]

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(f"http://127.0.0.1:{target_port}{request.path}")

    trap = web.Application()
    trap.router.add_route("*", "/{tail:.*}", redirect)
    trap_runner = web.AppRunner(trap)
    await trap_runner.setup()
    await web.TCPSite(trap_runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{trap_runner.addresses[0][1]}", reached
    await trap_runner.cleanup()
    await target_runner.cleanup()


async def test_control_client_follows_no_redirect(
    redirect_trap: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, reached = redirect_trap
    monkeypatch.setenv(TOKEN_ENV, "the-token")
    assert await control(["--url", url, "advance", "5"]) == 1
    assert reached == []
    assert "307" in capsys.readouterr().out


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1:8443",
        "https://127.0.0.1:port",
        "https://localhost.example:8443",
        "https://[2001:db8::1]:8443",
        "https://0.0.0.0:8443",
    ],
)
async def test_control_client_refuses_other_urls(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "the-token")
    with pytest.raises(SystemExit) as exited:
        await control(["--url", url, "state"])
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err
