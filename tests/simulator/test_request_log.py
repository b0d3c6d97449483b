"""The request log: what the gateway was asked, by whom, and what it answered."""

from __future__ import annotations

import aiohttp
import pytest

from simulator import GatewaySimulator, RecordedRequest

from .helpers import LOGIN, POWERWALLS, credentials, fetch


async def test_every_request_is_recorded(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.advance(100)
    await fetch(client, gateway_simulator, POWERWALLS, token)
    await fetch(client, gateway_simulator, POWERWALLS)
    await fetch(client, gateway_simulator, "/api/status")
    await fetch(client, gateway_simulator, LOGIN, method="POST", json=credentials("bad"))
    log = gateway_simulator.requests
    assert [(r.method, r.path, r.authenticated, r.status) for r in log] == [
        ("POST", LOGIN, False, 200),
        ("GET", POWERWALLS, True, 200),
        ("GET", POWERWALLS, False, 401),
        ("GET", "/api/status", False, 200),
        ("POST", LOGIN, False, 401),
    ]
    assert all(isinstance(r, RecordedRequest) for r in log)
    assert log[0].at < 100 <= log[1].at < 101
    assert gateway_simulator.count(POWERWALLS) == 2
    assert gateway_simulator.count(POWERWALLS, status=200) == 1
    assert gateway_simulator.count(method="post") == 2
    assert gateway_simulator.count() == 5
    assert gateway_simulator.logins == 2


async def test_clear_requests(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    assert gateway_simulator.logins == 1
    gateway_simulator.clear_requests()
    assert gateway_simulator.requests == []
    assert gateway_simulator.logins == 0
    await fetch(client, gateway_simulator, POWERWALLS, token)
    assert gateway_simulator.count(POWERWALLS) == 1


async def test_control_requests_are_not_recorded(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    await fetch(client, gateway_simulator, "/_sim/state")
    assert gateway_simulator.count() == 0


def test_clock_advances_only_forward() -> None:
    sim = GatewaySimulator()
    before = sim.now()
    sim.advance(3600)
    assert sim.now() >= before + 3600
    with pytest.raises(ValueError, match="forward"):
        sim.advance(-1)


async def test_the_size_of_each_answer_is_recorded(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    """Body bytes per request: what a benchmark adds up into bytes per hour."""
    gateway_simulator.clear_requests()
    async with client.get(
        gateway_simulator.url + POWERWALLS, headers={"Authorization": f"Bearer {token}"}, ssl=False
    ) as response:
        body = await response.read()
    gateway_simulator.set_scenario("connection_reset")
    with pytest.raises(aiohttp.ClientError):
        await fetch(client, gateway_simulator, POWERWALLS, token)
    # aiohttp may send the reset request twice (a kept-alive connection was dropped).
    answered, *resets = gateway_simulator.requests
    assert answered.size == len(body) > 1000
    assert resets
    assert {(reset.status, reset.size) for reset in resets} == {(0, 0)}
