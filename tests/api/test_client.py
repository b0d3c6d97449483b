"""The client against the gateway simulator, over real HTTPS on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import logging
import socket
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.powerwall_gateway.api import (
    GridStatus,
    PowerwallAuthenticationError,
    PowerwallBusyError,
    PowerwallCertificateError,
    PowerwallClient,
    PowerwallConnectionError,
    PowerwallError,
    PowerwallInvalidResponseError,
    PowerwallNotGatewayError,
    PowerwallRateLimitError,
    PowerwallTimeoutError,
    PowerwallUnsupportedError,
)
from custom_components.powerwall_gateway.api.client import (
    LOGIN_RATE_LIMIT_COOLDOWN,
    RATE_LIMIT_COOLDOWN,
)
from simulator import GatewaySimulator, RateLimit

from .conftest import FakeClock, ServeApp

type SimulatorFactory = Callable[..., Awaitable[GatewaySimulator]]

LOGIN = "/api/login/Basic"
STATUS = "/api/powerwalls/status"
POWERWALLS = "/api/powerwalls"
WRONG_FINGERPRINT = "ab" * 32


@pytest.fixture
def make_client(http: aiohttp.ClientSession) -> Callable[..., PowerwallClient]:
    def make(sim: GatewaySimulator | str, **kwargs: Any) -> PowerwallClient:
        host = sim if isinstance(sim, str) else sim.host
        password = kwargs.pop("password", "" if isinstance(sim, str) else sim.password)
        return PowerwallClient(host, password, session=http, **kwargs)

    return make


async def test_reads_every_endpoint_with_one_login(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator)

    status = await client.get_status()
    powerwalls = await client.get_powerwalls()
    grid = await client.get_grid_status()
    await client.get_powerwalls()

    assert status.phase_detection_last_error == "no phase information"
    assert powerwalls.gateway_din == gateway_simulator.din
    assert [b.package_serial_number for b in powerwalls.powerwalls] == gateway_simulator.serials
    assert grid.grid_status is GridStatus.SYSTEM_GRID_CONNECTED
    assert gateway_simulator.logins == 1
    assert client.login_count == 1
    assert gateway_simulator.count(POWERWALLS, status=200) == 2
    assert all(r.authenticated for r in gateway_simulator.requests if r.path != LOGIN)


async def test_last_answers_are_kept_for_diagnostics_without_the_login(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator)
    assert client.last_payloads == {}
    await client.get_gateway_info()
    await client.get_powerwalls()
    assert set(client.last_payloads) == {"/api/status", POWERWALLS}
    assert client.last_payloads[POWERWALLS]["gateway_din"] == gateway_simulator.din
    assert client.last_payloads["/api/status"]["din"] == gateway_simulator.din


async def test_gateway_info_needs_no_login(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator)
    info = await client.get_gateway_info()
    assert info.din == gateway_simulator.din
    assert info.firmware_version == "24.36.2"
    assert gateway_simulator.logins == 0


async def test_concurrent_first_calls_share_one_login(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator)
    await asyncio.gather(*(client.get_status() for _ in range(5)))
    assert gateway_simulator.logins == 1


async def test_expired_session_costs_exactly_one_login(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator)
    await client.get_status()
    gateway_simulator.expire_sessions()

    await asyncio.gather(*(client.get_powerwalls() for _ in range(4)))

    assert gateway_simulator.logins == 2
    assert gateway_simulator.count(POWERWALLS, status=200) == 4


async def test_forbidden_session_is_renewed_like_an_unauthorized_one(
    gateway_simulator_factory: SimulatorFactory, make_client: Callable[..., PowerwallClient]
) -> None:
    sim = await gateway_simulator_factory(unauthorized_status=403)
    client = make_client(sim)
    await client.get_status()
    sim.expire_sessions()
    await client.get_status()
    assert sim.logins == 2
    assert sim.count(STATUS, status=403) == 1


async def test_wrong_password_is_one_login_attempt(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator, password="not-the-password")
    with pytest.raises(PowerwallAuthenticationError, match="rejected the password"):
        await client.get_status()
    assert gateway_simulator.logins == 1
    assert gateway_simulator.count(STATUS) == 0
    assert client.export_session() is None


async def test_password_changed_while_the_session_expired(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator)
    await client.get_status()
    gateway_simulator.set_password("a-new-password")
    gateway_simulator.expire_sessions()

    with pytest.raises(PowerwallAuthenticationError):
        await client.get_status()

    assert gateway_simulator.logins == 2
    assert gateway_simulator.count(LOGIN, status=401) == 1


async def test_a_fresh_session_refused_again_is_an_auth_error_not_a_loop(
    gateway_simulator_factory: SimulatorFactory, make_client: Callable[..., PowerwallClient]
) -> None:
    sim = await gateway_simulator_factory(session_ttl=0.0)
    client = make_client(sim)
    with pytest.raises(PowerwallAuthenticationError, match="refused a fresh session"):
        await client.get_status()
    assert sim.logins == 2
    assert sim.count(STATUS, status=401) == 2
    assert client.export_session() is None


async def test_login_checks_the_password_now(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator)
    await client.login()
    await client.login()
    assert gateway_simulator.logins == 2
    assert client.login_count == 2
    with pytest.raises(PowerwallAuthenticationError):
        await make_client(gateway_simulator, password="wrong").login()


async def test_exported_session_saves_a_login(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    first = make_client(gateway_simulator)
    assert first.export_session() is None
    await first.get_status()
    stored = first.export_session()
    assert stored is not None
    assert set(stored) == {"token", "AuthCookie", "UserRecord"}

    second = make_client(gateway_simulator)
    second.restore_session(stored)
    await second.get_powerwalls()

    assert gateway_simulator.logins == 1
    assert second.login_count == 0
    assert second.export_session() == stored


async def test_restored_expired_session_is_renewed_once(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    first = make_client(gateway_simulator)
    await first.get_status()
    stored = first.export_session()
    assert stored is not None
    gateway_simulator.expire_sessions()

    second = make_client(gateway_simulator)
    second.restore_session(stored)
    await second.get_status()

    assert gateway_simulator.logins == 2
    assert second.export_session() != stored


@pytest.mark.parametrize(
    "stored",
    [
        {},
        {"token": ""},
        {"token": 12},
        {"token": "abc\r\nX-Injected: 1"},
        {"token": "abc def"},
        {"AuthCookie": "a;b"},
        ["token", "abc"],
        "token",
    ],
)
async def test_malformed_stored_session_is_ignored(
    gateway_simulator: GatewaySimulator,
    make_client: Callable[..., PowerwallClient],
    stored: Any,
) -> None:
    client = make_client(gateway_simulator)
    client.restore_session(stored)
    assert client.export_session() is None
    await client.get_status()
    assert gateway_simulator.logins == 1


async def test_login_rate_limit_with_retry_after_sends_nothing_until_it_passes(
    gateway_simulator_factory: SimulatorFactory, make_client: Callable[..., PowerwallClient]
) -> None:
    sim = await gateway_simulator_factory(login_limit=RateLimit(1, 300.0), retry_after=120)
    await make_client(sim).get_status()
    clock = FakeClock()
    client = make_client(sim, monotonic=clock)

    with pytest.raises(PowerwallRateLimitError) as caught:
        await client.get_status()
    assert caught.value.retry_after == 120.0
    assert client.rate_limited_for == 120.0
    sent = len(sim.requests)

    clock.now += 100
    for call in (client.get_status, client.get_powerwalls, client.get_gateway_info, client.login):
        with pytest.raises(PowerwallRateLimitError) as caught:
            await call()
        assert caught.value.retry_after == pytest.approx(20.0)
    assert len(sim.requests) == sent
    assert client.login_count == 1

    clock.now += 21
    sim.advance(301)
    assert client.rate_limited_for == 0.0
    await client.get_status()
    assert sim.logins == 3


async def test_login_rate_limit_without_retry_after_uses_the_login_cooldown(
    gateway_simulator_factory: SimulatorFactory, make_client: Callable[..., PowerwallClient]
) -> None:
    sim = await gateway_simulator_factory(login_limit=RateLimit(1, 300.0))
    await make_client(sim).get_status()
    clock = FakeClock()
    client = make_client(sim, monotonic=clock)

    with pytest.raises(PowerwallRateLimitError, match="API Limit Reached") as caught:
        await client.get_status()

    assert caught.value.retry_after == LOGIN_RATE_LIMIT_COOLDOWN == 300.0
    clock.now += 299
    sent = len(sim.requests)
    with pytest.raises(PowerwallRateLimitError):
        await client.get_status()
    assert len(sim.requests) == sent


async def test_data_rate_limit_without_retry_after_uses_the_endpoint_cooldown(
    gateway_simulator_factory: SimulatorFactory, make_client: Callable[..., PowerwallClient]
) -> None:
    sim = await gateway_simulator_factory(endpoint_limit=RateLimit(1, 60.0))
    clock = FakeClock()
    client = make_client(sim, monotonic=clock)
    await client.get_status()

    with pytest.raises(PowerwallRateLimitError) as caught:
        await client.get_status()

    assert caught.value.retry_after == RATE_LIMIT_COOLDOWN == 60.0
    assert sim.count(STATUS, status=429) == 1
    # The session survives a rate limit: no new login afterwards.
    clock.now += 61
    sim.advance(61)
    await client.get_status()
    assert sim.logins == 1


async def test_retry_after_as_http_date(
    https_server: ServeApp, make_client: Callable[..., PowerwallClient]
) -> None:
    later = datetime.now(UTC) + timedelta(seconds=600)

    async def limited(request: web.Request) -> web.Response:
        return web.json_response(
            {"code": 429}, status=429, headers={"Retry-After": format_datetime(later, usegmt=True)}
        )

    app = web.Application()
    app.router.add_get("/api/status", limited)
    client = make_client(await https_server(app))
    with pytest.raises(PowerwallRateLimitError) as caught:
        await client.get_gateway_info()
    assert 590 <= caught.value.retry_after <= 600


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("0", 60.0), ("-5", 60.0), ("soon", 60.0), ("86400", 3600.0), ("7", 7.0)],
)
async def test_insane_retry_after_is_not_believed(
    https_server: ServeApp,
    make_client: Callable[..., PowerwallClient],
    retry_after: str,
    expected: float,
) -> None:
    async def limited(request: web.Request) -> web.Response:
        return web.json_response({}, status=429, headers={"Retry-After": retry_after})

    app = web.Application()
    app.router.add_get("/api/status", limited)
    client = make_client(await https_server(app))
    with pytest.raises(PowerwallRateLimitError) as caught:
        await client.get_gateway_info()
    assert caught.value.retry_after == expected


@pytest.mark.parametrize(
    ("scenario", "status", "message"),
    [
        ("stopped", 502, "sitemaster is not running"),
        ("busy", 503, "current config mode is busy"),
        ("conflict", 409, "HTTP 409"),
    ],
)
async def test_busy_site_controller(
    gateway_simulator: GatewaySimulator,
    make_client: Callable[..., PowerwallClient],
    scenario: str,
    status: int,
    message: str,
) -> None:
    gateway_simulator.set_scenario(scenario)
    client = make_client(gateway_simulator)
    with pytest.raises(PowerwallBusyError, match=message) as caught:
        await client.get_powerwalls()
    assert caught.value.status == status
    assert str(caught.value).startswith("The gateway's site controller is busy or stopped")
    # Busy is not a session problem: no second login.
    assert gateway_simulator.logins == 1


async def test_a_stopped_site_answering_502_with_an_empty_body_is_busy(
    https_server: ServeApp, make_client: Callable[..., PowerwallClient]
) -> None:
    """As real gateways answer grid_status while the site is stopped."""

    async def login(request: web.Request) -> web.Response:
        return web.json_response({"token": "t0k3n"})

    async def stopped(request: web.Request) -> web.Response:
        return web.Response(status=502)

    app = web.Application()
    app.router.add_post(LOGIN, login)
    app.router.add_get("/api/system_status/grid_status", stopped)
    client = make_client(await https_server(app), password="secret")
    with pytest.raises(PowerwallBusyError) as caught:
        await client.get_grid_status()
    assert caught.value.status == 502
    assert str(caught.value) == "The gateway's site controller is busy or stopped (HTTP 502)"
    assert client.login_count == 1


async def test_a_faulted_microgrid_reads_off_grid(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    gateway_simulator.set_scenario("microgrid_faulted", no_grid_services_active=True)
    grid = await make_client(gateway_simulator).get_grid_status()
    assert grid.grid_status is GridStatus.SYSTEM_MICRO_GRID_FAULTED
    assert grid.grid_services_active is None
    assert grid.connected is False


async def test_busy_login(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    gateway_simulator.set_scenario("busy", include_login=True)
    with pytest.raises(PowerwallBusyError) as caught:
        await make_client(gateway_simulator).get_status()
    assert caught.value.status == 503


async def test_slow_gateway_times_out(
    gateway_simulator_factory: SimulatorFactory, make_client: Callable[..., PowerwallClient]
) -> None:
    sim = await gateway_simulator_factory(scenario="slow", slow_delay=30.0)
    client = make_client(sim, request_timeout=0.3)
    with pytest.raises(
        PowerwallTimeoutError, match=r"did not answer /api/powerwalls within 0\.3 s"
    ):
        await client.get_powerwalls()


async def test_connection_refused(make_client: Callable[..., PowerwallClient]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(f"127.0.0.1:{port}")
    with pytest.raises(
        PowerwallConnectionError, match=f"Cannot reach the gateway at 127.0.0.1:{port}"
    ) as caught:
        await client.get_gateway_info()
    assert not isinstance(caught.value, PowerwallTimeoutError)


async def test_connection_reset(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    gateway_simulator.set_scenario("connection_reset")
    with pytest.raises(PowerwallConnectionError, match="Cannot reach the gateway"):
        await make_client(gateway_simulator).get_status()


@pytest.mark.parametrize(
    ("scenario", "quoted"),
    [
        ("html_error", "'<!DOCTYPE html><html><head><title>Tesla Energy</title>"),
        ("truncated_json", '\'{"enumerating": false'),
    ],
)
async def test_a_body_that_is_not_json_is_invalid_and_quoted(
    gateway_simulator: GatewaySimulator,
    make_client: Callable[..., PowerwallClient],
    scenario: str,
    quoted: str,
) -> None:
    gateway_simulator.set_scenario(scenario)
    with pytest.raises(PowerwallInvalidResponseError, match="not JSON") as caught:
        await make_client(gateway_simulator).get_powerwalls()
    assert quoted in str(caught.value)
    assert not isinstance(caught.value, PowerwallNotGatewayError)


async def test_a_json_array_is_invalid(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    gateway_simulator.set_scenario("wrong_types", mode="array")
    client = make_client(gateway_simulator)
    with pytest.raises(PowerwallInvalidResponseError, match="JSON list instead of an object"):
        await client.get_powerwalls()
    with pytest.raises(PowerwallInvalidResponseError, match="JSON list"):
        await client.get_grid_status()


async def test_a_structurally_broken_answer_is_invalid_and_names_the_key(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    """Strings where objects and flags belong: refused, so the caller keeps its last data."""
    gateway_simulator.set_scenario("wrong_types", mode="fields")
    client = make_client(gateway_simulator)
    with pytest.raises(PowerwallInvalidResponseError, match="'sync' is a JSON string"):
        await client.get_powerwalls()
    with pytest.raises(PowerwallInvalidResponseError, match="'enumerating' is a JSON string"):
        await client.get_status()
    with pytest.raises(PowerwallInvalidResponseError, match="'grid_status' is a JSON number"):
        await client.get_grid_status()


@pytest.mark.parametrize(
    "scenario",
    ["grid_outage", "update", "future_firmware", "old_firmware", "battery_missing_fields"],
)
async def test_scenarios_parse(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient], scenario: str
) -> None:
    gateway_simulator.set_scenario(scenario)
    client = make_client(gateway_simulator)
    powerwalls = await client.get_powerwalls()
    await client.get_status()
    await client.get_grid_status()
    assert powerwalls.powerwalls


async def test_powerwall_3_is_unsupported(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    gateway_simulator.set_scenario("powerwall3")
    client = make_client(gateway_simulator)
    info = await client.get_gateway_info()
    assert info.din == "1707000-11-J--TG1234567890PW3"
    with pytest.raises(PowerwallUnsupportedError, match="Powerwall 3"):
        await client.get_status()
    assert gateway_simulator.logins == 1
    assert gateway_simulator.count(STATUS) == 0


def _plain_site(
    status_handler: Callable[[web.Request], Awaitable[web.Response]] | None,
) -> web.Application:
    async def home(request: web.Request) -> web.Response:
        return web.Response(text="<html><body>My NAS</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/", home)
    if status_handler is not None:
        app.router.add_get("/api/status", status_handler)
    return app


async def _html(request: web.Request) -> web.Response:
    return web.Response(text="<html>login</html>", content_type="text/html")


async def _other_json(request: web.Request) -> web.Response:
    return web.json_response({"name": "router", "uptime": 12})


async def _redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/login")


async def test_restricted_surface_has_no_api_status_but_its_live_endpoints(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    """Go's plain "404 page not found" for /api/status: maybe a gateway, only a login tells."""
    gateway_simulator.set_scenario("restricted_surface")
    client = make_client(gateway_simulator)
    with pytest.raises(PowerwallUnsupportedError, match="has no /api/status"):
        await client.get_gateway_info()
    assert client.certificate_fingerprint == gateway_simulator.fingerprint
    assert gateway_simulator.logins == 0
    grid = await client.get_grid_status()
    assert grid.grid_status is not None
    with pytest.raises(PowerwallUnsupportedError):
        await client.get_powerwalls()


