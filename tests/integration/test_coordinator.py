"""Polling and every fault a gateway can throw at it, over real HTTPS against the simulator."""

from __future__ import annotations

from datetime import timedelta
import logging
from unittest.mock import MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.powerwall_gateway.api import (
    GatewayInfo,
    GridStatusInfo,
    PowerwallBusyError,
    PowerwallInvalidResponseError,
    PowerwallRateLimitError,
    Powerwalls,
    PowerwallStatus,
)
from custom_components.powerwall_gateway.const import DOMAIN
from simulator import GatewaySimulator
from simulator.app import RateLimit
from simulator.pytest_plugin import SimulatorFactory

from .conftest import DIN, load_fixture, poll, simulator_entry

GRID_CONNECTED = "binary_sensor.backup_gateway_grid_connected"
GRID_STATUS = "sensor.backup_gateway_grid_status"
STATUS = "/api/powerwalls/status"
GRID = "/api/system_status/grid_status"
POWERWALLS = "/api/powerwalls"


def battery_entity(sim: GatewaySimulator, suffix: str, index: int = 0) -> str:
    return f"sensor.powerwall_2_{sim.serials[index].lower()}_{suffix}"


async def setup(hass: HomeAssistant, sim: GatewaySimulator) -> MockConfigEntry:
    entry = simulator_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_poll_cadence(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Status and grid every 30 s; the full battery list every 5 minutes while idle."""
    simulator.clear_requests()
    for _ in range(9):
        await poll(hass, freezer)
    assert simulator.count(STATUS) == 9
    assert simulator.count(GRID) == 9
    assert simulator.count(POWERWALLS) == 0
    await poll(hass, freezer)
    assert simulator.count(POWERWALLS) == 1
    assert simulator.logins == 0


async def test_unchanged_poll_writes_no_state(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A poll that changes nothing writes nothing."""
    before = hass.states.get(GRID_STATUS)
    await poll(hass, freezer)
    after = hass.states.get(GRID_STATUS)
    assert before is not None
    assert after is not None
    assert after.last_reported == before.last_reported


async def test_firmware_update_is_followed_every_poll(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """While the gateway updates, every poll reads the batteries, so progress shows promptly.

    When it is done, the gateway device shows the new firmware version.
    """
    progress = battery_entity(simulator, "firmware_update_progress")
    result = battery_entity(simulator, "update_diagnostic")
    simulator.set_scenario("update", duration=600)
    simulator.clear_requests()
    await poll(hass, freezer)
    assert hass.states.get("binary_sensor.backup_gateway_updating").state == "on"
    assert simulator.count(POWERWALLS) == 1
    simulator.advance(300)
    await poll(hass, freezer)
    assert simulator.count(POWERWALLS) == 2
    halfway = float(hass.states.get(progress).state)
    assert 0 < halfway < 100
    simulator.advance(400)
    await poll(hass, freezer)
    # The poll that sees the update end reads the batteries once more, for the result.
    assert hass.states.get("binary_sensor.backup_gateway_updating").state == "off"
    assert simulator.count(POWERWALLS) == 3
    assert float(hass.states.get(progress).state) == 100
    assert hass.states.get(result).state == "pass"
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, simulator.din.upper()), sim_entry.entry_id
    )
    assert gateway is not None
    assert gateway.sw_version == "24.44.1"
    await poll(hass, freezer)
    assert simulator.count(POWERWALLS) == 3


