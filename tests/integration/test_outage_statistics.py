"""Outages you can look back on: the counter and the time off grid, end to end.

The simulator over real HTTPS, Home Assistant's real recorder, and the
long-term statistics it compiles from the two sensors. Outages begin and end
when the test switches the simulator's scenario right after a grid poll, so
each one's true length on Home Assistant's clock is known to the second: the
poll that sees an outage begin and the one that sees it end are both one grid
interval late, and the time off grid is that length exactly.

A restart is the entry unloaded (its outage history is written, as at Home
Assistant's final write), Home Assistant down for a while with the gateway
going on without it, and the entry set up again from what the storage holds.
An unclean stop (a crash, a power cut) writes nothing more: the storage holds
what it held when the process died.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import copy
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from simulator import GatewaySimulator

from .conftest import poll, simulator_entry, state_of

OUTAGES = "sensor.backup_gateway_grid_outages"
TIME_OFF_GRID = "sensor.backup_gateway_time_off_grid"
GRID_CONNECTED = "binary_sensor.backup_gateway_grid_connected"
GRID_INTERVAL = 10  # seconds, the default
HOUR = 3600


@pytest.fixture(autouse=True)
def mock_recorder_before_hass(async_test_recorder: object) -> None:
    """Prepare the recorder's database before Home Assistant starts, as the plugin requires."""


@pytest.fixture
def hour(freezer: FrozenDateTimeFactory) -> datetime:
    """The hour the test runs in: the next full hour, so statistics start from nothing."""
    start = dt_util.utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    freezer.move_to(start + timedelta(seconds=30))
    return start


@pytest.fixture
async def entry(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hour: datetime,
    simulator: GatewaySimulator,
) -> AsyncIterator[MockConfigEntry]:
    """The gateway set up against the simulator, on grid, with the recorder running."""
    entry = simulator_entry(simulator)
    entry.add_to_hass(hass)
    await set_up(hass, entry)
    yield entry
    if entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def step(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: GatewaySimulator,
    polls: int = 1,
) -> None:
    """Let ``polls`` grid intervals pass, the gateway's clock in step with Home Assistant's."""
    for _ in range(polls):
        simulator.advance(GRID_INTERVAL)
        await poll(hass, freezer, seconds=GRID_INTERVAL)