@pytest.mark.parametrize("status_handler", [None, _html, _other_json, _redirect])
async def test_a_plain_web_server_is_not_a_gateway(
    https_server: ServeApp,
    make_client: Callable[..., PowerwallClient],
    status_handler: Callable[[web.Request], Awaitable[web.Response]] | None,
) -> None:
    host = await https_server(_plain_site(status_handler))
    client = make_client(host)
    with pytest.raises(
        PowerwallNotGatewayError,
        match=f"The server at {host} answered, but it is not a Tesla Backup Gateway",
    ):
        await client.get_gateway_info()
    assert client.certificate_fingerprint is not None


@pytest.fixture
async def http_server() -> AsyncIterator[ServeApp]:
    """Serve an aiohttp app in plain HTTP on 127.0.0.1, as Home Assistant serves itself."""
    runners: list[web.AppRunner] = []

    async def serve(app: web.Application) -> str:
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return f"127.0.0.1:{runner.addresses[0][1]}"

    yield serve
    for runner in runners:
        await runner.cleanup()


async def test_a_plain_http_web_server_is_not_a_gateway(
    http_server: ServeApp, make_client: Callable[..., PowerwallClient]
) -> None:
    """Home Assistant's own address: HTTP where the gateway speaks HTTPS."""
    host = await http_server(_plain_site(_other_json))
    client = make_client(host, password="secret")
    with pytest.raises(
        PowerwallNotGatewayError,
        match=f"The server at {host} does not speak HTTPS .*: it is not a Tesla Backup Gateway",
    ):
        await client.get_gateway_info()
    with pytest.raises(PowerwallNotGatewayError):
        await client.get_status()