async def test_grid_outage_and_return(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Off grid within one poll; reconnection counts down; back on grid by itself."""
    simulator.set_scenario("grid_outage", outage=120, reconnect=300)
    await poll(hass, freezer)
    assert hass.states.get(GRID_CONNECTED).state == "off"
    assert hass.states.get(GRID_STATUS).state == "system_islanded_active"
    # Off grid, the batteries are read at every poll, not every five minutes.
    assert hass.states.get(battery_entity(simulator, "grid_compliance")).state == (
        "grid_uncompliant"
    )
    simulator.advance(130)
    await poll(hass, freezer)
    assert hass.states.get(GRID_STATUS).state == "system_transition_to_grid"
    assert hass.states.get(battery_entity(simulator, "grid_compliance")).state == "grid_qualifying"
    first = float(hass.states.get(battery_entity(simulator, "reconnection_countdown")).state)
    simulator.advance(60)
    await poll(hass, freezer)
    second = float(hass.states.get(battery_entity(simulator, "reconnection_countdown")).state)
    assert 0 < second < first
    simulator.advance(400)
    await poll(hass, freezer)
    assert hass.states.get(GRID_CONNECTED).state == "on"
    assert hass.states.get(battery_entity(simulator, "grid_compliance")).state == "grid_compliant"


async def test_session_expiry_costs_one_login(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An expired session is replaced with exactly one login; nothing goes unavailable."""
    simulator.expire_sessions()
    await poll(hass, freezer)
    assert simulator.logins == 2
    assert hass.states.get(GRID_STATUS).state == "system_grid_connected"
    await poll(hass, freezer)
    assert simulator.logins == 2


async def test_password_changed_asks_user_once(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A changed password starts re-authentication after a single failed login."""
    simulator.set_password("changed")
    simulator.expire_sessions()
    await poll(hass, freezer)
    assert simulator.logins == 2
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    await poll(hass, freezer)
    assert simulator.logins == 2


async def test_rate_limit_keeps_values_until_stale(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """429: last values stay, nothing is sent during the cooldown, stale data goes unavailable."""
    sim = await gateway_simulator_factory(endpoint_limit=RateLimit(2, 3600), retry_after=60)
    await setup(hass, sim)
    await poll(hass, freezer)
    caplog.clear()
    await poll(hass, freezer)  # third status request within the gateway's window: 429
    assert hass.states.get(GRID_STATUS).state == "system_grid_connected"
    assert caplog.text.count("does not answer for now") == 1
    sent = len(sim.requests)
    await poll(hass, freezer)  # 30 s into the 60 s cooldown: nothing is sent
    assert len(sim.requests) == sent
    assert hass.states.get(GRID_STATUS).state == "system_grid_connected"
    sent = sim.count(GRID)
    await poll(hass, freezer, seconds=11 * 60)  # still limited, and the data is now stale
    assert sim.count(GRID) == sent + 1
    assert hass.states.get(GRID_STATUS).state == STATE_UNAVAILABLE
    assert caplog.text.count("does not answer for now") == 1
    sim.advance(3600)
    await poll(hass, freezer, seconds=61)
    assert hass.states.get(GRID_STATUS).state == "system_grid_connected"
    assert "answers again" in caplog.text


async def test_repeated_rate_limits_raise_repair_issue(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Three rate-limit episodes within an hour tell the user something else hammers the gateway."""
    sim = await gateway_simulator_factory(endpoint_limit=RateLimit(1, 60), retry_after=1)
    entry = await setup(hass, sim)
    issue_id = f"rate_limited_{entry.entry_id}"
    for episode in range(1, 4):
        await poll(hass, freezer)  # a second status request within the gateway's minute: 429
        sim.advance(61)
        await poll(hass, freezer)  # a new minute: fine again, the episode ends
        raised = issue_registry.async_get_issue(DOMAIN, issue_id) is not None
        assert raised == (episode == 3)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {"host": sim.host, "count": "3"}
    sim.advance(3700)
    await poll(hass, freezer, seconds=3700)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    await poll(hass, freezer)
    for _ in range(3):  # three more episodes raise it again; unloading the entry removes it
        await poll(hass, freezer)
        sim.advance(61)
        await poll(hass, freezer)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    await hass.config_entries.async_unload(entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize(
    ("scenario", "log", "failing"),
    [
        # Unreachable: the grid and the flags (at their next reads) go unavailable.
        ("connection_reset", "Cannot reach the gateway", 2),
        # Garbage: the live grid status goes; the flags keep their values until overdue.
        ("html_error", "unexpected answer", 1),
        ("truncated_json", "unexpected answer", 1),
        ("wrong_types", "unexpected answer", 1),
        ("powerwall3", "nothing to read", 1),
    ],
)
async def test_fault_makes_entities_unavailable_then_recovers(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    scenario: str,
    log: str,
    failing: int,
) -> None:
    """A fault: unavailable, one log line per failing read however long it lasts, recovery."""
    caplog.set_level(logging.INFO)
    simulator.set_scenario(scenario)
    for _ in range(3):
        await poll(hass, freezer)
    assert hass.states.get(GRID_STATUS).state == STATE_UNAVAILABLE
    updating = hass.states.get("binary_sensor.backup_gateway_updating").state
    assert (updating == STATE_UNAVAILABLE) == (failing == 2)
    lines = [r.message for r in caplog.records if r.message.startswith("Cannot read the")]
    assert len(lines) == failing
    assert all(log in line for line in lines)
    assert "Traceback" not in caplog.text
    simulator.set_scenario("normal")
    await poll(hass, freezer)
    assert hass.states.get(GRID_STATUS).state == "system_grid_connected"
    assert caplog.text.count("can be read again") == failing


async def test_busy_keeps_last_values(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A busy site controller (503) is waited out with the last values, until they are stale."""
    simulator.set_scenario("busy")
    await poll(hass, freezer)
    assert hass.states.get(GRID_STATUS).state == "system_grid_connected"
    await poll(hass, freezer, seconds=11 * 60)
    assert hass.states.get(GRID_STATUS).state == STATE_UNAVAILABLE
    simulator.set_scenario("normal")
    await poll(hass, freezer)
    assert hass.states.get(GRID_STATUS).state == "system_grid_connected"


async def test_unknown_values_are_shown_and_logged_once(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A value new firmware invents is shown as it is, and logged once."""
    simulator.set_scenario("future_firmware")
    await poll(hass, freezer, seconds=300)
    await poll(hass, freezer, seconds=300)
    state = hass.states.get(battery_entity(simulator, "grid_compliance"))
    assert state.state == "grid_islanded"
    assert "grid_islanded" in state.attributes["options"]
    assert caplog.text.count("'Grid_Islanded'") == 1


async def test_batteries_come_and_go(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A new battery gets a device without a reload; one gone from two reads loses its device.

    The read that first lacks it does not count: one flaky answer is held.

    When it comes back, so do its entities.
    """
    serial = simulator.add_battery()
    await poll(hass, freezer, seconds=300)
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{sim_entry.unique_id}_{serial}"), sim_entry.entry_id
    )
    assert device is not None
    assert hass.states.get(f"sensor.powerwall_2_{serial.lower()}_grid_compliance").state == (
        "grid_compliant"
    )
    gone_serial = simulator.serials[0]
    gone = f"{sim_entry.unique_id}_{gone_serial}"
    simulator.remove_battery(gone_serial)
    # The first read without it is taken for a flaky answer: shown as last read.
    await poll(hass, freezer, seconds=300)
    assert hass.states.get(f"sensor.powerwall_2_{gone_serial.lower()}_grid_compliance").state == (
        "grid_compliant"
    )
    await poll(hass, freezer, seconds=300)
    assert device_registry.async_get_device_by_identifier((DOMAIN, gone), sim_entry.entry_id)
    await poll(hass, freezer, seconds=300)
    assert (
        device_registry.async_get_device_by_identifier((DOMAIN, gone), sim_entry.entry_id) is None
    )
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, f"{gone}_grid_state") is None
    simulator.set_scenario("normal", batteries=3)
    await poll(hass, freezer, seconds=300)
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, f"{gone}_grid_state")
    assert entity_registry.async_get_entity_id("binary_sensor", DOMAIN, f"{gone}_updating")


async def test_empty_battery_list_keeps_devices(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A gateway that lists no batteries (rebooting, enumerating) does not lose their devices."""
    serial = "TG123456789V61"
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(
        load_fixture("powerwalls_no_batteries.json")
    )
    for _ in range(3):
        await poll(hass, freezer, seconds=300)
    assert device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{init_integration.unique_id}_{serial}"), init_integration.entry_id
    )


async def test_malformed_battery_keeps_the_others(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A battery with most fields missing costs only its own values."""
    simulator.set_scenario("battery_missing_fields")
    await poll(hass, freezer, seconds=300)
    states = [hass.states.get(battery_entity(simulator, "grid_compliance", i)) for i in (0, 1)]
    assert sorted(s.state for s in states) == ["grid_compliant", "unknown"]


async def test_rate_limit_survives_a_reload(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A reload or setup retry during a login cooldown sends no login (no lockout spiral)."""
    sim = await gateway_simulator_factory(login_limit=RateLimit(1, 3600), retry_after=300)
    entry = await setup(hass, sim)
    sim.expire_sessions()
    await poll(hass, freezer)  # 401, then a login answered 429
    assert sim.count("/api/login/Basic") == 2
    assert hass.states.get(GRID_STATUS).state == "system_grid_connected"
    sent = len(sim.requests)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert len(sim.requests) == sent


@pytest.mark.parametrize(
    "error",
    [PowerwallInvalidResponseError("truncated"), PowerwallBusyError("busy", status=503)],
)
async def test_battery_list_failure_keeps_live_grid_status(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    error: Exception,
) -> None:
    """A failing /api/powerwalls costs only the battery data, and only once it is stale.

    The live grid status keeps following the gateway all along.
    """
    grid_state = "sensor.powerwall_2_tg123456789v61_grid_compliance"
    mock_client.get_powerwalls.side_effect = error
    await poll(hass, freezer, seconds=300)
    assert hass.states.get(GRID_STATUS).state == "system_grid_connected"
    assert hass.states.get(grid_state).state == "grid_uncompliant"
    await poll(hass, freezer, seconds=300)
    assert mock_client.get_powerwalls.call_count == 3  # retried at the next poll
    mock_client.get_grid_status.return_value = GridStatusInfo.from_json(
        load_fixture("grid_status_islanded.json")
    )
    await poll(hass, freezer, seconds=300)
    assert hass.states.get(grid_state).state == STATE_UNAVAILABLE
    assert hass.states.get(GRID_STATUS).state == "system_islanded_active"
    assert hass.states.get(GRID_CONNECTED).state == "off"
    mock_client.get_powerwalls.side_effect = None
    await poll(hass, freezer)
    assert hass.states.get(grid_state).state == "grid_uncompliant"


async def test_firmware_version_read_again_until_the_gateway_answers(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A gateway restarting after its update is asked for its new version at the next poll."""
    mock_client.get_status.return_value = PowerwallStatus(updating=True)
    await poll(hass, freezer)
    mock_client.get_status.return_value = PowerwallStatus(updating=False)
    mock_client.get_gateway_info.side_effect = PowerwallBusyError("rebooting", status=502)
    await poll(hass, freezer)
    assert hass.states.get(GRID_STATUS).state == "system_grid_connected"
    mock_client.get_gateway_info.side_effect = None
    mock_client.get_gateway_info.return_value = GatewayInfo(din=DIN, version="25.10.1 abc")
    await poll(hass, freezer)
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, DIN), init_integration.entry_id
    )
    assert gateway is not None
    assert gateway.sw_version == "25.10.1"
    calls = mock_client.get_gateway_info.call_count
    await poll(hass, freezer)
    assert mock_client.get_gateway_info.call_count == calls


async def test_firmware_version_read_after_an_update_seen_in_the_battery_list(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Flags locked (409): the update's end, seen in the battery list, brings the new version."""
    mock_client.get_status.side_effect = PowerwallBusyError(
        "Sitemaster is current running", status=409
    )
    updating = load_fixture("powerwalls.json")
    updating["updating"] = True
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(updating)
    await poll(hass, freezer, seconds=300)
    assert hass.states.get("binary_sensor.backup_gateway_updating").state == "on"
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(load_fixture("powerwalls.json"))
    mock_client.get_gateway_info.return_value = GatewayInfo(din=DIN, version="25.10.1 abc")
    await poll(hass, freezer, seconds=30)  # busy: the list is read at every flags interval
    assert hass.states.get("binary_sensor.backup_gateway_updating").state == "off"
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, DIN), init_integration.entry_id
    )
    assert gateway is not None
    assert gateway.sw_version == "25.10.1"


async def test_home_assistant_schedules_the_polls(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Home Assistant's own timer polls every 30 s; a rate limit pushes the next poll back."""
    calls = mock_client.get_status.call_count
    freezer.tick(timedelta(seconds=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert mock_client.get_status.call_count == calls + 1
    mock_client.get_status.side_effect = PowerwallRateLimitError("429", retry_after=120)
    freezer.tick(timedelta(minutes=11))  # long enough for the data to be stale
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert mock_client.get_status.call_count == calls + 2
    mock_client.get_status.side_effect = None
    freezer.tick(timedelta(seconds=60))  # a normal interval later: still inside Retry-After
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert mock_client.get_status.call_count == calls + 2
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert mock_client.get_status.call_count == calls + 3


async def test_slow_gateway_times_out_then_recovers(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Answers slower than the request timeout make entities unavailable, with one log line.

    Real time here (no freezer): the request timeout and the simulator's delay
    both run on the event loop's clock.
    """
    sim = await gateway_simulator_factory()
    with patch("custom_components.powerwall_gateway.clients.REQUEST_TIMEOUT", 0.2):
        entry = await setup(hass, sim)
    sim.set_scenario("slow", delay=1.0)
    for _ in range(2):
        await entry.runtime_data.async_refresh()
        await hass.async_block_till_done()
    assert hass.states.get(GRID_STATUS).state == STATE_UNAVAILABLE
    problems = [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING and "did not answer" in record.getMessage()
    ]
    assert len(problems) == 1
    sim.set_scenario("normal")
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(GRID_STATUS).state == "system_grid_connected"
