"""Grid outages: seen within one grid interval, remembered across restarts, explained."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    EVENT_HOMEASSISTANT_FINAL_WRITE,
    EVENT_HOMEASSISTANT_STOP,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import STORAGE_DIR, Store
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powerwall_gateway.api import (
    Battery,
    GridState,
    GridStatusInfo,
    PowerwallStatus,
)
from custom_components.powerwall_gateway.api.site import OffGridReason, off_grid_reason
from simulator import GatewaySimulator

from .conftest import load_fixture, poll, state_of

GRID_CONNECTED = "binary_sensor.backup_gateway_grid_connected"
REASON = "sensor.backup_gateway_off_grid_reason"
START = "sensor.backup_gateway_last_outage_start"
END = "sensor.backup_gateway_last_outage_end"
DURATION = "sensor.backup_gateway_last_outage_duration"
EVENT = "event.backup_gateway_grid"
STATUS = "/api/powerwalls/status"
GRID = "/api/system_status/grid_status"
POWERWALLS = "/api/powerwalls"


def storage_key(entry: MockConfigEntry) -> str:
    return f"powerwall_gateway.{entry.entry_id}.outages"


async def test_grid_is_read_every_ten_seconds_and_the_rest_at_their_own_pace(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """At the defaults: grid every 10 s, flags every 30 s, batteries every 5 minutes."""
    simulator.clear_requests()
    for _ in range(30):  # five minutes
        await poll(hass, freezer, seconds=10)
    assert simulator.count(GRID) == 30
    assert simulator.count(STATUS) == 10
    assert simulator.count(POWERWALLS) == 1
    assert simulator.logins == 0


async def test_outage_is_seen_within_one_grid_interval_with_the_batteries(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The poll that sees the grid go reads the batteries at once, the flags within 30 s.

    Neither is read sooner than 30 s after its last read, however the grid flaps.
    """
    await poll(hass, freezer, seconds=30)  # the flags read again now, the batteries 30 s old
    simulator.clear_requests()
    simulator.set_scenario("grid_outage", outage=120, reconnect=60)
    await poll(hass, freezer, seconds=10)
    assert state_of(hass, GRID_CONNECTED).state == "off"
    assert simulator.count(GRID) == 1
    assert simulator.count(STATUS) == 0
    assert simulator.count(POWERWALLS) == 1
    await poll(hass, freezer, seconds=20)
    assert simulator.count(STATUS) == 1
    battery = f"sensor.powerwall_2_{simulator.serials[0].lower()}_grid_compliance"
    assert state_of(hass, battery).state == "grid_uncompliant"
    assert state_of(hass, REASON).state == "islanded"


