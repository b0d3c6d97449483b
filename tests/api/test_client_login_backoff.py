"""A failed login is not repeated at once: the client backs off, and callers share it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import socket
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.powerwall_gateway.api import (
    PowerwallAuthenticationError,
    PowerwallBusyError,
    PowerwallClient,
    PowerwallConnectionError,
    PowerwallError,
    PowerwallInvalidResponseError,
    PowerwallLoginBackoffError,
    PowerwallRateLimitError,
    PowerwallTimeoutError,
)
from simulator import GatewaySimulator, RateLimit

from .conftest import FakeClock, ServeApp

type SimulatorFactory = Callable[..., Awaitable[GatewaySimulator]]

LOGIN = "/api/login/Basic"
STATUS = "/api/powerwalls/status"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(http: aiohttp.ClientSession, clock: FakeClock) -> Callable[..., PowerwallClient]:
    def make(host: str, password: str = "", **kwargs: Any) -> PowerwallClient:
        return PowerwallClient(host, password, session=http, monotonic=clock, **kwargs)

    return make


async def test_rejected_password_backs_off_doubling_up_to_30_minutes(
    gateway_simulator: GatewaySimulator,
    make_client: Callable[..., PowerwallClient],
    clock: FakeClock,
) -> None:
    client = make_client(gateway_simulator.host, "wrong")
    waits: list[float] = []
    for attempt in range(1, 10):
        with pytest.raises(PowerwallAuthenticationError):
            await client.get_status()
        assert gateway_simulator.logins == attempt
        waits.append(client.login_backoff_for)
        # Until the wait is over, no call sends a login.
        clock.now += waits[-1] - 1
        for call in (client.get_status, client.get_powerwalls, client.login):
            with pytest.raises(PowerwallLoginBackoffError) as caught:
                await call()
            assert caught.value.retry_after == pytest.approx(1.0)
            assert isinstance(caught.value.reason, PowerwallAuthenticationError)
            assert "rejected the password" in str(caught.value)
        assert gateway_simulator.logins == attempt
        clock.now += 1
        gateway_simulator.advance(300)  # keep the simulator's own login budget out of it

    assert waits == [30, 60, 120, 240, 480, 960, 1800, 1800, 1800]
    assert gateway_simulator.count(STATUS) == 0


async def test_a_successful_login_resets_the_backoff(
    gateway_simulator: GatewaySimulator,
    make_client: Callable[..., PowerwallClient],
    clock: FakeClock,
) -> None:
    client = make_client(gateway_simulator.host, "new-password")
    for _ in range(3):
        with pytest.raises(PowerwallAuthenticationError):
            await client.get_status()
        clock.now += client.login_backoff_for
    assert gateway_simulator.logins == 3

    gateway_simulator.set_password("new-password")
    await client.get_status()
    assert client.login_backoff_for == 0.0

    gateway_simulator.set_password("changed-again")
    gateway_simulator.expire_sessions()
    with pytest.raises(PowerwallAuthenticationError):
        await client.get_status()
    assert client.login_backoff_for == 30.0


async def test_concurrent_calls_share_one_rejected_login(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator.host, "wrong")

    results = await asyncio.gather(
        client.get_status(),
        client.get_powerwalls(),
        client.get_grid_status(),
        return_exceptions=True,
    )

    assert gateway_simulator.logins == 1
    assert all(isinstance(result, PowerwallAuthenticationError) for result in results)


async def test_concurrent_calls_after_an_expired_session_share_one_rejected_login(
    gateway_simulator: GatewaySimulator, make_client: Callable[..., PowerwallClient]
) -> None:
    client = make_client(gateway_simulator.host, gateway_simulator.password)
    await client.get_status()
    gateway_simulator.set_password("changed")
    gateway_simulator.expire_sessions()

    results = await asyncio.gather(*(client.get_status() for _ in range(3)), return_exceptions=True)

    assert gateway_simulator.logins == 2
    assert all(isinstance(result, PowerwallAuthenticationError) for result in results)


def _login_app(
    answer: Callable[[], Awaitable[web.StreamResponse]],
) -> tuple[web.Application, list[str]]:
    logins: list[str] = []

    async def login(request: web.Request) -> web.StreamResponse:
        logins.append(request.path)
        return await answer()

    app = web.Application()
    app.router.add_post(LOGIN, login)
    return app, logins


async def _error_500() -> web.StreamResponse:
    return web.json_response({"message": "Server Error"}, status=500)


async def _no_token() -> web.StreamResponse:
    return web.json_response({"email": ""})


async def _html() -> web.StreamResponse:
    return web.Response(text="<html>", content_type="text/html")


async def _busy() -> web.StreamResponse:
    return web.json_response({"code": 503, "error": "current config mode is busy"}, status=503)


async def _slow() -> web.StreamResponse:
    await asyncio.sleep(1.5)  # past the client's 0.5 s timeout
    return web.json_response({"token": "late"})


@pytest.mark.parametrize(
    ("answer", "first_error"),
    [
        (_error_500, PowerwallInvalidResponseError),
        (_no_token, PowerwallInvalidResponseError),
        (_html, PowerwallInvalidResponseError),
        (_busy, PowerwallBusyError),
        (_slow, PowerwallTimeoutError),
    ],
)
async def test_every_failed_login_backs_off(
    https_server: ServeApp,
    make_client: Callable[..., PowerwallClient],
    clock: FakeClock,
    answer: Callable[[], Awaitable[web.StreamResponse]],
    first_error: type[PowerwallError],
) -> None:
    app, logins = _login_app(answer)
    client = make_client(await https_server(app), request_timeout=0.5)

    with pytest.raises(first_error):
        await client.get_status()
    for _ in range(3):  # three polls within the backoff: nothing sent
        clock.now += 9
        with pytest.raises(PowerwallLoginBackoffError) as caught:
            await client.get_status()
        assert isinstance(caught.value.reason, first_error)
    assert len(logins) == 1

    clock.now += 3
    with pytest.raises(first_error):
        await client.get_status()
    assert len(logins) == 2
    assert client.login_backoff_for == 60.0


async def test_an_unreachable_gateway_is_not_backed_off(
    make_client: Callable[..., PowerwallClient],
) -> None:
    """Nothing reached the gateway's login; it is asked again as soon as it is back."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(f"127.0.0.1:{port}")
    for _ in range(2):
        with pytest.raises(PowerwallConnectionError) as caught:
            await client.login()
        assert not isinstance(caught.value, PowerwallTimeoutError)
    assert client.login_count == 2
    assert client.login_backoff_for == 0.0


