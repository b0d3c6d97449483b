"""One gateway model: setup waits only for the live grid status; details hold or fail on their own.

Each test here reproduces a defect of the hand-wired coordinators: those of issue 20
failed on 87922e5, those of issues 26 and 27 on cccae7c.
"""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powerwall_gateway.api import (
    GridStatusInfo,
    PowerwallBusyError,
    PowerwallConnectionError,
    PowerwallUnsupportedError,
)
from custom_components.powerwall_gateway.const import DOMAIN
from simulator import GatewaySimulator
from simulator.payloads import FIRMWARE_VERSION

from .conftest import poll, read_everything, simulator_entry, state_of
from .test_blueprint import use_blueprint

GRID_CONNECTED = "binary_sensor.backup_gateway_grid_connected"
UPDATING = "binary_sensor.backup_gateway_updating"
GRID_EVENT = "event.backup_gateway_grid"
GRID = "/api/system_status/grid_status"
STATUS = "/api/powerwalls/status"
POWERWALLS = "/api/powerwalls"
GRID_STATE = "sensor.powerwall_2_tg123456789v61_grid_compliance"
BUSY = "current config mode is busy"


async def test_busy_details_at_start_do_not_hold_back_the_grid(
    hass: HomeAssistant, simulator: GatewaySimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Home Assistant starts while the flags and battery list answer 503: the grid shows at once.

    home-assistant/core#137847. The flag and battery entities appear with the
    first answer of their endpoints, without a reload.
    """
    simulator.set_scenario("busy", details_only=True)
    entry = simulator_entry(simulator)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert state_of(hass, GRID_CONNECTED).state == STATE_ON
    grid_compliance = f"sensor.powerwall_2_{simulator.serials[0].lower()}_grid_compliance"
    assert hass.states.get(UPDATING) is None
    assert hass.states.get(grid_compliance) is None
    simulator.set_scenario("normal")
    # A failed read is tried again within the flags interval (30 s).
    await poll(hass, freezer, 30)
    assert state_of(hass, UPDATING).state == STATE_OFF
    assert state_of(hass, grid_compliance).state == "grid_compliant"
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_one_404_from_a_gateway_that_served_its_battery_list_is_held(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A passing 404 keeps the batteries; only 404s over 15 minutes mean a restricted API."""
    issue_id = f"restricted_api_{init_integration.entry_id}"
    served = mock_client.get_powerwalls.return_value
    mock_client.get_powerwalls.side_effect = PowerwallUnsupportedError("404 /api/powerwalls")
    await read_everything(hass, init_integration)
    assert state_of(hass, GRID_STATE).state == "grid_uncompliant"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    mock_client.get_powerwalls.side_effect = None
    mock_client.get_powerwalls.return_value = served
    await read_everything(hass, init_integration)
    assert state_of(hass, GRID_STATE).state == "grid_uncompliant"
    # Answered "not found" again and again: after 15 minutes, restricted after all.
    mock_client.get_powerwalls.side_effect = PowerwallUnsupportedError("404 /api/powerwalls")
    for minute in range(16):
        await read_everything(hass, init_integration)
        restricted = issue_registry.async_get_issue(DOMAIN, issue_id) is not None
        assert restricted is (minute == 15), f"after {minute} minutes"
        freezer.tick(timedelta(minutes=1))
    assert state_of(hass, GRID_STATE).state == STATE_UNAVAILABLE
    assert init_integration.runtime_data.data.powerwalls is None


async def test_conflict_everywhere_makes_the_flags_unavailable_after_ten_minutes(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Flags taken from the battery list go unavailable with it: 10 minutes overdue."""
    locked = PowerwallBusyError("Sitemaster is current running", status=409)
    mock_client.get_status.side_effect = locked
    await read_everything(hass, init_integration)
    assert init_integration.runtime_data.flags_from_battery_list
    assert state_of(hass, UPDATING).state == STATE_OFF
    mock_client.get_powerwalls.side_effect = locked
    await poll(hass, freezer, 5 * 60)
    assert state_of(hass, UPDATING).state == STATE_OFF  # held, as the README promises
    for _ in range(9):
        await poll(hass, freezer, 60)
    assert state_of(hass, UPDATING).state == STATE_OFF  # the list read 14 minutes ago
    await poll(hass, freezer, 60)
    assert state_of(hass, UPDATING).state == STATE_UNAVAILABLE
    # The battery list answers again: the flags follow within one flags interval.
    mock_client.get_powerwalls.side_effect = None
    await poll(hass, freezer, 30)
    await poll(hass, freezer, 30)
    assert state_of(hass, UPDATING).state == STATE_OFF


async def test_failed_first_grid_read_retries_setup_without_a_traceback(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unreachable grid status at setup: one retry reason, no error from a listener."""
    mock_client.get_grid_status.side_effect = PowerwallConnectionError("unreachable")
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.powerwall_gateway")
        and record.levelname in ("WARNING", "ERROR")
    ]
    assert "AttributeError" not in caplog.text
    # Nothing but the gateway's identity and its grid status was asked.
    assert mock_client.get_powerwalls.await_count == 0
    assert mock_client.get_status.await_count == 0


async def test_grid_change_wakes_the_details_once(
    hass: HomeAssistant,
    simulator: GatewaySimulator,
    sim_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An outage reads the batteries at once, then every 30 s; nothing faster than 30 s."""
    await poll(hass, freezer, 30)  # the flags read again now, the batteries 30 s old
    simulator.clear_requests()
    simulator.set_scenario("grid_outage")
    await poll(hass, freezer, 10)
    assert state_of(hass, GRID_CONNECTED).state == STATE_OFF
    assert simulator.count("/api/powerwalls") == 1
    assert simulator.count("/api/powerwalls/status") == 0  # read 10 s ago
    await poll(hass, freezer, 20)
    assert simulator.count("/api/powerwalls/status") == 1
    assert simulator.count("/api/powerwalls") == 1
    for reads in range(2, 4):  # off grid: the batteries every 30 s
        await poll(hass, freezer, 10)
        assert simulator.count("/api/powerwalls") == reads
        await poll(hass, freezer, 20)


@pytest.mark.parametrize(
    ("grid_status", "reason"),
    [
        ("SystemMicroGridFaulted", "faulted"),  # seen on real gateways (Powerwall-Dashboard#158)
        ("SystemIslandedWithGenerator", "islanded"),  # a name new firmware might invent
    ],
)
async def test_every_off_grid_state_reads_off_grid(
    hass: HomeAssistant,
    simulator: GatewaySimulator,
    sim_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    grid_status: str,
    reason: str,
) -> None:
    """An outage the gateway names otherwise still turns Grid connected off, over HTTPS."""
    simulator.set_scenario("microgrid_faulted", grid_status=grid_status)
    await poll(hass, freezer, 10)
    assert state_of(hass, GRID_CONNECTED).state == STATE_OFF
    assert state_of(hass, "sensor.backup_gateway_off_grid_reason").state == reason
    assert state_of(hass, "sensor.backup_gateway_grid_outages").state == "1"
    simulator.set_scenario("normal")
    await poll(hass, freezer, 10)
    assert state_of(hass, GRID_CONNECTED).state == STATE_ON


async def test_held_read_after_a_failed_one_fires_no_second_grid_lost(
    hass: HomeAssistant,
    simulator: GatewaySimulator,
    sim_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Off grid, a lost connection, then a busy answer: one grid_lost, one notification.

    The busy answer keeps the last values; the event of the read that saw the
    grid go belongs to that read alone.
    """
    calls = await use_blueprint(hass)
    fired: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            fired.append(event.data["new_state"].attributes.get("event_type"))
            if event.data["entity_id"] == GRID_EVENT and event.data["new_state"].state[0].isdigit()
            else None
        ),
    )
    simulator.set_scenario("microgrid_faulted")
    await poll(hass, freezer, 10)
    assert state_of(hass, GRID_CONNECTED).state == STATE_OFF
    for scenario in ("connection_reset", "busy", "busy", "microgrid_faulted"):
        simulator.set_scenario(scenario)
        await poll(hass, freezer, 10)
    assert state_of(hass, GRID_CONNECTED).state == STATE_OFF
    assert fired == ["grid_lost"]
    assert [call.data["kind"] for call in calls] == ["grid_lost"]


