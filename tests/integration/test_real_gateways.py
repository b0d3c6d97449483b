"""Gateways as they are in the field: restricted APIs, a locked status endpoint, odd identities."""

from __future__ import annotations

import logging
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powerwall_gateway.api import (
    GatewayInfo,
    GridStatusInfo,
    PowerwallBusyError,
    PowerwallRateLimitError,
    Powerwalls,
    PowerwallUnsupportedError,
)
from custom_components.powerwall_gateway.const import DOMAIN
from simulator.pytest_plugin import SimulatorFactory

from .conftest import (
    DIN,
    HOST,
    PASSWORD,
    load_fixture,
    poll,
    read_everything,
    simulator_entry,
    state_of,
)

GRID_CONNECTED = "binary_sensor.backup_gateway_grid_connected"
GRID_STATUS = "sensor.backup_gateway_grid_status"
UPDATING = "binary_sensor.backup_gateway_updating"
BATTERY = "sensor.powerwall_2_tg123456789v61"
SERIAL = "TG123456789V61"


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def restricted(mock_client: MagicMock, *, flags: bool = False) -> None:
    """The gateway answers 404 for /api/powerwalls (and for its flags unless ``flags``)."""
    mock_client.get_powerwalls.side_effect = PowerwallUnsupportedError("404 /api/powerwalls")
    if not flags:
        mock_client.get_status.side_effect = PowerwallUnsupportedError("404 status")