async def test_a_real_tls_failure_is_still_a_connection_error(
    make_client: Callable[..., PowerwallClient],
) -> None:
    """A server that speaks TLS but refuses the handshake is no proof of a web server."""
    # A TLS record: fatal alert, handshake_failure.
    alert = bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(alert)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(PowerwallConnectionError, match="Cannot reach the gateway") as caught:
            await make_client(f"127.0.0.1:{port}").get_gateway_info()
    assert not isinstance(caught.value, PowerwallNotGatewayError)


async def test_unexpected_status_is_named(
    https_server: ServeApp, make_client: Callable[..., PowerwallClient]
) -> None:
    async def login(request: web.Request) -> web.Response:
        response = web.json_response({"token": "t0k3n"})
        response.set_cookie("AuthCookie", "cookie-value")
        return response

    async def broken(request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == "Bearer t0k3n"
        assert request.cookies["AuthCookie"] == "cookie-value"
        return web.Response(status=500, text="internal error: sitemanager panic")

    app = web.Application()
    app.router.add_post(LOGIN, login)
    app.router.add_get(STATUS, broken)
    client = make_client(await https_server(app))
    with pytest.raises(
        PowerwallInvalidResponseError, match="HTTP 500: 'internal error: sitemanager panic'"
    ):
        await client.get_status()


async def test_unexpected_login_status_never_quotes_the_body(
    https_server: ServeApp, make_client: Callable[..., PowerwallClient]
) -> None:
    """A login answer may echo what was sent; only its status and message are shown."""

    async def login(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"message": "Server Error", "echo": body["password"]}, status=500)

    app = web.Application()
    app.router.add_post(LOGIN, login)
    client = make_client(await https_server(app))
    with pytest.raises(PowerwallInvalidResponseError) as caught:
        await client.login()
    assert "HTTP 500: Server Error" in str(caught.value)
    assert "echo" not in str(caught.value)


