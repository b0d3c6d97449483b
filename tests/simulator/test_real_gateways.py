"""Scenarios of real gateways as public evidence shows them (issue 14), over real HTTPS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
import pytest

from simulator import GatewaySimulator
from simulator.payloads import STATUS_FLAGS
from simulator.pytest_plugin import SimulatorFactory as Factory

from .helpers import GRID_STATUS, POWERWALLS, POWERWALLS_STATUS, fetch, get_ok, login

METERS = "/api/meters/aggregates"
SOE = "/api/system_status/soe"
REMOVED_ON_RESTRICTED = ("/api/site_info", "/api/sitemaster", "/api/operation")
SITE_CONTROLLER_RUNNING = (
    "Cannot perform this action with site controller running. From landing page, "
    'either "STOP SYSTEM" or "RUN WIZARD" to proceed.'
)


async def status_of(
    client: aiohttp.ClientSession, sim: GatewaySimulator, path: str, token: str | None = None
) -> int:
    return (await fetch(client, sim, path, token))[0]


async def api_status(client: aiohttp.ClientSession, sim: GatewaySimulator) -> dict[str, Any]:
    status, body, _ = await fetch(client, sim, "/api/status")
    assert status == 200
    assert isinstance(body, dict)
    return body


# -- live data every gateway has ---------------------------------------------------


async def test_meters_aggregates_and_soe_need_a_session_and_have_real_shapes(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    assert await status_of(client, sim, METERS) == 401
    assert await status_of(client, sim, SOE) == 401
    meters = await get_ok(client, sim, METERS, token)
    assert set(meters) == {"site", "battery", "load", "solar"}
    for meter in meters.values():
        assert isinstance(meter["instant_power"], float)
        assert isinstance(meter["energy_exported"], float)
        assert isinstance(meter["energy_imported"], float)
        assert meter["frequency"] == 60.0
        assert meter["timeout"] == 1500000000
        datetime.fromisoformat(meter["last_communication_time"])
    # Solar covers the house and charges the battery; the grid meter reads about zero.
    assert meters["battery"]["instant_power"] < 0 < meters["solar"]["instant_power"]
    assert abs(meters["site"]["instant_power"]) < 100
    soe = await get_ok(client, sim, SOE, token)
    assert list(soe) == ["percentage"]
    assert 0 <= soe["percentage"] <= 100


# -- restricted ----------------------------------------------------------------------


async def test_restricted_serves_only_what_core_found_on_such_gateways(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    sim = gateway_simulator
    sim.set_scenario("restricted")
    token = await login(client, sim)  # the login still works
    for path in (POWERWALLS, POWERWALLS_STATUS, *REMOVED_ON_RESTRICTED):
        status, body, headers = await fetch(client, sim, path, token)
        assert (status, body) == (404, "404 page not found\n"), path
        assert headers["Content-Type"].startswith("text/plain")
    status = await api_status(client, sim)
    assert status["din"] == "1232100-00-E--TG123456789A4M" == sim.din
    assert status["version"] == "25.10.1 9f8e7d6c"
    grid = await get_ok(client, sim, GRID_STATUS, token)
    assert grid["grid_status"] == "SystemGridConnected"
    assert set(await get_ok(client, sim, METERS, token)) == {"site", "battery", "load", "solar"}
    assert "percentage" in await get_ok(client, sim, SOE, token)
    # The data endpoints that remain still need a session.
    assert await status_of(client, sim, GRID_STATUS) == 401


async def test_restricted_gateway_goes_off_grid(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.set_scenario("restricted", grid_status="SystemIslandedActive")
    grid = await get_ok(client, sim, GRID_STATUS, token)
    assert grid["grid_status"] == "SystemIslandedActive"
    assert await status_of(client, sim, POWERWALLS, token) == 404


async def test_restricted_with_the_status_endpoint_still_answering(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.set_scenario("restricted", status_endpoint=True)
    assert await status_of(client, sim, POWERWALLS, token) == 404
    flags = await get_ok(client, sim, POWERWALLS_STATUS, token)
    assert tuple(flags) == STATUS_FLAGS


async def test_restricted_opens_up_after_a_firmware_update(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.set_scenario("restricted", unlock_after=3600)
    sim.advance(3599)
    assert await status_of(client, sim, POWERWALLS, token) == 404
    assert (await api_status(client, sim))["version"] == "25.10.1 9f8e7d6c"
    sim.advance(1)
    assert (await api_status(client, sim))["version"] == "25.18.2 4c1d9e0a"
    body = await get_ok(client, sim, POWERWALLS, token)
    assert [b["PackageSerialNumber"] for b in body["powerwalls"]] == sim.serials
    assert body["gateway_din"] == sim.din
    assert tuple(await get_ok(client, sim, POWERWALLS_STATUS, token)) == STATUS_FLAGS


async def test_restricted_powerwall3_reports_its_own_din(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.set_scenario("restricted", powerwall3=True, version="25.42.0 0a1b2c3d")
    status = await api_status(client, sim)
    assert status["din"] == "1707000-11-J--TG1234567890PW3" == sim.din
    assert status["teg_type"] == "pw3"
    assert status["version"] == "25.42.0 0a1b2c3d"
    assert await status_of(client, sim, POWERWALLS, token) == 404


async def test_restricted_surface_answers_only_the_login_and_three_live_endpoints(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    sim = gateway_simulator
    sim.set_scenario("restricted_surface", grid_status="SystemIslandedActive")
    token = await login(client, sim)
    for path in (
        "/api/status",
        POWERWALLS,
        POWERWALLS_STATUS,
        "/api/logout",
        *REMOVED_ON_RESTRICTED,
    ):
        for session in (None, token):
            status, body, headers = await fetch(client, sim, path, session)
            assert (status, body) == (404, "404 page not found\n"), path
            assert headers["Content-Type"].startswith("text/plain")
    assert (await get_ok(client, sim, GRID_STATUS, token))["grid_status"] == "SystemIslandedActive"
    assert set(await get_ok(client, sim, METERS, token)) == {"site", "battery", "load", "solar"}
    assert "percentage" in await get_ok(client, sim, SOE, token)
    assert await status_of(client, sim, GRID_STATUS) == 401
    assert sim.din is None


# -- status_locked -------------------------------------------------------------------


async def test_status_locked_answers_409_and_the_flags_stay_in_powerwalls(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.set_scenario("status_locked")
    status, body, _ = await fetch(client, sim, POWERWALLS_STATUS, token)
    assert (status, body) == (409, {"code": 409, "error": "Sitemaster is current running"})
    full = await get_ok(client, sim, POWERWALLS, token)
    assert list(full)[: len(STATUS_FLAGS)] == list(STATUS_FLAGS)
    assert full["on_grid_check_error"] == (
        "run sitemanager flag enabled, sitemanager process is running"
    )
    assert (await get_ok(client, sim, GRID_STATUS, token))["grid_status"] == "SystemGridConnected"
    sim.advance(6 * 3600)  # locked for as long as the site runs
    assert await status_of(client, sim, POWERWALLS_STATUS, token) == 409


async def test_status_locked_for_a_while(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.set_scenario("status_locked", duration=600)
    assert await status_of(client, sim, POWERWALLS_STATUS, token) == 409
    sim.advance(600)
    assert tuple(await get_ok(client, sim, POWERWALLS_STATUS, token)) == STATUS_FLAGS


# -- identities ----------------------------------------------------------------------


def served_serials(body: dict[str, Any]) -> list[str]:
    return [battery["PackageSerialNumber"] for battery in body["powerwalls"]]


async def test_serial_equals_din(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory
) -> None:
    sim = await gateway_simulator_factory(batteries=3, scenario="serial_equals_din")
    token = await login(client, sim)
    body = await get_ok(client, sim, POWERWALLS, token)
    din = "1232100-00-E--TG123456789A4M"
    assert served_serials(body) == [din, "TG123456789002", "TG123456789003"] == sim.serials
    assert body["gateway_din"] == din == sim.din
    assert (await api_status(client, sim))["din"] == din


async def test_serial_equals_din_redacted_everywhere(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.set_scenario("serial_equals_din", placeholder="**REDACTED**", all_batteries=True)
    body = await get_ok(client, sim, POWERWALLS, token)
    assert served_serials(body) == ["**REDACTED**", "**REDACTED**"] == sim.serials
    assert body["gateway_din"] == "**REDACTED**" == sim.din
    assert (await api_status(client, sim))["din"] == "**REDACTED**"


async def test_duplicate_serials(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory
) -> None:
    sim = await gateway_simulator_factory(batteries=1, scenario="duplicate_serials")
    token = await login(client, sim)
    body = await get_ok(client, sim, POWERWALLS, token)
    assert served_serials(body) == ["TG123456789001", "TG123456789001"] == sim.serials
    # Each entry is a whole battery, not a copy of one object.
    assert len(body["powerwalls"][1]["commissioning_diagnostic"]["checks"]) == 4
    sim.remove_battery("TG123456789001")
    assert served_serials(await get_ok(client, sim, POWERWALLS, token)) == ["TG123456789001"]
    sim.set_scenario("duplicate_serials", batteries=3)
    assert sim.serials == ["TG123456789001", "TG123456789001", "TG123456789003"]


async def test_no_din_anywhere_until_a_firmware_update_adds_one(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.set_scenario("no_din", din_after=900)
    status = await api_status(client, sim)
    assert "din" not in status
    assert status["version"] == "21.44.1 c58c2df3"
    body = await get_ok(client, sim, POWERWALLS, token)
    assert "gateway_din" not in body
    assert served_serials(body) == sim.serials
    assert sim.din is None
    sim.advance(900)
    status = await api_status(client, sim)
    assert status["din"] == "1232100-00-E--TG123456789A4M" == sim.din
    assert status["version"] == "24.36.2 46990655"
    assert (await get_ok(client, sim, POWERWALLS, token))["gateway_din"] == sim.din


async def test_no_din_for_good_by_default(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    gateway_simulator.set_scenario("no_din")
    gateway_simulator.advance(10 * 86400)
    assert "din" not in await api_status(client, gateway_simulator)


# -- site_controller_running ---------------------------------------------------------


async def test_site_controller_running_looks_failed_but_is_healthy(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory
) -> None:
    sim = await gateway_simulator_factory(batteries=3, scenario="site_controller_running")
    token = await login(client, sim)
    assert (await get_ok(client, sim, GRID_STATUS, token))["grid_status"] == "SystemGridConnected"
    body = await get_ok(client, sim, POWERWALLS, token)
    assert [b["grid_state"] for b in body["powerwalls"]] == ["Grid_Uncompliant"] * 3
    assert body["updating"] is False
    owners = [*body["powerwalls"], body["sync"]]
    assert len(owners) == 4
    for owner in owners:
        commissioning = owner["commissioning_diagnostic"]["checks"]
        assert commissioning
        for check in commissioning:
            assert (check["status"], check["message"]) == ("fail", SITE_CONTROLLER_RUNNING)
        update = owner["update_diagnostic"]["checks"]
        assert update
        for check in update:
            assert (check["status"], check["progress"]) == ("pass", 1)
            start = datetime.fromisoformat(check["start_time"])
            end = datetime.fromisoformat(check["end_time"])
            assert start < end < sim.wall_time()
        assert owner["commissioning_diagnostic"]["alert"] is False
        assert owner["update_diagnostic"]["alert"] is False
    status = await get_ok(client, sim, POWERWALLS_STATUS, token)
    assert status == {key: body[key] for key in STATUS_FLAGS}


@pytest.mark.parametrize(
    "name",
    [
        "restricted",
        "status_locked",
        "serial_equals_din",
        "duplicate_serials",
        "no_din",
        "site_controller_running",
    ],
)
async def test_new_scenarios_switch_over_the_control_api(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, name: str
) -> None:
    status, body, _ = await fetch(
        client,
        gateway_simulator,
        "/_sim/scenario",
        method="POST",
        json={"name": name},
        headers=gateway_simulator.control_headers,
    )
    assert status == 200
    assert body["scenario"] == name