async def test_restricted_gateway_sets_up_with_the_live_grid_status(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A restricted local API: Grid connected and Grid status, a repair issue saying what is not."""
    restricted(mock_client)
    await setup(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert state_of(hass, GRID_CONNECTED).state == "on"
    assert state_of(hass, GRID_STATUS).state == "system_grid_connected"
    entity_ids = {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
    }
    assert entity_ids == {
        GRID_CONNECTED,
        GRID_STATUS,
        "sensor.backup_gateway_off_grid_reason",
        "sensor.backup_gateway_last_outage_start",
        "sensor.backup_gateway_last_outage_end",
        "sensor.backup_gateway_last_outage_duration",
        "sensor.backup_gateway_grid_outages",
        "sensor.backup_gateway_time_off_grid",
        "event.backup_gateway_grid",
    }
    issue = issue_registry.async_get_issue(DOMAIN, f"restricted_api_{mock_config_entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"host": HOST}
    for entity_id in entity_ids:
        assert state_of(hass, entity_id).state != STATE_UNAVAILABLE
    assert state_of(hass, "sensor.backup_gateway_off_grid_reason").state == "on_grid"


async def test_restricted_gateway_is_not_asked_for_missing_endpoints_every_poll(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 404 endpoint is asked again every few hours, not every poll; the grid every poll."""
    restricted(mock_client)
    await setup(hass, mock_config_entry)
    battery_reads = mock_client.get_powerwalls.call_count
    flag_reads = mock_client.get_status.call_count
    grid_reads = mock_client.get_grid_status.call_count
    for _ in range(20):  # ten minutes
        await poll(hass, freezer)
    assert mock_client.get_grid_status.call_count == grid_reads + 20
    assert mock_client.get_powerwalls.call_count == battery_reads
    assert mock_client.get_status.call_count == flag_reads
    await poll(hass, freezer, seconds=3 * 3600)
    assert mock_client.get_powerwalls.call_count == battery_reads + 1
    assert mock_client.get_status.call_count == flag_reads + 1


async def test_restricted_gateway_gains_its_batteries_without_a_reload(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """When a firmware update brings /api/powerwalls back, the batteries appear by themselves."""
    restricted(mock_client)
    await setup(hass, mock_config_entry)
    assert (
        device_registry.async_get_device_by_identifier(
            (DOMAIN, f"{DIN}_{SERIAL}"), mock_config_entry.entry_id
        )
        is None
    )
    mock_client.get_powerwalls.side_effect = None
    await poll(hass, freezer, seconds=3 * 3600)
    assert (
        device_registry.async_get_device_by_identifier(
            (DOMAIN, f"{DIN}_{SERIAL}"), mock_config_entry.entry_id
        )
        is not None
    )
    assert state_of(hass, f"{BATTERY}_grid_compliance").state == "grid_uncompliant"
    assert (
        issue_registry.async_get_issue(DOMAIN, f"restricted_api_{mock_config_entry.entry_id}")
        is None
    )


async def test_restricted_gateway_with_flags_shows_them(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """/api/powerwalls/status still answering on a restricted gateway: its flags are shown."""
    restricted(mock_client, flags=True)
    await setup(hass, mock_config_entry)
    assert state_of(hass, UPDATING).state == "off"
    assert state_of(hass, "sensor.backup_gateway_on_grid_check").state


async def test_device_without_any_local_api_is_unsupported(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Nothing at all (no grid status either): a clear message, no endless retries."""
    restricted(mock_client)
    mock_client.get_grid_status.side_effect = PowerwallUnsupportedError("404 grid")
    await setup(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert mock_config_entry.reason is not None
    assert "offers neither the local Powerwall API" in mock_config_entry.reason


async def test_locked_status_endpoint_takes_the_flags_from_the_battery_list(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """409 "Sitemaster is current running": the flags come from /api/powerwalls, tried again later."""
    caplog.set_level(logging.INFO)
    mock_client.get_status.side_effect = PowerwallBusyError(
        "Sitemaster is current running", status=409
    )
    payload = load_fixture("powerwalls.json")
    payload["updating"] = True
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(payload)
    await setup(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert state_of(hass, UPDATING).state == "on"
    assert caplog.text.count("they come from /api/powerwalls instead") == 1
    status_reads = mock_client.get_status.call_count
    payload["updating"] = False
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(payload)
    # While updating, the battery list is read at every poll: its flags follow.
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert state_of(hass, UPDATING).state == "off"
    assert mock_client.get_status.call_count == status_reads
    mock_client.get_status.side_effect = None
    await poll(hass, freezer, seconds=30 * 60)
    assert mock_client.get_status.call_count == status_reads + 1
    assert caplog.text.count("they come from /api/powerwalls instead") == 1


async def test_busy_status_endpoint_is_not_a_lock(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A 503 on the flags is a busy site controller, asked again soon, not a lock.

    The entry sets up on its live grid status; the flags appear with their first answer.
    """
    mock_client.get_status.side_effect = PowerwallBusyError("busy", status=503)
    await setup(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("binary_sensor.backup_gateway_grid_connected").state == "on"
    assert hass.states.get("binary_sensor.backup_gateway_updating") is None
    mock_client.get_status.side_effect = None
    await read_everything(hass, mock_config_entry)
    assert mock_client.get_status.await_count == 2
    assert not mock_config_entry.runtime_data.flags_from_battery_list
    assert hass.states.get("binary_sensor.backup_gateway_updating").state == "off"


async def test_battery_serial_equal_to_the_din_gets_its_own_device(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A battery whose serial reads like the gateway's identity (redacted payloads) stays apart."""
    payload = load_fixture("powerwalls.json")
    payload["powerwalls"][0]["PackageSerialNumber"] = DIN
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(payload)
    await setup(hass, mock_config_entry)
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, DIN), mock_config_entry.entry_id
    )
    battery = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{DIN}_{DIN}"), mock_config_entry.entry_id
    )
    assert gateway is not None
    assert battery is not None
    assert battery.via_device_id == gateway.id
    assert entity_registry.async_get_entity_id("binary_sensor", DOMAIN, f"{DIN}_updating")
    battery_updating = entity_registry.async_get_entity_id(
        "binary_sensor", DOMAIN, f"{DIN}_{DIN}_updating"
    )
    assert battery_updating is not None
    assert state_of(hass, battery_updating).state == "off"


async def test_repeated_battery_serial_is_logged_once(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two batteries with one serial: one device, one log line, no crash."""
    payload = load_fixture("powerwalls_4_batteries.json")
    payload["powerwalls"][1]["PackageSerialNumber"] = payload["powerwalls"][0][
        "PackageSerialNumber"
    ]
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(payload)
    await setup(hass, mock_config_entry)
    await poll(hass, freezer, seconds=300)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert caplog.text.count("or with one listed twice") == 1
    batteries = [
        d
        for d in dr.async_entries_for_config_entry(device_registry, mock_config_entry.entry_id)
        if d.via_device_id is not None
    ]
    assert len(batteries) == 3


async def test_din_appearing_later_keeps_the_gateway_and_its_history(
    hass: HomeAssistant,
    mock_client: MagicMock,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """An entry set up without a DIN moves to the DIN a firmware update adds; nothing is lost."""
    old = "SERIALS-0123456789ABCDEF"
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=old, data={CONF_HOST: HOST, CONF_PASSWORD: PASSWORD}
    )
    mock_client.get_gateway_info.return_value = GatewayInfo(version="20.49.0")
    await setup(hass, entry)
    entity_id = entity_registry.async_get_entity_id("sensor", DOMAIN, f"{old}_grid_status")
    assert entity_id is not None
    mock_client.get_gateway_info.return_value = GatewayInfo(din=DIN, version="25.1.0")
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.unique_id == DIN
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, f"{DIN}_grid_status") == entity_id
    gateway = device_registry.async_get_device_by_identifier((DOMAIN, DIN), entry.entry_id)
    assert gateway is not None
    assert device_registry.async_get_device_by_identifier((DOMAIN, old), entry.entry_id) is None
    battery = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{entry.unique_id}_{SERIAL}"), entry.entry_id
    )
    assert battery is not None
    assert battery.via_device_id == gateway.id
    assert state_of(hass, entity_id).state == "system_grid_connected"


async def test_restricted_gateway_is_added_from_the_form(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Over real HTTPS: a restricted gateway is added as a user adds it, and gains its batteries.

    The simulator's firmware update brings /api/powerwalls back after an hour; the
    next probe (every 3 hours) finds it, and the batteries appear without a reload.
    """
    sim = await gateway_simulator_factory()
    sim.set_scenario("restricted", unlock_after=3600)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_HOST: sim.host, CONF_PASSWORD: sim.password},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.unique_id == sim.din.upper()
    assert state_of(hass, GRID_CONNECTED).state == "on"
    assert hass.states.get(UPDATING) is None  # this gateway offers no flags
    assert issue_registry.async_get_issue(DOMAIN, f"restricted_api_{entry.entry_id}")
    sim.advance(3700)
    await poll(hass, freezer, seconds=3 * 3600)
    serial = sim.serials[0]
    assert device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{entry.unique_id}_{serial}"), entry.entry_id
    )
    assert issue_registry.async_get_issue(DOMAIN, f"restricted_api_{entry.entry_id}") is None


async def test_locked_status_endpoint_over_https(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """Over real HTTPS: the 409 "Sitemaster is current running" gateway sets up with its flags."""
    sim = await gateway_simulator_factory(scenario="status_locked")
    entry = simulator_entry(sim)
    await setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert state_of(hass, UPDATING).state == "off"
    assert entry.runtime_data.flags_from_battery_list


async def test_restricted_gateway_off_grid_is_not_asked_for_its_batteries(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Off grid, a restricted gateway's missing battery list is not asked at every flags poll."""
    restricted(mock_client, flags=True)
    await setup(hass, mock_config_entry)
    reads = mock_client.get_powerwalls.call_count
    mock_client.get_grid_status.return_value = GridStatusInfo.from_json(
        load_fixture("grid_status_islanded.json")
    )
    for _ in range(30):  # five minutes off grid
        await poll(hass, freezer, seconds=10)
    assert state_of(hass, GRID_CONNECTED).state == "off"
    assert mock_client.get_powerwalls.call_count == reads


async def test_locked_status_endpoint_does_not_end_a_rate_limit_episode(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Flags served from the battery list send nothing: they prove nothing about a rate limit.

    One long 429 episode is one warning and no "keeps rate-limiting" repair issue.
    """
    mock_client.get_status.side_effect = PowerwallBusyError(
        "Sitemaster is current running", status=409
    )
    await setup(hass, mock_config_entry)
    mock_client.get_grid_status.side_effect = PowerwallRateLimitError("429", retry_after=10)
    for _ in range(18):  # three minutes, one episode
        await poll(hass, freezer, seconds=10)
    assert caplog.text.count("does not answer for now") == 1
    assert not [issue for (domain, issue) in issue_registry.issues if domain == DOMAIN]