async def outage(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: GatewaySimulator,
    seconds: int,
) -> None:
    """The grid goes right after a poll and comes back ``seconds`` later, right after another.

    The poll after each change sees it; the grid is seen back on when this returns.
    """
    simulator.set_scenario("grid_outage", outage=HOUR, reconnect=0)
    await step(hass, freezer, simulator, seconds // GRID_INTERVAL)
    assert state_of(hass, GRID_CONNECTED).state == "off"
    simulator.set_scenario("normal")
    await step(hass, freezer, simulator)
    assert state_of(hass, GRID_CONNECTED).state == "on"


async def stop(hass: HomeAssistant, entry: MockConfigEntry, hass_storage: dict[str, Any]) -> None:
    """Home Assistant stops: the entry's outage history is written to the storage."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert f"powerwall_gateway.{entry.entry_id}.outages" in hass_storage


async def start(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: GatewaySimulator,
    entry: MockConfigEntry,
    down: int,
) -> None:
    """Home Assistant starts again ``down`` seconds later; only the storage carries the history."""
    freezer.tick(timedelta(seconds=down))
    simulator.advance(down)
    await set_up(hass, entry)


async def crash(hass: HomeAssistant, entry: MockConfigEntry, hass_storage: dict[str, Any]) -> None:
    """Home Assistant dies: the storage keeps what was written before, and nothing after."""
    key = f"powerwall_gateway.{entry.entry_id}.outages"
    written = copy.deepcopy(hass_storage.get(key))
    # Unloading stops the polls; what it writes is thrown away, as a crash never writes it.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    if written is None:
        hass_storage.pop(key, None)
    else:
        hass_storage[key] = written


async def restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: GatewaySimulator,
    entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    down: int,
) -> None:
    """Home Assistant stops, stays down ``down`` seconds, and starts again."""
    await stop(hass, entry, hass_storage)
    await start(hass, freezer, simulator, entry, down)


def seen(hass: HomeAssistant) -> tuple[int, float]:
    """What the two sensors show: outages, and the time off grid in seconds."""
    outages = state_of(hass, OUTAGES)
    time_off_grid = state_of(hass, TIME_OFF_GRID)
    assert time_off_grid.attributes["unit_of_measurement"] == "h"
    return int(outages.state), round(float(time_off_grid.state) * HOUR, 6)


async def hourly_statistics(hass: HomeAssistant, hour: datetime) -> dict[str, dict[str, Any]]:
    """Compile the hour's long-term statistics as the recorder does, and read them back.

    Every five-minute period of the hour is compiled; the last one also
    compiles the hour. ``change`` is what a statistics graph card shows.
    """
    for minutes in range(0, 60, 5):
        do_adhoc_statistics(hass, start=hour + timedelta(minutes=minutes))
    await async_wait_recording_done(hass)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        hour,
        hour + timedelta(hours=1),
        {OUTAGES, TIME_OFF_GRID},
        "hour",
        None,
        {"change", "state", "sum"},
    )
    assert {entity_id: len(hours) for entity_id, hours in rows.items()} == {
        OUTAGES: 1,
        TIME_OFF_GRID: 1,
    }
    return {entity_id: hours[0] for entity_id, hours in rows.items()}


def assert_statistics(
    statistics: dict[str, dict[str, Any]], outages: int, time_off_grid: float
) -> None:
    """The hour's statistics: its change, and the running total and last state of each sensor."""
    assert statistics[OUTAGES]["state"] == outages
    assert statistics[OUTAGES]["sum"] == outages
    assert statistics[OUTAGES]["change"] == outages
    hours = time_off_grid / HOUR
    assert statistics[TIME_OFF_GRID]["state"] == pytest.approx(hours)
    assert statistics[TIME_OFF_GRID]["sum"] == pytest.approx(hours)
    assert statistics[TIME_OFF_GRID]["change"] == pytest.approx(hours)


async def test_two_outages_around_a_reload_and_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
    hour: datetime,
) -> None:
    """Two outages: the counter +2, the time off grid the sum of both, in the statistics too."""
    await step(hass, freezer, simulator)
    assert seen(hass) == (0, 0)
    await outage(hass, freezer, simulator, seconds=150)
    assert seen(hass) == (1, 150)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert seen(hass) == (1, 150)
    await step(hass, freezer, simulator, polls=3)
    await outage(hass, freezer, simulator, seconds=70)
    assert seen(hass) == (2, 220)
    await restart(hass, freezer, simulator, entry, hass_storage, down=600)
    assert seen(hass) == (2, 220)
    await step(hass, freezer, simulator, polls=3)
    assert seen(hass) == (2, 220)
    assert_statistics(await hourly_statistics(hass, hour), outages=2, time_off_grid=220)


async def test_restart_during_an_outage_neither_loses_nor_double_counts_it(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
    hour: datetime,
) -> None:
    """One outage through a reload and a restart: counted once, its 480 s counted once.

    Home Assistant is down for 300 s of it: the time off grid spans that gap by
    the wall clock, as the outage's duration does.
    """
    await step(hass, freezer, simulator)
    simulator.set_scenario("grid_outage", outage=HOUR, reconnect=0)
    await step(hass, freezer, simulator, polls=6)
    assert seen(hass) == (1, 50)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert seen(hass) == (1, 50)
    await step(hass, freezer, simulator, polls=6)
    assert seen(hass) == (1, 110)
    await restart(hass, freezer, simulator, entry, hass_storage, down=300)
    assert state_of(hass, GRID_CONNECTED).state == "off"
    assert seen(hass) == (1, 410)
    await step(hass, freezer, simulator, polls=6)
    simulator.set_scenario("normal")
    await step(hass, freezer, simulator)
    assert state_of(hass, GRID_CONNECTED).state == "on"
    assert seen(hass) == (1, 480)
    await step(hass, freezer, simulator, polls=3)
    assert seen(hass) == (1, 480)
    assert_statistics(await hourly_statistics(hass, hour), outages=1, time_off_grid=480)


