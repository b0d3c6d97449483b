"""The gateway endpoints of a healthy simulator: shapes and values a client sees."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import aiohttp
import pytest

from simulator import GatewaySimulator
from simulator.pytest_plugin import SimulatorFactory as Factory

from .helpers import GRID_STATUS, POWERWALLS, POWERWALLS_STATUS, fetch, get_ok, login

SEED = json.loads(Path("simulator/seed/powerwalls.json").read_text(encoding="utf-8"))
SEED_STATUS = json.loads(Path("simulator/seed/powerwalls_status.json").read_text(encoding="utf-8"))


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and value types, lists by their first item."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


async def test_api_status_needs_no_session(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    status, body, _ = await fetch(client, gateway_simulator, "/api/status")
    assert status == 200
    assert body["din"] == "1232100-00-E--TG123456789A4M" == gateway_simulator.din
    assert body["version"] == "24.36.2 46990655"
    assert body["device_type"] == "teg"
    assert body["is_new"] is False
    assert body["can_reboot"] is True
    assert body["commission_count"] == 0
    assert re.fullmatch(r"\d+h\d+m[\d.]+s", body["up_time_seconds"])
    assert set(body) == {
        "din", "start_time", "up_time_seconds", "is_new", "version", "git_hash",
        "commission_count", "device_type", "teg_type", "sync_type", "cellular_disabled",
        "can_reboot",
    }  # fmt: skip


async def test_powerwalls_has_the_seed_shape(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    body = await get_ok(client, gateway_simulator, POWERWALLS, token)
    assert shape(body) == shape(SEED)
    assert len(body["powerwalls"]) == 2
    assert body["gateway_din"] == gateway_simulator.din
    assert body["sync"] == SEED["sync"]
    first = body["powerwalls"][0]
    assert first["PackageSerialNumber"] == "TG123456789001"
    assert first["PackagePartNumber"] == "1234567-05-B"
    assert first["grid_state"] == "Grid_Compliant"
    assert first["update_diagnostic"] == SEED["powerwalls"][0]["update_diagnostic"]


async def test_powerwalls_status_is_the_top_level_flags(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    body = await get_ok(client, gateway_simulator, POWERWALLS_STATUS, token)
    assert body == SEED_STATUS


async def test_grid_status(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    body = await get_ok(client, gateway_simulator, GRID_STATUS, token)
    assert body == {"grid_status": "SystemGridConnected", "grid_services_active": False}


@pytest.mark.parametrize("path", ["/api/nothing", "/", "/api/powerwalls/extra"])
async def test_unknown_path_is_404(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, path: str
) -> None:
    status, body, _ = await fetch(client, gateway_simulator, path)
    assert status == 404
    assert body == "404 page not found\n"


@pytest.mark.parametrize("count", [1, 5, 12])
async def test_battery_identities_are_deterministic(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory, count: int
) -> None:
    sim = await gateway_simulator_factory(batteries=count)
    other = await gateway_simulator_factory(batteries=count)
    assert sim.serials == other.serials
    assert sim.serials == [f"TG1234567890{index:02d}" for index in range(1, count + 1)]
    body = await get_ok(client, sim, POWERWALLS, await login(client, sim))
    assert [b["PackageSerialNumber"] for b in body["powerwalls"]] == sim.serials


@pytest.mark.parametrize("count", [0, 13])
def test_battery_count_out_of_range_is_refused(count: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 12"):
        GatewaySimulator(batteries=count)


async def test_certificate_fingerprint_matches_what_the_client_sees(
    gateway_simulator: GatewaySimulator,
) -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", gateway_simulator.fingerprint)
    async with aiohttp.ClientSession() as session:
        pinned = aiohttp.Fingerprint(bytes.fromhex(gateway_simulator.fingerprint))
        async with session.get(gateway_simulator.url + "/api/status", ssl=pinned) as response:
            assert response.status == 200
        wrong = aiohttp.Fingerprint(bytes(32))
        with pytest.raises(aiohttp.ServerFingerprintMismatch):
            await session.get(gateway_simulator.url + "/api/status", ssl=wrong)


async def test_each_simulator_has_its_own_certificate(gateway_simulator_factory: Factory) -> None:
    first = await gateway_simulator_factory()
    second = await gateway_simulator_factory()
    assert first.fingerprint != second.fingerprint
    assert first.port != second.port


async def test_given_certificate_is_served(
    gateway_simulator: GatewaySimulator, gateway_simulator_factory: Factory, tmp_path: Path
) -> None:
    cert = tmp_path / "cert.pem"
    key = tmp_path / "key.pem"
    cert.write_bytes(gateway_simulator.certificate.cert_pem)
    key.write_bytes(gateway_simulator.certificate.key_pem)
    sim = await gateway_simulator_factory(cert_file=str(cert), key_file=str(key))
    assert sim.fingerprint == gateway_simulator.fingerprint
    async with aiohttp.ClientSession() as session:
        pinned = aiohttp.Fingerprint(bytes.fromhex(gateway_simulator.fingerprint))
        async with session.get(sim.url + "/api/status", ssl=pinned) as response:
            assert response.status == 200


async def test_url_host_and_port(gateway_simulator: GatewaySimulator) -> None:
    assert gateway_simulator.port > 0
    assert gateway_simulator.host == f"127.0.0.1:{gateway_simulator.port}"
    assert gateway_simulator.url == f"https://127.0.0.1:{gateway_simulator.port}"
    assert gateway_simulator.password == "simulator-password"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "gateway.local"])
def test_non_loopback_bind_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        GatewaySimulator(host=host)


async def test_not_started_has_no_port() -> None:
    sim = GatewaySimulator()
    with pytest.raises(RuntimeError):
        _ = sim.url
    await sim.stop()


async def test_async_context_manager_starts_and_stops(
    client: aiohttp.ClientSession, socket_enabled: None
) -> None:
    async with GatewaySimulator() as sim:
        status, _, _ = await fetch(client, sim, "/api/status")
        assert status == 200
        url = sim.url
    with pytest.raises(aiohttp.ClientConnectionError):
        await client.get(url + "/api/status", ssl=False)
