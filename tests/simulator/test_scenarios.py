"""Every scenario, driven over HTTPS: what a client sees, and how it moves with the clock."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from simulator import SCENARIOS, GatewaySimulator
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

DATA = (POWERWALLS, POWERWALLS_STATUS, GRID_STATUS)


async def powerwalls(client: aiohttp.ClientSession, sim: GatewaySimulator, token: str) -> Any:
    return await get_ok(client, sim, POWERWALLS, token)


def checks(battery: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(c["status"], c["progress"]) for c in battery["update_diagnostic"]["checks"]]


async def test_scenario_names() -> None:
    assert set(SCENARIOS) >= {
        "normal", "update", "grid_outage", "phase_detection", "phase_detection_failed",
        "grid_qualifying", "battery_added", "battery_removed", "battery_replaced",
        "battery_disabled", "battery_missing_fields", "stopped", "busy", "conflict",
        "future_firmware", "old_firmware", "states_empty", "states_list", "powerwall3",
        "html_error", "truncated_json", "wrong_types", "slow", "connection_reset", "replay",
        "restricted", "status_locked", "serial_equals_din", "duplicate_serials", "no_din",
        "site_controller_running", "microgrid_faulted", "restricted_surface",
    }  # fmt: skip
    assert all(scenario.description for scenario in SCENARIOS.values())


def test_unknown_scenario_or_parameter_is_refused() -> None:
    sim = GatewaySimulator()
    with pytest.raises(ValueError, match="unknown scenario"):
        sim.set_scenario("meltdown")
    with pytest.raises(ValueError, match="no parameter"):
        sim.set_scenario("update", speed=3)
    with pytest.raises(ValueError, match="must be like"):
        sim.set_scenario("update", duration="soon")
    assert sim.scenario == "normal"


async def test_normal_grid_state_parameter(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("normal", grid_state="Grid_Uncompliant", batteries=4)
    body = await powerwalls(client, gateway_simulator, token)
    assert [b["grid_state"] for b in body["powerwalls"]] == ["Grid_Uncompliant"] * 4


async def test_update_progresses_with_the_clock_then_finishes(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.set_scenario("update", duration=400.0)
    body = await powerwalls(client, sim, token)
    assert body["updating"] is True
    assert body["sync"]["updating"] is True
    assert all(b["updating"] for b in body["powerwalls"])
    status = await get_ok(client, sim, POWERWALLS_STATUS, token)
    assert status["updating"] is True

    sim.advance(150)  # 4 checks of 100 s: first done, second half way
    battery = (await powerwalls(client, sim, token))["powerwalls"][0]
    assert checks(battery)[0] == ("pass", 1)
    assert checks(battery)[1][0] == "running"
    assert 0.45 < checks(battery)[1][1] < 0.55
    assert checks(battery)[2:] == [("not_run", 0), ("not_run", 0)]
    assert battery["update_diagnostic"]["checks"][0]["end_time"]
    assert battery["update_diagnostic"]["checks"][2]["start_time"] is None

    sim.advance(250)
    body = await powerwalls(client, sim, token)
    assert body["updating"] is False
    for battery in body["powerwalls"]:
        assert battery["updating"] is False
        assert checks(battery) == [("pass", 1)] * 4
    sync_checks = body["sync"]["update_diagnostic"]["checks"]
    assert [c["status"] for c in sync_checks] == ["pass"] * 3
    version = (await fetch(client, sim, "/api/status"))[1]["version"]
    assert version == "24.44.1 8e4a4d2a"


async def test_update_progress_in_percent(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("update", duration=40.0, progress_percent=True)
    gateway_simulator.advance(5)
    battery = (await powerwalls(client, gateway_simulator, token))["powerwalls"][0]
    assert checks(battery)[0][0] == "running"
    assert 45 <= checks(battery)[0][1] <= 55


async def test_grid_outage_timeline(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.set_scenario("grid_outage", outage=60.0, reconnect=300.0)

    async def snapshot() -> tuple[str, list[str], list[int], bool]:
        grid = await get_ok(client, sim, GRID_STATUS, token)
        body = await powerwalls(client, sim, token)
        return (
            grid["grid_status"],
            [b["grid_state"] for b in body["powerwalls"]],
            [b["grid_reconnection_time_seconds"] for b in body["powerwalls"]],
            body["grid_qualifying"],
        )

    grid, states, timers, qualifying = await snapshot()
    assert (grid, states, qualifying) == ("SystemIslandedActive", ["Grid_Uncompliant"] * 2, False)
    sim.advance(60)
    grid, states, timers, qualifying = await snapshot()
    assert (grid, states, qualifying) == ("SystemTransitionToGrid", ["Grid_Qualifying"] * 2, True)
    assert 299 <= timers[0] <= 300
    sim.advance(200)
    _, _, timers, _ = await snapshot()
    assert 99 <= timers[0] <= 100
    status = await get_ok(client, sim, POWERWALLS_STATUS, token)
    assert status["grid_qualifying"] is True
    sim.advance(101)
    grid, states, timers, qualifying = await snapshot()
    assert (grid, states, timers, qualifying) == (
        "SystemGridConnected", ["Grid_Compliant"] * 2, [0, 0], False,
    )  # fmt: skip


async def test_microgrid_faulted_for_a_while_then_back_on_grid(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    """Powerwall-Dashboard#158: an outage the gateway calls SystemMicroGridFaulted."""
    sim = gateway_simulator
    sim.set_scenario("microgrid_faulted", duration=60.0)
    grid = await get_ok(client, sim, GRID_STATUS, token)
    assert grid == {"grid_status": "SystemMicroGridFaulted", "grid_services_active": False}
    body = await powerwalls(client, sim, token)
    assert [b["grid_state"] for b in body["powerwalls"]] == ["Grid_Uncompliant"] * 2
    sim.advance(60)
    grid = await get_ok(client, sim, GRID_STATUS, token)
    assert grid["grid_status"] == "SystemGridConnected"
    body = await powerwalls(client, sim, token)
    assert [b["grid_state"] for b in body["powerwalls"]] == ["Grid_Compliant"] * 2


