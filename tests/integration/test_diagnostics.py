"""The diagnostics download: what a bug report needs, and no secret or serial number."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import MagicMock

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from custom_components.powerwall_gateway.api import PowerwallConnectionError
from custom_components.powerwall_gateway.const import CONF_SESSION
from simulator import GatewaySimulator

from .conftest import DIN, PASSWORD, SESSION, load_fixture, simulator_entry

REDACTED = "**REDACTED**"
EMAIL = "owner@example.com"

# Values that change from run to run; their type is kept in the snapshot.
VOLATILE = path_type(
    {
        r"entry\.(entry_id|created_at|modified_at)": (str,),
        # The simulator listens on a free port and makes a new certificate each run.
        r"entry\.data\.host": (str,),
        r"(client|entry\.data)\.certificate_fingerprint": (str,),
        # The simulator's clock: its start and up time.
        r"gateway_info\.up_time_seconds": (str,),
        r"payloads\./api/status\.(start_time|up_time_seconds)": (str,),
    },
    regex=True,
)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """The shared snapshot fixture, with volatile values matched by type."""
    return snapshot.with_defaults(matcher=VOLATILE)


def assert_absent(diagnostics: dict[str, Any], secrets: dict[str, str]) -> None:
    """None of ``secrets`` (what -> value) appears anywhere in the download's JSON text."""
    text = json.dumps(diagnostics)
    leaked = {what: value for what, value in secrets.items() if value and value in text}
    assert not leaked, f"diagnostics leak {sorted(leaked)}"


def mock_secrets(payload: dict[str, Any]) -> dict[str, str]:
    secrets = {
        "password": PASSWORD,
        "email": EMAIL,
        "token": SESSION["token"],
        "AuthCookie": SESSION["AuthCookie"],
        "UserRecord": SESSION["UserRecord"],
        "entry DIN": DIN,
        "payload DIN": payload["gateway_din"],
        # The gateway serial part of the DIN, in any spelling.
        "gateway serial": DIN.rsplit("--", 1)[1],
    }
    for index, battery in enumerate(payload["powerwalls"]):
        secrets[f"battery {index} serial"] = battery["PackageSerialNumber"]
    return secrets