async def test_a_flapping_grid_cannot_multiply_the_requests(
    hass: HomeAssistant,
    simulator: GatewaySimulator,
    sim_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A grid status that flips every 7 s for 10 minutes: ≤ 700 requests/h, ≤ 120/h per detail.

    Counted on the simulator's request log, over HTTPS. The flags and the
    battery list are read again after a change, never sooner than 30 s after
    their last read.
    """
    simulator.clear_requests()
    changes = 0
    for second in range(1, 601):
        if second % 7 == 0:
            changes += 1
            simulator.set_scenario("microgrid_faulted" if changes % 2 else "normal")
        await poll(hass, freezer, 1)
    per_hour = {path: simulator.count(path) * 6 for path in (GRID, STATUS, POWERWALLS)}
    assert sum(per_hour.values()) <= 700, per_hour
    assert per_hour[STATUS] <= 120, per_hour
    assert per_hour[POWERWALLS] <= 120, per_hour
    assert per_hour[GRID] >= 350, per_hour  # every 10 s all the same


async def test_a_404_right_after_a_restart_holds_the_batteries(
    hass: HomeAssistant,
    simulator: GatewaySimulator,
    sim_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The first /api/powerwalls after a reload answers 404: held like a busy gateway.

    Its batteries are registered, so the list was served before: no repair
    issue, and the list is asked again 30 s later, not in 3 hours.
    """
    grid_state = f"sensor.powerwall_2_{simulator.serials[0].lower()}_grid_compliance"
    simulator.set_scenario("restricted", version=FIRMWARE_VERSION)
    assert await hass.config_entries.async_reload(sim_entry.entry_id)
    await hass.async_block_till_done()
    assert sim_entry.state is ConfigEntryState.LOADED
    assert not [issue for (domain, issue) in issue_registry.issues if domain == DOMAIN]
    simulator.set_scenario("normal")
    await poll(hass, freezer, 30)
    assert state_of(hass, grid_state).state == "grid_compliant"
    assert not [issue for (domain, issue) in issue_registry.issues if domain == DOMAIN]


async def test_a_battery_missing_from_one_read_is_never_unavailable(
    hass: HomeAssistant,
    simulator: GatewaySimulator,
    sim_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One flaky list without a battery: its last values stay, the list is read again in 30 s."""
    serial = simulator.serials[1]
    grid_state = f"sensor.powerwall_2_{serial.lower()}_grid_compliance"
    states: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            states.append(event.data["new_state"].state)
            if event.data["entity_id"] == grid_state
            else None
        ),
    )
    simulator.remove_battery(serial)
    await poll(hass, freezer, 300)  # the list is due, and lacks the battery
    reads = simulator.count(POWERWALLS)
    simulator.set_scenario("normal", batteries=2)
    await poll(hass, freezer, 30)
    assert simulator.count(POWERWALLS) == reads + 1
    assert state_of(hass, grid_state).state == "grid_compliant"
    assert STATE_UNAVAILABLE not in states


async def test_failed_reads_of_the_list_do_not_count_towards_removing_a_battery(
    hass: HomeAssistant,
    simulator: GatewaySimulator,
    sim_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Only lists that were read count: a busy list in between keeps the battery's device."""
    serial = simulator.serials[1]
    device = (DOMAIN, f"{sim_entry.unique_id}_{serial}")
    simulator.remove_battery(serial)
    await poll(hass, freezer, 300)  # lacks it once: held
    simulator.set_scenario("busy", details_only=True)
    for _ in range(3):
        await poll(hass, freezer, 30)
    simulator.set_scenario("normal")
    await poll(hass, freezer, 30)  # lacks it again: the first read that counts
    assert device_registry.async_get_device_by_identifier(device, sim_entry.entry_id)
    await poll(hass, freezer, 300)  # the second
    assert device_registry.async_get_device_by_identifier(device, sim_entry.entry_id) is None


async def test_only_a_new_grid_status_reads_the_details_again(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Grid services switching on, the status unchanged, is no grid change: no early read."""
    await poll(hass, freezer, 30)
    reads = mock_client.get_powerwalls.await_count
    mock_client.get_grid_status.return_value = GridStatusInfo.from_json(
        {"grid_status": "SystemGridConnected", "grid_services_active": True}
    )
    await poll(hass, freezer, 10)
    assert mock_client.get_powerwalls.await_count == reads