@pytest.mark.parametrize(
    "answer",
    [
        web.json_response({"email": ""}),
        web.json_response(["token"]),
        web.Response(text="<html>", content_type="text/html"),
    ],
)
async def test_login_without_a_session_is_invalid(
    https_server: ServeApp, make_client: Callable[..., PowerwallClient], answer: web.Response
) -> None:
    async def login(request: web.Request) -> web.Response:
        return answer

    app = web.Application()
    app.router.add_post(LOGIN, login)
    with pytest.raises(PowerwallInvalidResponseError, match="login"):
        await make_client(await https_server(app)).login()


async def test_certificate_fingerprint_is_recorded(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator)
    assert client.certificate_fingerprint is None
    await client.get_gateway_info()
    assert client.certificate_fingerprint == gateway_simulator.fingerprint


async def test_pinned_certificate_is_accepted(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    pinned = ":".join(gateway_simulator.fingerprint[i : i + 2].upper() for i in range(0, 64, 2))
    client = make_client(gateway_simulator, fingerprint=pinned)
    await client.get_status()
    assert client.certificate_fingerprint == gateway_simulator.fingerprint


async def test_pinned_certificate_mismatch(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator, fingerprint=WRONG_FINGERPRINT)
    with pytest.raises(PowerwallCertificateError) as caught:
        await client.get_status()
    assert caught.value.expected == WRONG_FINGERPRINT
    assert caught.value.actual == gateway_simulator.fingerprint
    # The TLS handshake failed the pin: the password never left the machine.
    assert gateway_simulator.requests == []


async def test_secrets_never_reach_logs_or_errors(
    gateway_simulator: GatewaySimulator,
    make_client: Callable[..., PowerwallClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(gateway_simulator)
    await client.get_status()
    stored = client.export_session()
    assert stored is not None
    gateway_simulator.expire_sessions()
    gateway_simulator.set_password("changed")
    with pytest.raises(PowerwallError) as caught:
        await client.get_status()

    assert "api/powerwalls/status" in caplog.text
    for secret in (gateway_simulator.password, "simulator-password", *stored.values()):
        assert secret not in caplog.text
        assert secret not in str(caught.value)
        assert secret not in repr(client)


@pytest.mark.parametrize("fingerprint", ["abc", "zz" * 32, "ab" * 20])
def test_bad_fingerprint_is_refused(fingerprint: str) -> None:
    with pytest.raises(ValueError, match="fingerprint"):
        PowerwallClient("gw.local", "pw", session=None, fingerprint=fingerprint)  # type: ignore[arg-type]


def test_host_is_normalized() -> None:
    client = PowerwallClient(" HTTPS://GW.Local:8443/ ", "pw", session=None)  # type: ignore[arg-type]
    assert client.host == "gw.local:8443"
    assert client.base_url == "https://gw.local:8443"
    assert client.rate_limited_for == 0.0
    assert client.login_count == 0