async def test_outage_that_began_while_home_assistant_was_down_is_counted_from_start_up(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
    hour: datetime,
) -> None:
    """On grid at shutdown, off grid at start-up: one outage, its time only from start-up.

    An outage that begins and ends while Home Assistant is down leaves no trace.
    """
    await step(hass, freezer, simulator)
    await stop(hass, entry, hass_storage)
    simulator.set_scenario("grid_outage", outage=HOUR, reconnect=0)
    simulator.advance(300)
    simulator.set_scenario("normal")
    await start(hass, freezer, simulator, entry, down=600)
    assert seen(hass) == (0, 0)
    await step(hass, freezer, simulator)
    await stop(hass, entry, hass_storage)
    simulator.set_scenario("grid_outage", outage=HOUR, reconnect=0)
    await start(hass, freezer, simulator, entry, down=300)
    assert state_of(hass, GRID_CONNECTED).state == "off"
    assert seen(hass) == (1, 0)
    await step(hass, freezer, simulator, polls=9)
    simulator.set_scenario("normal")
    await step(hass, freezer, simulator)
    assert seen(hass) == (1, 100)
    assert_statistics(await hourly_statistics(hass, hour), outages=1, time_off_grid=100)


async def five_minute_sums(hass: HomeAssistant, hour: datetime) -> list[float]:
    """The running total of the time off grid at the end of each five-minute period, in hours."""
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        hour,
        hour + timedelta(hours=1),
        {TIME_OFF_GRID},
        "5minute",
        None,
        {"sum"},
    )
    return [row["sum"] for row in rows[TIME_OFF_GRID]]


async def test_unclean_stop_during_an_outage_never_takes_the_time_off_grid_back(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
    hour: datetime,
) -> None:
    """A crash 2,090 s into an outage: the sensor restarts at 2,090 s, not lower.

    A reload at 600 s wrote the history; a lower value after the crash (600 s)
    would be a meter reset to the recorder, which then counts those 600 s
    twice. Down for 300 s (counted, as in the outage's duration), then 200 s
    more: 2,590 s in all.
    """
    await step(hass, freezer, simulator)
    simulator.set_scenario("grid_outage", outage=HOUR, reconnect=0)
    shown: list[float] = []
    for _ in range(61):
        await step(hass, freezer, simulator)
        shown.append(seen(hass)[1])
    assert seen(hass) == (1, 600)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    for _ in range(149):
        await step(hass, freezer, simulator)
        shown.append(seen(hass)[1])
    assert seen(hass) == (1, 2090)
    await crash(hass, entry, hass_storage)
    await start(hass, freezer, simulator, entry, down=300)
    assert state_of(hass, GRID_CONNECTED).state == "off"
    shown.append(seen(hass)[1])
    assert seen(hass) == (1, 2390)
    for _ in range(19):
        await step(hass, freezer, simulator)
        shown.append(seen(hass)[1])
    simulator.set_scenario("normal")
    await step(hass, freezer, simulator)
    shown.append(seen(hass)[1])
    assert seen(hass) == (1, 2590)
    assert shown == sorted(shown)
    assert_statistics(await hourly_statistics(hass, hour), outages=1, time_off_grid=2590)
    sums = await five_minute_sums(hass, hour)
    assert sums == sorted(sums)
    assert sums[-1] == pytest.approx(2590 / HOUR)


@pytest.mark.parametrize("down", [0, 300], ids=["watched", "restart_during_it"])
async def test_one_outage_reads_the_same_everywhere(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
    hour: datetime,
    down: int,
) -> None:
    """Last outage duration, the time off grid's increase and grid_restored's duration agree.

    A 50-second outage; in the second case Home Assistant is also down for
    300 s of it, which the duration spans by the wall clock, and so does the
    time off grid.
    """
    await step(hass, freezer, simulator)
    simulator.set_scenario("grid_outage", outage=HOUR, reconnect=0)
    await step(hass, freezer, simulator, polls=3)
    if down:
        await restart(hass, freezer, simulator, entry, hass_storage, down=down)
    await step(hass, freezer, simulator, polls=2)
    simulator.set_scenario("normal")
    await step(hass, freezer, simulator)
    assert state_of(hass, GRID_CONNECTED).state == "on"
    event = state_of(hass, "event.backup_gateway_grid").attributes
    assert event["event_type"] == "grid_restored"
    duration = state_of(hass, "sensor.backup_gateway_last_outage_duration")
    assert duration.attributes["unit_of_measurement"] == "s"
    statistics = await hourly_statistics(hass, hour)
    seconds = 50 + down
    assert event["duration_seconds"] == seconds
    assert float(duration.state) == seconds
    assert seen(hass) == (1, seconds)
    assert round(statistics[TIME_OFF_GRID]["change"] * HOUR, 6) == seconds
