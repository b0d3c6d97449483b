"""The site policy: what answers mean and when to ask again, without Home Assistant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import logging

import pytest

from custom_components.powerwall_gateway.api import (
    GridStatus,
    PowerwallBusyError,
    PowerwallConnectionError,
    PowerwallInvalidResponseError,
    PowerwallRateLimitError,
    PowerwallUnsupportedError,
)
from custom_components.powerwall_gateway.api.site import (
    MAX_LOGGED_UNKNOWN_VALUES,
    RESTRICTED_AFTER,
    RESTRICTED_AFTER_READS,
    STALE_AFTER,
    BatteryListPresence,
    DetailReads,
    UnknownValues,
    flags_endpoint_locked,
    keeps_last_values,
)

T0 = datetime(2026, 12, 5, 12, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def battery_reads() -> DetailReads:
    """The battery list at the defaults: every 5 minutes, fast every 30 s."""
    return DetailReads(timedelta(minutes=5), timedelta(seconds=30), timedelta(seconds=30))


@pytest.mark.parametrize(
    ("err", "live", "details"),
    [
        (PowerwallRateLimitError("429", retry_after=60), True, True),
        (PowerwallBusyError("busy", status=503), True, True),
        (PowerwallInvalidResponseError("<html>"), False, True),
        (PowerwallUnsupportedError("404"), False, True),
        (PowerwallConnectionError("unreachable"), False, False),
    ],
)
def test_which_failures_keep_the_last_values(err: Exception, *, live: bool, details: bool) -> None:
    """The grid keeps them through a rate limit or a busy site; the details through more."""
    assert keeps_last_values(err, live=True) is live  # type: ignore[arg-type]
    assert keeps_last_values(err, live=False) is details  # type: ignore[arg-type]


def test_only_409_and_404_lock_the_flags_endpoint() -> None:
    """A conflict or "not found" moves the flags to the battery list; a 503 is only busy."""
    assert flags_endpoint_locked(PowerwallBusyError("Sitemaster is current running", status=409))
    assert flags_endpoint_locked(PowerwallUnsupportedError("404 page not found"))
    assert not flags_endpoint_locked(PowerwallBusyError("busy", status=503))
    assert not flags_endpoint_locked(PowerwallRateLimitError("429", retry_after=60))


def test_a_detail_is_read_at_its_interval() -> None:
    """Due at once, then after its interval (a second early still counts)."""
    reads = battery_reads()
    assert reads.due(T0)
    reads.succeeded(T0)
    assert not reads.due(T0 + timedelta(minutes=4))
    assert reads.due(T0 + timedelta(minutes=5) - SECOND / 2)
    reads.succeeded(T0, fast=True)
    assert reads.due(T0 + timedelta(seconds=30))


def test_hurry_never_reads_faster_than_the_fast_cadence() -> None:
    """However often the grid flips, the list is read at most every 30 s."""
    reads = battery_reads()
    reads.succeeded(T0)
    for second in range(0, 30, 7):
        reads.hurry()
        assert not reads.due(T0 + timedelta(seconds=second)), second
    assert reads.due(T0 + timedelta(seconds=30))


def test_a_failed_read_is_retried_and_held_data_goes_overdue() -> None:
    """Retried after 30 s; kept until 10 minutes past its interval since the last read."""
    reads = battery_reads()
    assert reads.overdue(T0)  # never read: nothing to keep
    reads.succeeded(T0)
    reads.failed(T0 + timedelta(minutes=5))
    assert reads.due(T0 + timedelta(minutes=5, seconds=30))
    last_held = T0 + timedelta(minutes=5) + STALE_AFTER - SECOND
    assert not reads.overdue(last_held)
    assert reads.overdue(last_held + SECOND)


def test_a_list_never_served_is_restricted_at_the_first_404() -> None:
    """A gateway that never served /api/powerwalls restricts it."""
    presence = BatteryListPresence()
    assert presence.not_found(T0)
    assert presence.restricted
    assert presence.found() is True  # served again after a firmware update
    assert not presence.restricted


def test_a_list_served_before_is_restricted_only_after_404s_over_15_minutes() -> None:
    """Three 404s or more, over at least 15 minutes; a served read starts again from zero."""
    presence = BatteryListPresence(served=True)
    assert not presence.not_found(T0)
    assert presence.found() is False
    minutes = [T0 + timedelta(minutes=m) for m in range(16)]
    results = [presence.not_found(at) for at in minutes]
    assert results.index(True) == RESTRICTED_AFTER // timedelta(minutes=1)
    assert results.index(True) + 1 >= RESTRICTED_AFTER_READS


def test_unknown_values_are_logged_once_and_boundedly(caplog: pytest.LogCaptureFixture) -> None:
    """Each unknown value once; a gateway inventing new ones every read cannot grow the memory."""
    unknown = UnknownValues("192.168.1.50")
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            unknown.check(
                "grid_status",
                [f"SystemMystery{n}" for n in range(MAX_LOGGED_UNKNOWN_VALUES + 50)],
                GridStatus,
            )
        unknown.check("grid_status", [GridStatus.SYSTEM_GRID_CONNECTED, None], GridStatus)
    assert len(caplog.records) == MAX_LOGGED_UNKNOWN_VALUES