async def test_microgrid_faulted_serves_any_grid_status_as_older_firmware_would(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario(
        "microgrid_faulted", grid_status="SystemIslandFaulted", no_grid_services_active=True
    )
    grid = await get_ok(client, gateway_simulator, GRID_STATUS, token)
    assert grid == {"grid_status": "SystemIslandFaulted"}


@pytest.mark.parametrize(
    ("name", "flags", "battery"),
    [
        ("phase_detection", {"running_phase_detection": True}, {"under_phase_detection": True}),
        (
            "phase_detection_failed",
            {
                "phase_detection_last_error": "phase detection failed: no voltage measured on L2",
                "phase_detection_not_available": True,
            },
            {},
        ),
        (
            "grid_qualifying",
            {"grid_qualifying": True, "grid_code_validating": True},
            {"grid_state": "Grid_Qualifying"},
        ),
    ],
)
async def test_flag_scenarios(
    client: aiohttp.ClientSession,
    gateway_simulator: GatewaySimulator,
    token: str,
    name: str,
    flags: dict[str, Any],
    battery: dict[str, Any],
) -> None:
    gateway_simulator.set_scenario(name)
    status = await get_ok(client, gateway_simulator, POWERWALLS_STATUS, token)
    body = await powerwalls(client, gateway_simulator, token)
    for key, value in flags.items():
        assert status[key] == value
        assert body[key] == value
    for entry in body["powerwalls"]:
        for key, value in battery.items():
            assert entry[key] == value


async def test_runtime_battery_changes(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator

    async def served() -> list[str]:
        return [
            b["PackageSerialNumber"] for b in (await powerwalls(client, sim, token))["powerwalls"]
        ]

    new = sim.add_battery()
    assert new == "TG123456789003"
    assert await served() == ["TG123456789001", "TG123456789002", "TG123456789003"]
    replacement = sim.replace_battery("TG123456789001")
    assert await served() == [replacement, "TG123456789002", "TG123456789003"]
    assert replacement == "TG123456789004"
    sim.remove_battery("TG123456789002")
    assert await served() == [replacement, "TG123456789003"] == sim.serials
    with pytest.raises(KeyError):
        sim.remove_battery("TG000")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("battery_added", ["TG123456789001", "TG123456789002", "TG123456789003", "TG123456789004"]),
        ("battery_removed", ["TG123456789001", "TG123456789002"]),
        ("battery_replaced", ["TG123456789001", "TG123456789002", "TG123456789004"]),
    ],
)
async def test_battery_change_scenarios_are_relative_to_batteries(
    client: aiohttp.ClientSession,
    gateway_simulator_factory: Factory,
    name: str,
    expected: list[str],
) -> None:
    sim = await gateway_simulator_factory(batteries=3, scenario=name)
    body = await powerwalls(client, sim, await login(client, sim))
    assert [b["PackageSerialNumber"] for b in body["powerwalls"]] == expected


