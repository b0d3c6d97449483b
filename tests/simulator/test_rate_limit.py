"""Rate limiting like the gateway's: per-endpoint budgets over a sliding window."""

from __future__ import annotations

import aiohttp
import pytest

from simulator import GatewaySimulator, RateLimit
from simulator.pytest_plugin import SimulatorFactory as Factory

from .helpers import LOGIN, POWERWALLS, POWERWALLS_STATUS, credentials, fetch, login

LIMITED = {
    "code": 429,
    "error": "Api Limit reached for this endpoint",
    "message": "API Limit Reached",
}


async def test_polling_every_ten_seconds_is_never_limited(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    for _ in range(40):
        for path in (POWERWALLS, POWERWALLS_STATUS):
            assert (await fetch(client, gateway_simulator, path, token))[0] == 200
        gateway_simulator.advance(10)
    assert gateway_simulator.count(status=429) == 0


async def test_endpoint_over_budget_is_429_without_retry_after(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory
) -> None:
    sim = await gateway_simulator_factory(endpoint_limit=RateLimit(3, 60.0))
    token = await login(client, sim)
    for _ in range(3):
        assert (await fetch(client, sim, POWERWALLS, token))[0] == 200
    status, body, headers = await fetch(client, sim, POWERWALLS, token)
    assert status == 429
    assert body == LIMITED
    assert "Retry-After" not in headers
    # Budgets are per endpoint.
    assert (await fetch(client, sim, POWERWALLS_STATUS, token))[0] == 200
    # The window slides on the simulator's clock.
    sim.advance(61)
    assert (await fetch(client, sim, POWERWALLS, token))[0] == 200


async def test_retry_after_header_when_configured(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory
) -> None:
    sim = await gateway_simulator_factory(endpoint_limit=RateLimit(1, 60.0), retry_after=120)
    token = await login(client, sim)
    await fetch(client, sim, POWERWALLS, token)
    status, _, headers = await fetch(client, sim, POWERWALLS, token)
    assert status == 429
    assert headers["Retry-After"] == "120"


async def test_retry_after_auto_is_time_until_a_slot_frees(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory
) -> None:
    sim = await gateway_simulator_factory(endpoint_limit=RateLimit(1, 60.0), retry_after="auto")
    token = await login(client, sim)
    await fetch(client, sim, POWERWALLS, token)
    sim.advance(20)
    status, _, headers = await fetch(client, sim, POWERWALLS, token)
    assert status == 429
    assert 39 <= int(headers["Retry-After"]) <= 41


async def test_logins_are_limited_even_with_wrong_password(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    for _ in range(10):
        status, _, _ = await fetch(
            client, gateway_simulator, LOGIN, method="POST", json=credentials("wrong")
        )
        assert status == 401
    status, body, _ = await fetch(
        client, gateway_simulator, LOGIN, method="POST", json=credentials("simulator-password")
    )
    assert status == 429
    assert body == LIMITED
    assert gateway_simulator.logins == 11
    gateway_simulator.advance(301)
    await login(client, gateway_simulator)


async def test_rate_limit_can_be_switched_off(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory
) -> None:
    sim = await gateway_simulator_factory(rate_limit=False, endpoint_limit=RateLimit(1, 60.0))
    token = await login(client, sim)
    for _ in range(5):
        assert (await fetch(client, sim, POWERWALLS, token))[0] == 200
    sim.rate_limit = True
    assert (await fetch(client, sim, POWERWALLS, token))[0] == 200
    assert (await fetch(client, sim, POWERWALLS, token))[0] == 429


@pytest.mark.parametrize("unauthorized", [True, False])
async def test_limited_requests_do_not_extend_the_lockout(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory, unauthorized: bool
) -> None:
    sim = await gateway_simulator_factory(endpoint_limit=RateLimit(2, 60.0))
    token = None if unauthorized else await login(client, sim)
    for _ in range(2):
        assert (await fetch(client, sim, POWERWALLS, token))[0] in {200, 401}
    for _ in range(5):
        sim.advance(10)
        assert (await fetch(client, sim, POWERWALLS, token))[0] == 429
    sim.advance(11)
    assert (await fetch(client, sim, POWERWALLS, token))[0] in {200, 401}
