"""Small client helpers for the simulator tests: what a gateway client does."""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any

import aiohttp

from simulator import GatewaySimulator

LOGIN = "/api/login/Basic"
POWERWALLS = "/api/powerwalls"
POWERWALLS_STATUS = "/api/powerwalls/status"
GRID_STATUS = "/api/system_status/grid_status"


def credentials(password: str) -> dict[str, Any]:
    return {
        "username": "customer",
        "email": "owner@example.com",
        "password": password,
        "force_sm_off": False,
    }


async def login(
    client: aiohttp.ClientSession, sim: GatewaySimulator, password: str | None = None
) -> str:
    """Log in and return the session token (asserting it worked)."""
    async with client.post(
        sim.url + LOGIN, json=credentials(password or sim.password), ssl=False
    ) as response:
        assert response.status == 200, await response.text()
        body = await response.json()
    token: str = body["token"]
    return token


async def fetch(
    client: aiohttp.ClientSession,
    sim: GatewaySimulator,
    path: str,
    token: str | None = None,
    *,
    method: str = "GET",
    **kwargs: Any,
) -> tuple[int, Any, Mapping[str, str]]:
    """Request ``path``; return (status, JSON body or text, headers)."""
    headers = dict(kwargs.pop("headers", {}))
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with client.request(
        method, sim.url + path, headers=headers, ssl=False, **kwargs
    ) as response:
        text = await response.text()
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = text
        return response.status, body, response.headers


async def get_ok(
    client: aiohttp.ClientSession, sim: GatewaySimulator, path: str, token: str
) -> Any:
    status, body, _ = await fetch(client, sim, path, token)
    assert status == 200, body
    return body
