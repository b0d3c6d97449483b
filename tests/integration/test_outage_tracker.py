"""The outage tracker itself: durations from a monotonic clock, and outage statistics.

A restart is a new tracker loading the same store, as Home Assistant does.
The wall clock (``now``) and the monotonic clock (``monotonic``) are given to
each observation, so either can be made to jump on its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.powerwall_gateway.outages import OutageTracker

ENTRY_ID = "tracker-test"
KEY = f"powerwall_gateway.{ENTRY_ID}.outages"
T0 = datetime(2026, 11, 28, 20, 0, tzinfo=dt_util.UTC)


class Clocks:
    """A wall clock and a monotonic clock that move together unless told otherwise."""

    def __init__(self) -> None:
        self.wall = T0
        self.mono = 1000.0

    def tick(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds

    def step_wall(self, seconds: float) -> None:
        """Set the wall clock by ``seconds`` (NTP, a user): the monotonic clock does not move."""
        self.wall += timedelta(seconds=seconds)


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
    return tracker.observe(connected, clocks.wall, monotonic=clocks.mono)


async def test_duration_ignores_the_wall_clock_stepping_back(hass: HomeAssistant) -> None:
    """The wall clock set back an hour during an outage: the duration is the time that passed."""
    clocks = Clocks()
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


async def test_duration_ignores_the_wall_clock_stepping_forward(hass: HomeAssistant) -> None:
    clocks = Clocks()
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.tick(20)
    clocks.step_wall(7200)
    event = observe(tracker, clocks, True)
    assert event.outage.duration == timedelta(seconds=20)


async def test_duration_without_a_monotonic_reading_uses_the_default_clock(
    hass: HomeAssistant,
) -> None:
    """``observe(connected, now)`` as coordinator.py calls it: a duration, never negative."""
    tracker = await new_tracker(hass)
    tracker.observe(True, T0)
    tracker.observe(False, T0 + timedelta(seconds=10))
    event = tracker.observe(True, T0 + timedelta(seconds=20))
    assert event is not None
    assert event.outage.duration is not None
    assert event.outage.duration >= timedelta(0)


async def test_monotonic_clock_going_back_makes_the_duration_unknown(hass: HomeAssistant) -> None:
    """A reading that cannot be right says nothing: unknown, never negative."""
    tracker = await new_tracker(hass)
    tracker.observe(True, T0, monotonic=100.0)
    tracker.observe(False, T0 + timedelta(seconds=10), monotonic=110.0)
    event = tracker.observe(True, T0 + timedelta(seconds=20), monotonic=50.0)
    assert event is not None
    assert event.outage.duration is None
    assert tracker.time_off_grid == timedelta(0)


async def test_measured_duration_is_stored_and_survives_a_restart(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    clocks = Clocks()
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
    hass: HomeAssistant,
) -> None:
    """Seen beginning and seen ending: measured in each run, plus the gap between them."""
    clocks = Clocks()
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.tick(100)
    observe(tracker, clocks, False)
    tracker = await restart(hass, tracker)
    clocks.wall += timedelta(seconds=300)  # down for five minutes
    clocks.mono = 5.0  # a new boot: the monotonic clock starts again
    observe(tracker, clocks, False)
    clocks.tick(40)
    event = observe(tracker, clocks, True)
    assert event.event_type == "grid_restored"
    assert event.outage.duration == timedelta(seconds=100 + 300 + 40)
    # Time off grid counts only what was watched.
    assert tracker.time_off_grid == timedelta(seconds=140)
    assert tracker.outage_count == 1


async def test_wall_clock_back_across_a_restart_makes_the_duration_unknown(
    hass: HomeAssistant,
) -> None:
    clocks = Clocks()
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
    hass: HomeAssistant,
) -> None:
    clocks = Clocks()
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


async def test_two_outages_around_a_restart(hass: HomeAssistant) -> None:
    """One outage before the restart, one after: two outages, their times summed."""
    clocks = Clocks()
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
    clocks.mono = 0.0
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.tick(30)
    observe(tracker, clocks, True)
    assert (tracker.outage_count, tracker.time_off_grid) == (2, timedelta(seconds=100))
    tracker = await restart(hass, tracker)
    assert (tracker.outage_count, tracker.time_off_grid) == (2, timedelta(seconds=100))


async def test_restart_during_an_outage_counts_it_once(hass: HomeAssistant) -> None:
    """Neither lost nor counted twice; the time Home Assistant was down is not invented."""
    clocks = Clocks()
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    clocks.tick(10)
    observe(tracker, clocks, False)
    clocks.tick(20)
    observe(tracker, clocks, False)
    tracker = await restart(hass, tracker)
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=20))
    clocks.tick(600)  # down for ten minutes
    clocks.mono = 0.0
    assert observe(tracker, clocks, False) is None
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=20))
    clocks.tick(30)
    observe(tracker, clocks, False)
    clocks.tick(30)
    assert observe(tracker, clocks, True).event_type == "grid_restored"
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=80))
    # A second restart, a reload, an update: nothing moves.
    for _ in range(3):
        tracker = await restart(hass, tracker)
        clocks.tick(10)
        observe(tracker, clocks, True)
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=80))


async def test_outage_that_began_while_home_assistant_was_down_is_counted(
    hass: HomeAssistant,
) -> None:
    """On grid at shutdown, off grid at start-up: one outage; its time only from then on."""
    clocks = Clocks()
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    tracker = await restart(hass, tracker)
    clocks.tick(3600)
    clocks.mono = 0.0
    assert observe(tracker, clocks, False).event_type == "grid_lost"
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(0))
    clocks.tick(45)
    event = observe(tracker, clocks, True)
    assert (tracker.outage_count, tracker.time_off_grid) == (1, timedelta(seconds=45))
    # Its start was not seen: its duration is unknown, not 45 s.
    assert event.outage.duration is None


async def test_outage_wholly_while_home_assistant_was_down_is_not_seen(
    hass: HomeAssistant,
) -> None:
    """On grid at shutdown and at start-up: nothing proves an outage, nothing is counted."""
    clocks = Clocks()
    tracker = await new_tracker(hass)
    observe(tracker, clocks, True)
    tracker = await restart(hass, tracker)
    clocks.tick(3600)
    observe(tracker, clocks, True)
    assert tracker.outage_count == 0


async def test_time_off_grid_is_saved_with_when_the_grid_was_last_seen(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A crash loses the time since the last save, together with that save's ``last_seen``."""
    clocks = Clocks()
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