async def test_battery_disabled(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("battery_disabled")
    first, last = (await powerwalls(client, gateway_simulator, token))["powerwalls"]
    assert first["in_config"] is True
    assert first["grid_state"] == "Grid_Compliant"
    assert last["in_config"] is False
    assert "grid_state" not in last


async def test_battery_missing_fields(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("battery_missing_fields")
    first, last = (await powerwalls(client, gateway_simulator, token))["powerwalls"]
    assert len(first) == 12
    assert last == {
        "PackageSerialNumber": "TG123456789002",
        "type": "ACPW",
        "commissioning_diagnostic": None,
        "update_diagnostic": None,
    }


@pytest.mark.parametrize(
    ("name", "status", "body"),
    [
        ("stopped", 502, None),
        (
            "busy",
            503,
            {
                "code": 503,
                "error": "current config mode is busy",
                "message": "current config mode is busy",
            },
        ),
        ("conflict", 409, None),
    ],
)
async def test_error_scenarios(
    client: aiohttp.ClientSession,
    gateway_simulator: GatewaySimulator,
    token: str,
    name: str,
    status: int,
    body: dict[str, Any] | None,
) -> None:
    gateway_simulator.set_scenario(name)
    for path in DATA:
        got_status, got_body, _ = await fetch(client, gateway_simulator, path, token)
        assert got_status == status
        assert got_body["code"] == status
        if body is not None:
            assert got_body == body
    # Login and /api/status still answer.
    assert (await fetch(client, gateway_simulator, "/api/status"))[0] == 200
    status_code, _, _ = await fetch(
        client, gateway_simulator, LOGIN, method="POST", json=credentials("simulator-password")
    )
    assert status_code == 200


async def test_error_scenario_for_a_while_including_login(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("busy", duration=120.0, include_login=True)
    login_status, _, _ = await fetch(
        client, gateway_simulator, LOGIN, method="POST", json=credentials("simulator-password")
    )
    assert login_status == 503
    assert (await fetch(client, gateway_simulator, POWERWALLS, token))[0] == 503
    gateway_simulator.advance(121)
    assert (await fetch(client, gateway_simulator, POWERWALLS, token))[0] == 200


async def test_future_firmware(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("future_firmware")
    body = await powerwalls(client, gateway_simulator, token)
    assert body["is_on_grid"] is True
    assert body["has_sync"] is True
    assert body["phase_detection_attempt"] == 2
    assert body["states"] == ["SystemStateRunning", "GridCodeApplied"]
    battery = body["powerwalls"][0]
    assert battery["grid_state"] == "Grid_Islanded"
    assert battery["type"] == "SolarPowerwall"
    statuses = {c["status"] for c in battery["commissioning_diagnostic"]["checks"]}
    assert "warning" in statuses
    progress = [c["progress"] for c in battery["update_diagnostic"]["checks"]]
    assert 0 < progress[0] < 1
    assert len(battery["update_diagnostic"]["checks"]) == 5
    grid = await get_ok(client, gateway_simulator, GRID_STATUS, token)
    assert grid["grid_status"] == "SystemGridConnected"
    assert "island_reason" in grid


async def test_old_firmware(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("old_firmware")
    body = await powerwalls(client, gateway_simulator, token)
    assert "gateway_din" not in body
    assert "msa" not in body
    assert body["sync"] is None
    assert body["states"] is None
    first, second = body["powerwalls"]
    assert first["type"] == "acpw"
    assert first["update_diagnostic"]["checks"] is None
    assert len(second["update_diagnostic"]["checks"]) == 2
    assert len(first["commissioning_diagnostic"]["checks"]) == 3
    assert all("debug" not in c for c in first["commissioning_diagnostic"]["checks"])
    status = (await fetch(client, gateway_simulator, "/api/status"))[1]
    assert status["version"].startswith("21.")
    assert "is_new" not in status


@pytest.mark.parametrize(
    ("name", "states"),
    [("states_empty", []), ("states_list", ["SystemStateRunning", "GridCodeApplied"])],
)
async def test_states_variants(
    client: aiohttp.ClientSession,
    gateway_simulator: GatewaySimulator,
    token: str,
    name: str,
    states: list[str],
) -> None:
    gateway_simulator.set_scenario(name)
    assert (await powerwalls(client, gateway_simulator, token))["states"] == states


async def test_states_list_parameter_from_text(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("states_list", states="A,B")
    assert (await powerwalls(client, gateway_simulator, token))["states"] == ["A", "B"]


async def test_powerwall3_has_only_api_status(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("powerwall3")
    status, body, _ = await fetch(client, gateway_simulator, "/api/status")
    assert status == 200
    assert body["din"].startswith("1707000-")
    for path in (*DATA, "/api/system_status/soe"):
        assert (await fetch(client, gateway_simulator, path, token))[0] == 404
    login_status, _, _ = await fetch(
        client, gateway_simulator, LOGIN, method="POST", json=credentials("simulator-password")
    )
    assert login_status == 404


async def test_html_error(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("html_error")
    async with client.get(
        gateway_simulator.url + POWERWALLS,
        headers={"Authorization": f"Bearer {token}"},
        ssl=False,
    ) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        assert (await response.text()).startswith("<!DOCTYPE html>")


async def test_truncated_json(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("truncated_json")
    for path in DATA:
        status, body, _ = await fetch(client, gateway_simulator, path, token)
        assert status == 200
        assert isinstance(body, str)
        assert body.startswith("{")
        with pytest.raises(ValueError, match=r"Unterminated|Expecting"):
            json.loads(body)


async def test_wrong_types_array(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("wrong_types")
    for path in DATA:
        assert isinstance(await get_ok(client, gateway_simulator, path, token), list)


async def test_wrong_types_fields(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("wrong_types", mode="fields")
    body = await powerwalls(client, gateway_simulator, token)
    assert body["sync"] == "sync"
    assert body["updating"] == "false"
    assert body["powerwalls"][0]["commissioning_diagnostic"] == "Commissioning"
    assert "TG0000000000XX" in body["powerwalls"]
    status = await get_ok(client, gateway_simulator, POWERWALLS_STATUS, token)
    assert status["enumerating"] == "False"
    grid = await get_ok(client, gateway_simulator, GRID_STATUS, token)
    assert grid["grid_status"] == 1
    with pytest.raises(ValueError, match="mode"):
        gateway_simulator.set_scenario("wrong_types", mode="other")


async def test_slow_answers_after_the_delay(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory
) -> None:
    sim = await gateway_simulator_factory(scenario="slow", slow_delay=0.5)
    token = await login(client, sim)  # login is not delayed
    with pytest.raises(TimeoutError):
        await client.get(
            sim.url + POWERWALLS,
            headers={"Authorization": f"Bearer {token}"},
            ssl=False,
            timeout=aiohttp.ClientTimeout(total=0.2),
        )
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await fetch(client, sim, POWERWALLS, token))[0] == 200
    assert loop.time() - started >= 0.45


async def test_slow_delay_parameter_and_stop_releases_waiting_answers(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("slow", delay=60.0)
    request = asyncio.ensure_future(fetch(client, gateway_simulator, POWERWALLS, token))
    await asyncio.sleep(0.2)
    assert not request.done()
    await gateway_simulator.stop()
    status, _, _ = await asyncio.wait_for(request, 5)
    assert status == 200


async def test_connection_reset(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.set_scenario("connection_reset")
    with pytest.raises(aiohttp.ClientConnectionError):
        await fetch(client, gateway_simulator, POWERWALLS, token)
    assert gateway_simulator.count(POWERWALLS, status=0) >= 1
    gateway_simulator.set_scenario("normal")
    assert (await fetch(client, gateway_simulator, POWERWALLS, token))[0] == 200
