"""Replay of recorded payloads, and the /_sim/ control API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulator import GatewaySimulator
from simulator.pytest_plugin import SimulatorFactory as Factory

from .helpers import (
    GRID_STATUS,
    LOGIN,
    POWERWALLS,
    POWERWALLS_STATUS,
    credentials,
    fetch,
    get_ok,
    login,
)

RECORDED: dict[str, Any] = {
    "enumerating": False,
    "updating": True,
    "grid_qualifying": False,
    "powerwalls": [{"PackageSerialNumber": "TG999", "grid_state": "Grid_Uncompliant"}],
    "gateway_din": "1152100-13-J--TG999",
    "sync": None,
}


def write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


async def test_replay_powerwalls_file_and_derived_status(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory, tmp_path: Path
) -> None:
    sim = await gateway_simulator_factory(powerwalls_file=write(tmp_path / "pw.json", RECORDED))
    assert sim.scenario == "replay"
    token = await login(client, sim)
    assert await get_ok(client, sim, POWERWALLS, token) == RECORDED
    assert await get_ok(client, sim, POWERWALLS_STATUS, token) == {
        "enumerating": False,
        "updating": True,
        "grid_qualifying": False,
    }
    assert (await fetch(client, sim, "/api/status"))[1]["din"] == "1152100-13-J--TG999"


async def test_replay_status_file(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory, tmp_path: Path
) -> None:
    status = {"enumerating": True, "updating": False, "brand_new": 1}
    sim = await gateway_simulator_factory(
        powerwalls_file=write(tmp_path / "pw.json", RECORDED),
        status_file=write(tmp_path / "status.json", status),
    )
    token = await login(client, sim)
    assert await get_ok(client, sim, POWERWALLS_STATUS, token) == status


async def test_replay_home_assistant_diagnostics_download(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory, tmp_path: Path
) -> None:
    diagnostics = {
        "home_assistant": {"version": "2026.10.4"},
        "data": {"entry": {"title": "Gateway"}, "payloads": {"powerwalls": RECORDED}},
    }
    sim = await gateway_simulator_factory(powerwalls_file=write(tmp_path / "d.json", diagnostics))
    token = await login(client, sim)
    assert await get_ok(client, sim, POWERWALLS, token) == RECORDED


def test_replay_of_unreadable_file_fails_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot replay"):
        GatewaySimulator(powerwalls_file=str(bad))
    with pytest.raises(ValueError, match="cannot replay"):
        GatewaySimulator(powerwalls_file=str(tmp_path / "missing.json"))
    with pytest.raises(ValueError, match="needs"):
        GatewaySimulator(scenario="replay")


async def control(
    client: aiohttp.ClientSession, sim: GatewaySimulator, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    """Send a control request as the CLI does: with the token, POST bodies as JSON."""
    if method == "POST" and body is None:
        body = {}
    status, answer, _ = await fetch(
        client, sim, "/_sim/" + path, method=method, json=body, headers=sim.control_headers
    )
    return status, answer


async def test_control_state_and_scenario(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    status, state = await control(client, gateway_simulator, "GET", "state")
    assert status == 200
    assert state["scenario"] == "normal"
    assert state["batteries"] == ["TG123456789001", "TG123456789002"]
    assert state["fingerprint"] == gateway_simulator.fingerprint
    assert state["sessions"] == 1
    status, state = await control(
        client, gateway_simulator, "POST", "scenario", {"name": "grid_outage", "outage": 10}
    )
    assert status == 200
    assert state["params"] == {"outage": 10.0, "reconnect": 300.0}
    assert (await get_ok(client, gateway_simulator, GRID_STATUS, token))["grid_status"] == (
        "SystemIslandedActive"
    )
    status, state = await control(client, gateway_simulator, "POST", "advance", {"seconds": 11})
    assert status == 200
    assert state["scenario_elapsed"] >= 11
    assert (await get_ok(client, gateway_simulator, GRID_STATUS, token))["grid_status"] == (
        "SystemTransitionToGrid"
    )


async def test_control_rejects_bad_input(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    assert (await control(client, gateway_simulator, "POST", "scenario", {"name": "nope"}))[
        0
    ] == 400
    assert (await control(client, gateway_simulator, "POST", "advance", {}))[0] == 400
    assert (await control(client, gateway_simulator, "POST", "advance", {"seconds": -5}))[0] == 400
    assert (await control(client, gateway_simulator, "POST", "password", {"password": 1}))[0] == 400
    assert (await control(client, gateway_simulator, "POST", "advance", [1]))[0] == 400


async def test_control_sessions_password_and_batteries(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    assert await control(client, sim, "POST", "expire_sessions") == (200, {"expired": 1})
    assert (await fetch(client, sim, POWERWALLS, token))[0] == 401
    status, _ = await control(client, sim, "POST", "password", {"password": "changed"})
    assert status == 200
    status, _, _ = await fetch(client, sim, LOGIN, method="POST", json=credentials("changed"))
    assert status == 200

    status, added = await control(client, sim, "POST", "batteries")
    assert (status, added["serial"]) == (201, "TG123456789003")
    status, replaced = await control(client, sim, "POST", "batteries/TG123456789001/replace")
    assert (status, replaced["serial"]) == (200, "TG123456789004")
    status, left = await control(client, sim, "DELETE", "batteries/TG123456789002")
    assert (status, left["batteries"]) == (200, ["TG123456789004", "TG123456789003"])
    assert (await control(client, sim, "DELETE", "batteries/TG123456789002"))[0] == 404
    assert (await control(client, sim, "POST", "batteries/TG1/replace"))[0] == 404


async def test_control_request_log_and_rate_limit(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    await fetch(client, gateway_simulator, POWERWALLS, token)
    status, log = await control(client, gateway_simulator, "GET", "requests")
    assert status == 200
    assert [(r["method"], r["path"], r["authenticated"], r["status"]) for r in log] == [
        ("POST", LOGIN, False, 200),
        ("GET", POWERWALLS, True, 200),
    ]
    assert isinstance(log[0]["at"], float)
    assert (await control(client, gateway_simulator, "DELETE", "requests"))[0] == 204
    assert gateway_simulator.requests == []
    _, state = await control(client, gateway_simulator, "POST", "rate_limit", {"enabled": False})
    assert state["rate_limit"] is False
    assert gateway_simulator.rate_limit is False
