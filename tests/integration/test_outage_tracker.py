"""The outage tracker itself: durations from a monotonic clock, and outage statistics.

A restart is a new tracker loading the same store, as Home Assistant does.
The wall clock is the ``now`` each observation is given, as the coordinator
gives it; the monotonic clock is the one the freezer moves. So either can be
made to jump on its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

from custom_components.powerwall_gateway.outages import OutageTracker

ENTRY_ID = "tracker-test"
KEY = f"powerwall_gateway.{ENTRY_ID}.outages"
T0 = datetime(2026, 11, 28, 20, 0, tzinfo=dt_util.UTC)


class Clocks:
    """A wall clock and a monotonic clock that move together unless told otherwise."""

    def __init__(self, freezer: FrozenDateTimeFactory) -> None:
        self.freezer = freezer
        self.wall = T0

    def tick(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.freezer.tick(seconds)

    def step_wall(self, seconds: float) -> None:
        """Set the wall clock by ``seconds`` (NTP, a user): the monotonic clock does not move."""
        self.wall += timedelta(seconds=seconds)

    def step_monotonic(self, seconds: float) -> None:
        """Move the monotonic clock alone, as a new boot does (it starts again from near 0)."""
        self.freezer.move_to(dt_util.utcnow() + timedelta(seconds=seconds))


@pytest.fixture
def clocks(freezer: FrozenDateTimeFactory) -> Clocks:
    return Clocks(freezer)


async def new_tracker(hass: HomeAssistant) -> OutageTracker:
    """A tracker as Home Assistant builds one at start-up: loaded from the store."""
    tracker = OutageTracker(hass, ENTRY_ID)
    await tracker.async_load()
    return tracker


async def restart(hass: HomeAssistant, tracker: OutageTracker) -> OutageTracker:
    """Stop Home Assistant (its final write) and start it again."""
    await tracker.async_save()
    return await new_tracker(hass)


def observe(tracker: OutageTracker, clocks: Clocks, connected: bool | None) -> Any:
    return tracker.observe(connected, clocks.wall)


async def test_duration_ignores_the_wall_clock_stepping_back(
    hass: HomeAssistant, clocks: Clocks
) -> None:
    """The wall clock set back an hour during an outage: the duration is the time that passed."""
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    assert observe(tracker, clocks, False).event_type == "grid_lost"
    clocks.tick(30)
    clocks.step_wall(-3600)
    observe(tracker, clocks, False)
    clocks.tick(30)
    event = observe(tracker, clocks, True)
    assert event.event_type == "grid_restored"
    assert event.outage.duration == timedelta(seconds=60)
    assert tracker.last is not None
    assert tracker.last.duration == timedelta(seconds=60)
    assert tracker.time_off_grid == timedelta(seconds=60)


async def test_duration_ignores_the_wall_clock_stepping_forward(
    hass: HomeAssistant, clocks: Clocks
) -> None:
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.tick(20)
    clocks.step_wall(7200)
    event = observe(tracker, clocks, True)
    assert event.outage.duration == timedelta(seconds=20)


async def test_monotonic_clock_going_back_makes_the_duration_unknown(
    hass: HomeAssistant, clocks: Clocks
) -> None:
    """A reading that cannot be right says nothing: unknown, never negative."""
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.step_wall(10)
    clocks.step_monotonic(-60)
    event = observe(tracker, clocks, True)
    assert event is not None
    assert event.outage.duration is None
    assert tracker.time_off_grid == timedelta(0)


async def test_measured_duration_is_stored_and_survives_a_restart(
    hass: HomeAssistant, hass_storage: dict[str, Any], clocks: Clocks
) -> None:
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.tick(50)
    clocks.step_wall(-3600)
    observe(tracker, clocks, True)
    await tracker.async_save()
    assert hass_storage[KEY]["data"]["last"]["measured_seconds"] == 50.0
    tracker = await new_tracker(hass)
    assert tracker.last is not None
    assert tracker.last.duration == timedelta(seconds=50)


async def test_duration_across_a_restart_adds_the_time_home_assistant_was_down(
    hass: HomeAssistant, clocks: Clocks
) -> None:
    """Seen beginning and seen ending: measured in each run, plus the gap between them."""
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.tick(100)
    observe(tracker, clocks, False)
    tracker = await restart(hass, tracker)
    clocks.wall += timedelta(seconds=300)  # down for five minutes
    clocks.step_monotonic(-3600)  # a new boot: the monotonic clock starts again
    observe(tracker, clocks, False)
    clocks.tick(40)
    event = observe(tracker, clocks, True)
    assert event.event_type == "grid_restored"
    assert event.outage.duration == timedelta(seconds=100 + 300 + 40)
    # Time off grid counts the same interval: one outage reads the same everywhere.
    assert tracker.time_off_grid == event.outage.duration
    assert tracker.outage_count == 1


async def test_wall_clock_back_across_a_restart_makes_the_duration_unknown(
    hass: HomeAssistant, clocks: Clocks
) -> None:
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    tracker = await restart(hass, tracker)
    clocks.wall -= timedelta(hours=2)
    observe(tracker, clocks, False)
    clocks.tick(10)
    event = observe(tracker, clocks, True)
    assert event.outage.duration is None


async def test_counts_start_at_zero(hass: HomeAssistant) -> None:
    tracker = await new_tracker(hass)
    assert tracker.outage_count == 0
    assert tracker.time_off_grid == timedelta(0)


async def test_outage_counts_once_when_it_starts_and_accrues_while_it_lasts(
    hass: HomeAssistant, clocks: Clocks
) -> None:
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    assert tracker.outage_count == 1
    assert tracker.time_off_grid == timedelta(0)
    for _ in range(3):
        clocks.tick(10)
        observe(tracker, clocks, False)
    assert tracker.outage_count == 1
    assert tracker.time_off_grid == timedelta(seconds=30)
    # An unknown grid status neither ends the outage nor loses its time.
    clocks.tick(10)
    observe(tracker, clocks, None)
    clocks.tick(10)
    observe(tracker, clocks, True)
    assert tracker.outage_count == 1
    assert tracker.time_off_grid == timedelta(seconds=50)
    clocks.tick(600)
    observe(tracker, clocks, True)
    assert tracker.time_off_grid == timedelta(seconds=50)


async def test_two_outages_around_a_restart(hass: HomeAssistant, clocks: Clocks) -> None:
    """One outage before the restart, one after: two outages, their times summed."""
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.tick(70)
    observe(tracker, clocks, True)
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=70))
    tracker = await restart(hass, tracker)
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=70))
    clocks.tick(3600)
    clocks.step_monotonic(-7200)  # a new boot
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.tick(30)
    observe(tracker, clocks, True)
    assert (tracker.outage_count, tracker.time_off_grid) == (2, timedelta(seconds=100))
    tracker = await restart(hass, tracker)
    assert (tracker.outage_count, tracker.time_off_grid) == (2, timedelta(seconds=100))


async def test_restart_during_an_outage_counts_it_once(hass: HomeAssistant, clocks: Clocks) -> None:
    """Neither lost nor counted twice; the time down is counted once, as in the duration."""
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.tick(20)
    observe(tracker, clocks, False)
    tracker = await restart(hass, tracker)
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=20))
    clocks.tick(600)  # down for ten minutes
    clocks.step_monotonic(-7200)  # a new boot
    assert observe(tracker, clocks, False) is None
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=620))
    clocks.tick(30)
    observe(tracker, clocks, False)
    clocks.tick(30)
    assert observe(tracker, clocks, True).event_type == "grid_restored"
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=680))
    assert tracker.last is not None
    assert tracker.last.duration == timedelta(seconds=680)
    # A second restart, a reload, an update: nothing moves.
    for _ in range(3):
        tracker = await restart(hass, tracker)
        clocks.tick(10)
        observe(tracker, clocks, True)
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=680))


async def test_outage_that_began_while_home_assistant_was_down_is_counted(
    hass: HomeAssistant, clocks: Clocks
) -> None:
    """On grid at shutdown, off grid at start-up: one outage; its time only from then on."""
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    tracker = await restart(hass, tracker)
    clocks.tick(3600)
    clocks.step_monotonic(-7200)  # a new boot
    assert observe(tracker, clocks, False).event_type == "grid_lost"
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(0))
    clocks.tick(45)
    event = observe(tracker, clocks, True)
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=45))
    # Its start was not seen: its duration is unknown, not 45 s.
    assert event.outage.duration is None


async def test_outage_wholly_while_home_assistant_was_down_is_not_seen(
    hass: HomeAssistant, clocks: Clocks
) -> None:
    """On grid at shutdown and at start-up: nothing proves an outage, nothing is counted."""
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    tracker = await restart(hass, tracker)
    clocks.tick(3600)
    observe(tracker, clocks, True)
    assert tracker.outage_count == 0


async def test_time_off_grid_is_saved_with_when_the_grid_was_last_seen(
    hass: HomeAssistant, hass_storage: dict[str, Any], clocks: Clocks
) -> None:
    """A crash loses the time since the last save, together with that save's ``last_seen``."""
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.tick(25)
    observe(tracker, clocks, False)
    await tracker.async_save()
    data = hass_storage[KEY]["data"]
    assert data["outage_count"] == 1
    assert data["time_off_grid_seconds"] == 25.0
    assert dt_util.parse_datetime(data["last_seen"]) == clocks.wall
    assert data["last"]["measured_seconds"] == 25.0