async def test_outage_is_remembered_and_fires_events(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """grid_lost, then grid_restored with the duration; start, end and duration sensors."""
    assert state_of(hass, START).state == STATE_UNKNOWN
    assert state_of(hass, EVENT).state == STATE_UNKNOWN
    simulator.set_scenario("grid_outage", outage=60, reconnect=30)
    await poll(hass, freezer, seconds=10)
    lost_at = dt_util.utcnow()
    event = state_of(hass, EVENT)
    assert event.attributes["event_type"] == "grid_lost"
    assert dt_util.parse_datetime(state_of(hass, START).state) == lost_at.replace(microsecond=0)
    assert state_of(hass, END).state == STATE_UNKNOWN
    simulator.advance(100)
    for _ in range(12):  # two minutes, the outage ends within them
        await poll(hass, freezer, seconds=10)
        if state_of(hass, GRID_CONNECTED).state == "on":
            break
    restored_at = dt_util.utcnow()
    assert state_of(hass, GRID_CONNECTED).state == "on"
    event = state_of(hass, EVENT)
    assert event.attributes["event_type"] == "grid_restored"
    seconds = (restored_at - lost_at).total_seconds()
    assert event.attributes["duration_seconds"] == pytest.approx(seconds)
    duration = state_of(hass, DURATION)
    assert duration.attributes["unit_of_measurement"] == "s"
    assert float(duration.state) == pytest.approx(seconds)
    assert dt_util.parse_datetime(state_of(hass, END).state) == restored_at.replace(microsecond=0)
    assert state_of(hass, END).attributes["ended_after"] == restored_at - timedelta(seconds=10)


async def test_off_grid_reason_follows_the_reconnection(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Islanded, then qualifying with the seconds left, then on grid."""
    assert state_of(hass, REASON).state == "on_grid"
    simulator.set_scenario("grid_outage", outage=60, reconnect=120)
    await poll(hass, freezer, seconds=10)
    assert state_of(hass, REASON).state == "islanded"
    assert state_of(hass, REASON).attributes["seconds_until_reconnect"] is None
    simulator.advance(70)
    await poll(hass, freezer, seconds=10)
    await poll(hass, freezer, seconds=10)
    reason = state_of(hass, REASON)
    assert reason.state == "qualifying"
    assert 0 < reason.attributes["seconds_until_reconnect"] <= 120
    simulator.advance(200)
    await poll(hass, freezer, seconds=10)
    assert state_of(hass, REASON).state == "on_grid"


async def test_outage_history_survives_a_restart(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An outage under way when Home Assistant restarts keeps its start time."""
    simulator.set_scenario("grid_outage", outage=600, reconnect=10)
    await poll(hass, freezer, seconds=10)
    started = state_of(hass, START).state
    fired = state_of(hass, EVENT).state
    freezer.tick(timedelta(minutes=1))
    await hass.config_entries.async_reload(sim_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, START).state == started
    assert state_of(hass, GRID_CONNECTED).state == "off"
    # The restart saw no change: nothing is fired again.
    assert state_of(hass, EVENT).state == fired


def stored(last: dict[str, Any] | None, last_seen: str) -> dict[str, Any]:
    return {
        "version": 1,
        "minor_version": 1,
        "key": "",
        "data": {"last": last, "last_seen": last_seen},
    }


async def test_outage_that_ended_while_home_assistant_was_down(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Its end is unknown, not invented; the window it ended in is kept; grid_restored fires."""
    started = "2026-11-28T20:00:00+00:00"
    last_seen = "2026-11-28T21:00:00+00:00"
    hass_storage[storage_key(mock_config_entry)] = stored(
        {
            "started": started,
            "started_after": None,
            "ended": None,
            "ended_after": None,
            "ongoing": True,
        },
        last_seen,
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert dt_util.parse_datetime(state_of(hass, START).state) == dt_util.parse_datetime(started)
    end = state_of(hass, END)
    assert end.state == STATE_UNKNOWN
    assert end.attributes["ended_after"] == dt_util.parse_datetime(last_seen)
    assert state_of(hass, DURATION).state == STATE_UNKNOWN
    event = state_of(hass, EVENT)
    assert event.attributes["event_type"] == "grid_restored"
    assert event.attributes["duration_seconds"] is None


async def test_outage_that_began_while_home_assistant_was_down(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Off grid at start-up: the start is unknown, after the last time the grid was seen."""
    last_seen = "2026-11-28T21:00:00+00:00"
    hass_storage[storage_key(mock_config_entry)] = stored(None, last_seen)
    mock_client.get_grid_status.return_value = GridStatusInfo.from_json(
        load_fixture("grid_status_islanded.json")
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    start = state_of(hass, START)
    assert start.state == STATE_UNKNOWN
    assert start.attributes["started_after"] == dt_util.parse_datetime(last_seen)
    assert state_of(hass, EVENT).attributes["event_type"] == "grid_lost"
    # Back on grid: the outage ends, with a known end and an unknown duration.
    mock_client.get_grid_status.return_value = GridStatusInfo.from_json(
        load_fixture("grid_status.json")
    )
    await poll(hass, freezer, seconds=10)
    assert state_of(hass, END).state != STATE_UNKNOWN
    assert state_of(hass, DURATION).state == STATE_UNKNOWN
    assert state_of(hass, EVENT).attributes["event_type"] == "grid_restored"


async def test_unknown_grid_status_says_nothing_about_outages(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A grid status new firmware invented is neither an outage nor its end."""
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    mock_client.get_grid_status.return_value = GridStatusInfo.from_json(
        load_fixture("grid_status_unknown.json")
    )
    await poll(hass, freezer, seconds=10)
    assert state_of(hass, REASON).state == STATE_UNKNOWN
    assert state_of(hass, START).state == STATE_UNKNOWN
    assert state_of(hass, EVENT).state == STATE_UNKNOWN


def battery(**values: Any) -> Battery:
    return Battery(package_serial_number="TG1", **values)


@pytest.mark.parametrize(
    ("grid_status", "status", "batteries", "reason"),
    [
        ("SystemGridConnected", PowerwallStatus(grid_qualifying=True), [], "on_grid"),
        ("SystemWaitForUser", None, [], "waiting_for_user"),
        ("SystemTransitionToIsland", None, [], "going_off_grid"),
        (
            "SystemIslandedActive",
            PowerwallStatus(running_phase_detection=True),
            [],
            "detecting_phases",
        ),
        (
            "SystemIslandedActive",
            PowerwallStatus(grid_code_validating=True),
            [],
            "validating_grid_code",
        ),
        (
            "SystemTransitionToGrid",
            None,
            [battery(grid_state=GridState.GRID_QUALIFYING)],
            "qualifying",
        ),
        (
            "SystemIslandedActive",
            None,
            [battery(grid_reconnection_time_seconds=42.0)],
            "waiting_for_stable_grid",
        ),
        ("SystemTransitionToGrid", PowerwallStatus(), [], "reconnecting"),
        (
            "SystemIslandedReady",
            PowerwallStatus(on_grid_check_error="Voltage out of range"),
            [],
            "gateway_message",
        ),
        ("SystemIslandedReady", None, [], "waiting_for_stable_grid"),
        (
            "SystemIslandedActive",
            PowerwallStatus(on_grid_check_error="sitemanager running"),
            [],
            "islanded",
        ),
        ("SystemMicroGridFaulted", PowerwallStatus(grid_qualifying=True), [], "faulted"),
        # Names new firmware may invent: read by what they say, never a guess.
        ("SystemIslandedWithGenerator", None, [], "islanded"),
        ("SystemMicroGridStarting", None, [], "islanded"),
        ("SystemWaitForUserRestart", None, [], "waiting_for_user"),
        ("SystemMysteryState", None, [], None),
    ],
)
def test_off_grid_reason(
    grid_status: str,
    status: PowerwallStatus | None,
    batteries: list[Battery],
    reason: str | None,
) -> None:
    """What the gateway is doing explains an outage before its grid status does."""
    grid = GridStatusInfo.from_json({"grid_status": grid_status})
    result = off_grid_reason(grid, status, batteries)
    assert result == (OffGridReason(reason) if reason else None)


async def test_outage_history_is_saved_when_home_assistant_stops(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant does not unload entries when it stops: its final write saves the history.

    The save is the Store's own pending one: a second save of ours would race it
    (Home Assistant logged "Unable to remove unknown job listener").
    """
    await poll(hass, freezer, seconds=10)
    seen = dt_util.utcnow()
    hass_storage.pop(storage_key(init_integration), None)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    assert "Unable to remove unknown job listener" not in caplog.text
    stored = hass_storage[storage_key(init_integration)]["data"]
    assert dt_util.parse_datetime(stored["last_seen"]) == seen


# The real Store load, captured before the hass fixture mocks storage: the
# files below are read from disk as Home Assistant reads them.
REAL_STORE_LOAD = Store._async_load


@pytest.fixture
def storage_dir(hass: HomeAssistant, tmp_path: Path) -> Iterator[Path]:
    """Home Assistant's ``.storage`` folder, on disk, read by the real Store."""
    hass.config.config_dir = str(tmp_path)
    folder = tmp_path / STORAGE_DIR
    folder.mkdir()
    with patch.object(Store, "_async_load", REAL_STORE_LOAD):
        yield folder


def history(last: Any, last_seen: Any = "2026-11-28T21:00:00+00:00") -> dict[str, Any]:
    return {
        "version": 1,
        "minor_version": 1,
        "key": "",
        "data": {"last": last, "last_seen": last_seen},
    }


ONGOING = {
    "started": "2026-11-28T20:00:00+00:00",
    "started_after": "2026-11-28T19:59:50+00:00",
    "ended": None,
    "ended_after": None,
    "ongoing": True,
}
ENDED = {
    **ONGOING,
    "ended": "2026-11-28T20:30:00+00:00",
    "ended_after": "2026-11-28T20:29:50+00:00",
    "ongoing": False,
    "measured_seconds": 1800.0,
}


async def set_up_with_history(
    hass: HomeAssistant, storage_dir: Path, entry: MockConfigEntry, content: str
) -> None:
    (storage_dir / storage_key(entry)).write_text(content, encoding="utf-8")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def outage_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == "custom_components.powerwall_gateway.outages"
        and record.levelno >= logging.WARNING
    ]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(json.dumps({**history(None), "data": "last outage"}), id="data a string"),
        pytest.param(json.dumps({**history(None), "data": [1, 2]}), id="data a list"),
        pytest.param(json.dumps([history(None)]), id="file a list"),
        pytest.param(json.dumps({"data": {"last": None}}), id="no version"),
        pytest.param(json.dumps({**history(None), "version": 7}), id="newer version"),
        pytest.param(json.dumps(history("ongoing")), id="last a string"),
        pytest.param(
            json.dumps(history({**ONGOING, "started": "2026-13-01T00:00:00+00:00"})),
            id="month 13",
        ),
        pytest.param(json.dumps(history(ONGOING, "2026-02-30T10:00:00+00:00")), id="30 February"),
        pytest.param(json.dumps(history(ONGOING, 1764363600)), id="last_seen a number"),
        pytest.param(
            json.dumps(
                {**history(ONGOING), "data": {**history(ONGOING)["data"], "outage_count": -3}}
            ),
            id="negative count",
        ),
        pytest.param(
            json.dumps(
                {**history(None), "data": {"last": None, "time_off_grid_seconds": "an hour"}}
            ),
            id="time off grid a string",
        ),
        # Times that parse but overflow when made UTC, or lie outside any clock's range.
        pytest.param(
            json.dumps(history({**ONGOING, "started": "9999-12-31T23:30:00-01:00"})),
            id="start after year 9999 in UTC",
        ),
        pytest.param(
            json.dumps(history({**ONGOING, "started_after": "0001-01-01T00:00:00+01:00"})),
            id="start before year 1 in UTC",
        ),
        pytest.param(
            json.dumps(history(ONGOING, "9999-12-31T23:30:00-01:00")), id="last_seen 9999"
        ),
        pytest.param(
            json.dumps(history({**ENDED, "ended": "1901-01-01T00:00:00+00:00"})),
            id="end in 1901",
        ),
        pytest.param(
            json.dumps(history({**ENDED, "ended": "2999-01-01T00:00:00+00:00"})),
            id="end in 2999",
        ),
        # Durations a timedelta cannot hold, or longer than any stored time allows.
        pytest.param(
            json.dumps(history({**ENDED, "measured_seconds": 1e15})), id="duration 1e15 s"
        ),
        pytest.param(
            json.dumps(history({**ENDED, "measured_seconds": 1e10})), id="duration 317 years"
        ),
        pytest.param(
            json.dumps({**history(None), "data": {"last": None, "time_off_grid_seconds": 1e15}}),
            id="time off grid 1e15 s",
        ),
    ],
)
async def test_unreadable_outage_history_is_unknown_not_a_failed_entry(
    hass: HomeAssistant,
    storage_dir: Path,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    content: str,
) -> None:
    """Valid JSON of an unexpected shape: the entry loads, what cannot be read is unknown."""
    await set_up_with_history(hass, storage_dir, mock_config_entry, content)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert state_of(hass, GRID_CONNECTED).state == "on"
    assert state_of(hass, DURATION).state == STATE_UNKNOWN
    assert len(outage_warnings(caplog)) == 1
    # Polls go on; the warning is not repeated.
    await poll(hass, freezer, seconds=10)
    assert len(outage_warnings(caplog)) == 1


async def test_outage_history_that_is_not_json_is_unknown(
    hass: HomeAssistant,
    storage_dir: Path,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
) -> None:
    """Home Assistant sets a file it cannot decode aside; the entry loads without history."""
    await set_up_with_history(hass, storage_dir, mock_config_entry, '{"version": 1, "data": {')
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert state_of(hass, START).state == STATE_UNKNOWN


async def test_outage_history_a_good_file_on_disk_is_read(
    hass: HomeAssistant,
    storage_dir: Path,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The real file path is the one read: a good file gives its start, and no warning."""
    await set_up_with_history(hass, storage_dir, mock_config_entry, json.dumps(history(ONGOING)))
    assert dt_util.parse_datetime(state_of(hass, START).state) == dt_util.parse_datetime(
        ONGOING["started"]
    )
    assert state_of(hass, EVENT).attributes["event_type"] == "grid_restored"
    assert not outage_warnings(caplog)


async def test_outage_history_times_without_a_time_zone_are_utc(
    hass: HomeAssistant,
    storage_dir: Path,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
) -> None:
    """A naive time (a hand edit, another writer) is read as UTC, as Home Assistant writes them."""
    naive = {**ONGOING, "started": "2026-11-28T20:00:00", "started_after": "2026-11-28T19:59:50"}
    content = json.dumps(history(naive, "2026-11-28T21:00:00"))
    await set_up_with_history(hass, storage_dir, mock_config_entry, content)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    start = state_of(hass, START)
    assert dt_util.parse_datetime(start.state) == datetime(2026, 11, 28, 20, tzinfo=dt_util.UTC)
    # Back on grid at start-up: grid_restored fires, its end unknown, after the last time seen.
    event = state_of(hass, EVENT)
    assert event.attributes["event_type"] == "grid_restored"
    assert event.attributes["duration_seconds"] is None
    assert state_of(hass, END).attributes["ended_after"] == datetime(
        2026, 11, 28, 21, tzinfo=dt_util.UTC
    )


async def test_outage_duration_with_the_wall_clock_set_back(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The wall clock set back an hour during an outage: 30 s, not -59.5 min."""
    monotonic = [500.0]
    clock = MagicMock()
    clock.monotonic.side_effect = lambda: monotonic[0]
    with patch("custom_components.powerwall_gateway.outages.time", clock):
        mock_client.get_grid_status.return_value = GridStatusInfo.from_json(
            load_fixture("grid_status_islanded.json")
        )
        monotonic[0] += 10
        await poll(hass, freezer, seconds=10)
        assert state_of(hass, EVENT).attributes["event_type"] == "grid_lost"
        freezer.move_to(dt_util.utcnow() - timedelta(hours=1) + timedelta(seconds=30))
        monotonic[0] += 30
        mock_client.get_grid_status.return_value = GridStatusInfo.from_json(
            load_fixture("grid_status.json")
        )
        await init_integration.runtime_data.async_refresh()
        await hass.async_block_till_done()
    event = state_of(hass, EVENT)
    assert event.attributes["event_type"] == "grid_restored"
    assert event.attributes["duration_seconds"] == 30.0
    assert float(state_of(hass, DURATION).state) == pytest.approx(30.0)
