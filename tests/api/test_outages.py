"""The outage history without Home Assistant: stored values, and the grid poll by poll."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.powerwall_gateway.api.outages import (
    Outage,
    OutageHistory,
    StoredReader,
    parse_utc,
)

T0 = datetime(2026, 12, 5, 12, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-05T12:00:00+00:00", T0),
        ("2026-12-05T13:00:00+01:00", T0),
        ("2026-12-05T12:00:00", T0),  # naive: stored in UTC, so UTC
        ("2026-02-30T00:00:00", None),
        ("9999-12-31T23:30:00-01:00", None),  # past year 9999 in UTC
        ("yesterday", None),
    ],
)
def test_parse_utc(text: str, expected: datetime | None) -> None:
    assert parse_utc(text) == expected


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00+01:00", "2200-01-01T00:00:00+00:00", "1969-12-31T23:59:59+00:00", 5],
)
def test_stored_time_out_of_range_is_unknown_and_named(value: object) -> None:
    reader = StoredReader()
    assert reader.time({"ended": value}, "ended") is None
    assert reader.problems == [f"ended={value!r}"]


@pytest.mark.parametrize("value", [1e15, -1, float("nan"), True, "60"])
def test_stored_seconds_out_of_range_are_unknown_and_named(value: object) -> None:
    reader = StoredReader()
    assert reader.seconds({"s": value}, "s") is None
    assert reader.problems == [f"s={value!r}"]


def test_stored_values_in_range_are_read() -> None:
    reader = StoredReader()
    assert reader.seconds({"s": 90}, "s") == 90.0
    assert reader.time({"t": T0.isoformat()}, "t") == T0
    assert reader.time({}, "t") is None
    assert reader.problems == []


def test_one_outage_seen_from_start_to_end() -> None:
    history = OutageHistory()
    assert history.observe(True, at(0), 100) is None
    lost = history.observe(False, at(10), 110)
    assert lost is not None
    assert lost.event_type == "grid_lost"
    assert lost.outage == Outage(started=at(10), started_after=at(0), measured_seconds=0.0)
    assert history.observe(False, at(20), 120) is None
    restored = history.observe(True, at(60), 160)
    assert restored is not None
    assert restored.event_type == "grid_restored"
    assert restored.outage.ended == at(60)
    assert restored.outage.ended_after == at(20)
    assert restored.outage.duration == timedelta(seconds=50)
    assert history.outage_count == 1
    assert history.time_off_grid_seconds == 50


def test_durations_come_from_the_monotonic_clock_not_the_wall_clock() -> None:
    history = OutageHistory()
    history.observe(True, at(0), 100)
    history.observe(False, at(10), 110)
    restored = history.observe(True, at(-3000), 140)  # the wall clock set back an hour
    assert restored is not None
    assert restored.outage.duration == timedelta(seconds=30)


def test_monotonic_clock_going_back_makes_the_duration_unknown() -> None:
    history = OutageHistory()
    history.observe(True, at(0), 100)
    history.observe(False, at(10), 110)
    restored = history.observe(True, at(20), 50)
    assert restored is not None
    assert restored.outage.duration is None
    assert history.time_off_grid_seconds == 0


def test_stored_history_round_trips_and_counts_once_across_a_restart() -> None:
    history = OutageHistory()
    history.observe(True, at(0), 100)
    history.observe(False, at(10), 110)
    history.observe(False, at(20), 120)
    restarted = OutageHistory()
    assert restarted.load(history.as_json()) == []
    assert restarted.last == history.last
    assert restarted.observe(False, at(80), 5) is None  # still the same outage
    assert restarted.outage_count == 1
    restored = restarted.observe(True, at(90), 15)
    assert restored is not None
    # 10 s watched, 60 s down by the wall clock, 10 s watched: counted alike in both.
    assert restored.outage.duration == timedelta(seconds=80)
    assert restarted.time_off_grid_seconds == 80


def test_unreadable_values_are_named_and_the_rest_is_loaded() -> None:
    history = OutageHistory()
    problems = history.load(
        {
            "last": {"started": "9999-12-31T23:30:00-01:00", "ongoing": False},
            "last_seen": "0001-01-01T00:00:00+01:00",
            "outage_count": -1,
            "time_off_grid_seconds": 1e15,
        }
    )
    assert problems == [
        "last_seen='0001-01-01T00:00:00+01:00'",
        "started='9999-12-31T23:30:00-01:00'",
        "outage_count=-1",
        "time_off_grid_seconds=1000000000000000.0",
    ]
    assert history.last == Outage(ongoing=False)
    assert (history.outage_count, history.time_off_grid_seconds) == (0, 0)


def test_record_without_measured_seconds_gets_its_wall_clock_duration() -> None:
    history = OutageHistory()
    history.load({"last": {"started": at(0).isoformat(), "ended": at(90).isoformat()}})
    assert history.last is not None
    assert history.last.duration == timedelta(seconds=90)