async def test_a_rate_limited_login_keeps_its_own_cooldown(
    gateway_simulator_factory: SimulatorFactory,
    make_client: Callable[..., PowerwallClient],
    clock: FakeClock,
) -> None:
    sim = await gateway_simulator_factory(login_limit=RateLimit(0, 300.0), retry_after=120)
    client = make_client(sim.host, sim.password)
    with pytest.raises(PowerwallRateLimitError) as caught:
        await client.get_status()
    assert type(caught.value) is PowerwallRateLimitError
    assert client.rate_limited_for == 120.0
    assert client.login_backoff_for == 0.0


async def test_a_carried_over_backoff_holds_logins_only(
    gateway_simulator: GatewaySimulator,
    make_client: Callable[..., PowerwallClient],
    clock: FakeClock,
) -> None:
    """A reload hands the backoff to the new client; the no-login endpoint still answers."""
    client = make_client(gateway_simulator.host, gateway_simulator.password)
    client.hold_off_login(0)
    client.hold_off_login(100)
    client.hold_off_login(40)

    with pytest.raises(PowerwallLoginBackoffError, match="no login is sent for 100 s") as caught:
        await client.get_status()
    assert caught.value.reason is None
    assert (await client.get_gateway_info()).din == gateway_simulator.din
    assert gateway_simulator.logins == 0
    assert client.rate_limited_for == 0.0

    clock.now += 100
    await client.get_status()
    assert gateway_simulator.logins == 1
