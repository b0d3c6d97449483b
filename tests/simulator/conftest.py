"""Fixtures of the simulator tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from simulator import GatewaySimulator

from .helpers import login


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client that does not keep cookies (tests send them explicitly)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


@pytest.fixture
async def token(client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator) -> str:
    """A session token on the default simulator."""
    return await login(client, gateway_simulator)