async def test_diagnostics_mock_client(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The mocked gateway's diagnostics: the entry, the payload and the coordinator state."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert diagnostics == snapshot


async def test_diagnostics_mock_client_content(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    """The payloads and the coordinator state are there, credentials only as redacted."""
    payload = load_fixture("powerwalls.json")
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)

    raw = diagnostics["payloads"]["/api/powerwalls"]
    assert raw["powerwalls"][0]["grid_state"] == payload["powerwalls"][0]["grid_state"]
    assert raw["powerwalls"][0]["PackageSerialNumber"] == REDACTED
    assert raw["gateway_din"] == REDACTED
    assert raw["sync"] == json.loads(json.dumps(payload["sync"]))
    assert diagnostics["live"]["grid"]["grid_status"] == "SystemGridConnected"
    assert diagnostics["live"]["status"]["phase_detection_not_available"] is True
    assert diagnostics["gateway_info"]["version"] == "24.36.2 46990655"
    assert diagnostics["gateway_info"]["din"] == REDACTED
    assert diagnostics["coordinators"] == {
        "live": {"last_update_success": True, "last_exception": "None", "interval_seconds": 30.0},
        "batteries": {
            "last_update_success": True,
            "last_exception": "None",
            "interval_seconds": 300.0,
        },
    }
    assert diagnostics["client"] == {
        "logins": 1,
        "rate_limited_for_seconds": 0.0,
        "certificate_fingerprint": "ab" * 32,
    }
    entry_data = diagnostics["entry"]["data"]
    assert entry_data[CONF_PASSWORD] == REDACTED
    assert entry_data[CONF_EMAIL] == REDACTED
    assert entry_data[CONF_SESSION] == REDACTED
    assert diagnostics["entry"]["unique_id"] == REDACTED
    assert diagnostics["entry"]["title"] == REDACTED


async def test_diagnostics_mock_client_redacts_secrets(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    """No password, email, token, cookie or DIN anywhere in the download."""
    secrets = mock_secrets(load_fixture("powerwalls.json"))
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert_absent(diagnostics, {k: v for k, v in secrets.items() if not k.startswith("battery")})


async def test_diagnostics_mock_client_redacts_battery_serials(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    """No battery serial number anywhere in the download."""
    secrets = mock_secrets(load_fixture("powerwalls.json"))
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert_absent(diagnostics, {k: v for k, v in secrets.items() if k.startswith("battery")})


async def test_diagnostics_simulator(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    snapshot: SnapshotAssertion,
) -> None:
    """A real gateway conversation's diagnostics: every endpoint's last answer, redacted."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, sim_entry)
    assert diagnostics == snapshot


def simulator_secrets(sim: GatewaySimulator, entry: MockConfigEntry) -> dict[str, str]:
    session = entry.data[CONF_SESSION]
    # The entry keeps the session the simulator handed out at the first poll.
    assert session, "no session was stored"
    secrets = {
        "password": sim.password,
        "email": entry.data.get(CONF_EMAIL, ""),
        "DIN": sim.din,
        "DIN (upper case)": sim.din.upper(),
        **{f"session {key}": value for key, value in session.items()},
    }
    for index, serial in enumerate(sim.serials):
        secrets[f"battery {index} serial"] = serial
    return secrets


async def test_diagnostics_simulator_content(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
) -> None:
    """Every endpoint read is there, with the coordinator's view of the gateway."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, sim_entry)
    assert set(diagnostics["payloads"]) == {
        "/api/status",
        "/api/powerwalls",
        "/api/powerwalls/status",
        "/api/system_status/grid_status",
    }
    powerwalls = diagnostics["payloads"]["/api/powerwalls"]["powerwalls"]
    assert len(powerwalls) == len(simulator.serials) == 2
    assert all(p["PackageSerialNumber"] == REDACTED for p in powerwalls)
    assert diagnostics["payloads"]["/api/status"]["din"] == REDACTED
    assert [p["grid_state"] for p in diagnostics["batteries"]["powerwalls"]] == [
        "Grid_Compliant",
        "Grid_Compliant",
    ]
    assert diagnostics["coordinators"]["live"]["last_update_success"] is True
    assert diagnostics["coordinators"]["batteries"]["last_update_success"] is True
    assert diagnostics["client"]["logins"] == simulator.logins == 1
    fingerprint = diagnostics["client"]["certificate_fingerprint"]
    assert isinstance(fingerprint, str)
    assert len(fingerprint) == 64
    assert int(fingerprint, 16) >= 0
    assert diagnostics["entry"]["data"][CONF_SESSION] == REDACTED


@pytest.mark.parametrize("email", ["", EMAIL])
async def test_diagnostics_simulator_redacts_secrets(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: GatewaySimulator,
    email: str,
) -> None:
    """No password, email, session token or cookie, or DIN anywhere in the download."""
    entry = simulator_entry(simulator, **{CONF_EMAIL: email})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    secrets = simulator_secrets(simulator, entry)
    assert secrets["email"] == email
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert_absent(diagnostics, {k: v for k, v in secrets.items() if not k.startswith("battery")})
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_diagnostics_simulator_redacts_battery_serials(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
) -> None:
    """No battery serial number anywhere in the download."""
    secrets = simulator_secrets(simulator, sim_entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, sim_entry)
    assert_absent(diagnostics, {k: v for k, v in secrets.items() if k.startswith("battery")})


async def test_diagnostics_entry_not_loaded(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
) -> None:
    """A gateway that cannot be set up still gives a download: the entry and its state."""
    mock_client.get_status.side_effect = PowerwallConnectionError("unreachable")
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    assert diagnostics["entry"]["domain"] == "powerwall_gateway"
    assert diagnostics["entry"]["data"][CONF_PASSWORD] == REDACTED
    assert diagnostics["entry"]["data"]["host"] == mock_config_entry.data["host"]
    # Why the gateway is not loaded is the first thing a bug report needs.
    assert "setup_retry" in json.dumps(diagnostics["state"])
    assert "payloads" not in diagnostics
    assert_absent(diagnostics, mock_secrets(load_fixture("powerwalls.json")))
