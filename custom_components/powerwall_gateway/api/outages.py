"""Grid outages without Home Assistant: the last outage, the outage count and the time off grid.

Times are those of the grid poll that saw the change: the change itself
happened within one grid interval before (``*_after`` says since when). An
outage that starts or ends while nobody watches is never given an invented
time: its start or end is unknown, and the window in which it happened is kept.

How long things last is measured on the monotonic clock within a run, and by
the wall clock only across a restart: setting the clock (NTP, a user, a dead
RTC battery) during an outage changes neither its duration nor the time off grid.

Stored values are range-checked when read: a time outside EARLIEST..LATEST
(``9999-12-31T23:30:00-01:00`` does not even exist in UTC) or a duration longer
than that window (``1e15`` seconds) is unknown, and named in ``load``'s problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

# No clock reads before the Unix epoch, and no stored time is two centuries ahead.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_SECONDS = (LATEST - EARLIEST).total_seconds()

type OutageEventType = Literal["grid_lost", "grid_restored"]


def parse_utc(text: str) -> datetime | None:
    """``text`` as an ISO time in UTC (a naive one is UTC, as stored), or None if none such exists."""
    try:
        parsed = datetime.fromisoformat(text)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except ValueError, OverflowError:  # 2026-02-30; 9999-12-31T23:30:00-01:00
        return None


class StoredReader:
    """Reads one stored history and names what in it could not be read."""

    def __init__(self) -> None:
        """Nothing unreadable yet."""
        self.problems: list[str] = []

    def time(self, data: Mapping[str, Any], key: str) -> datetime | None:
        """A stored time from EARLIEST to LATEST."""
        value = data.get(key)
        if value is None:
            return None
        utc = parse_utc(value) if isinstance(value, str) else None
        if utc is None or not EARLIEST <= utc < LATEST:
            self.problems.append(f"{key}={value!r}")
            return None
        return utc

    def seconds(self, data: Mapping[str, Any], key: str) -> float | None:
        """A stored number of seconds from 0 to MAX_SECONDS (NaN compares false: refused)."""
        value = data.get(key)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 <= value <= MAX_SECONDS
        ):
            self.problems.append(f"{key}={value!r}")
            return None
        return float(value)


@dataclass(frozen=True, slots=True)
class Outage:
    """One outage. ``None`` means not known (it began or ended while nobody was watching)."""

    started: datetime | None = None
    # The poll before the one that saw it begin: it began after this.
    started_after: datetime | None = None
    ended: datetime | None = None
    ended_after: datetime | None = None
    ongoing: bool = True
    # Seconds from the poll that saw it begin to the last poll that saw it (its
    # end, once over). None when its start was not seen, or a clock went back.
    measured_seconds: float | None = None

    @property
    def duration(self) -> timedelta | None:
        """How long it lasted, when it is over and both ends were seen."""
        if self.ongoing or self.ended is None or self.measured_seconds is None:
            return None
        return timedelta(seconds=self.measured_seconds)

    def as_json(self) -> dict[str, Any]:
        """What is stored."""
        return {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in asdict(self).items()
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], last_seen: datetime | None, reader: StoredReader
    ) -> Outage:
        """What was stored; a record without ``measured_seconds`` gets its wall-clock duration."""
        outage = cls(
            started=reader.time(data, "started"),
            started_after=reader.time(data, "started_after"),
            ended=reader.time(data, "ended"),
            ended_after=reader.time(data, "ended_after"),
            ongoing=data.get("ongoing") is True,
            measured_seconds=reader.seconds(data, "measured_seconds"),
        )
        if "measured_seconds" not in data and outage.started is not None:
            until = last_seen if outage.ongoing else outage.ended
            if until is not None and until >= outage.started:
                outage = replace(outage, measured_seconds=(until - outage.started).total_seconds())
        return outage


@dataclass(frozen=True, slots=True)
class OutageEvent:
    """A change of the grid connection, to fire on the event entity."""

    event_type: OutageEventType
    outage: Outage


class OutageHistory:
    """The grid connection poll by poll: the last outage, how many were seen, the time off grid.

    Each outage is counted once, when first seen (its ``grid_lost``), including
    one found under way at start-up that the last run did not know of. The
    time off grid accrues exactly the intervals the outage's duration measures.
    """

    def __init__(self) -> None:
        """Nothing seen yet: no outage, none counted, no time off grid."""
        self.last: Outage | None = None
        # When the grid was last seen: in this run, or (after a restart) in the last.
        self.last_seen: datetime | None = None
        self.connected: bool | None = None
        # The monotonic clock at the last poll of this run that knew the grid status.
        self._monotonic: float | None = None
        self.outage_count = 0
        self.time_off_grid_seconds = 0.0

    def load(self, stored: Mapping[str, Any]) -> list[str]:
        """Restore what was stored; return what could not be read (it stays unknown)."""
        reader = StoredReader()
        self.last_seen = reader.time(stored, "last_seen")
        last = stored.get("last")
        if isinstance(last, Mapping):
            self.last = Outage.from_json(last, self.last_seen, reader)
        elif last is not None:
            reader.problems.append(f"last={last!r}")
        count = stored.get("outage_count", 0)
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            self.outage_count = count
        else:
            reader.problems.append(f"outage_count={count!r}")
        self.time_off_grid_seconds = reader.seconds(stored, "time_off_grid_seconds") or 0.0
        return reader.problems

    def as_json(self) -> dict[str, Any]:
        """What is stored."""
        return {
            "last": self.last.as_json() if self.last is not None else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "outage_count": self.outage_count,
            "time_off_grid_seconds": self.time_off_grid_seconds,
        }

    def observe(self, connected: bool, now: datetime, monotonic: float) -> OutageEvent | None:
        """Note one grid poll seen at ``now`` (the monotonic clock then reads ``monotonic``)."""
        previous, self.connected = self.connected, connected
        elapsed: float | None = None
        if previous is not None and self._monotonic is not None:
            elapsed = monotonic - self._monotonic
            if elapsed < 0:  # not a monotonic clock after all: nothing is known
                elapsed = None
        self._monotonic = monotonic
        since, self.last_seen = self.last_seen, now
        if previous is False:
            self._accrue(elapsed, watched=True)
        elif previous is None and not connected:
            # Still off grid at start-up: the wall clock is the one clock that spans a restart.
            gap = (now - since).total_seconds() if since is not None else None
            self._accrue(gap, watched=False)
        # The first poll of this run compares with what the last run knew.
        ongoing = self.last is not None and self.last.ongoing
        was_connected = previous if previous is not None else not ongoing
        if was_connected and not connected:
            # Seen beginning in this run: it began after the last poll. Found
            # ongoing at start-up: it began while nobody was watching.
            seen = previous is not None
            self.last = Outage(
                started=now if seen else None,
                started_after=since,
                measured_seconds=0.0 if seen else None,
            )
            self.outage_count += 1
            return OutageEvent("grid_lost", self.last)
        if not was_connected and connected and self.last is not None:
            if previous is not None:
                self.last = replace(self.last, ended=now, ended_after=since, ongoing=False)
            else:  # it ended while nobody was watching: neither end nor duration is known
                self.last = replace(
                    self.last, ended=None, ended_after=since, ongoing=False, measured_seconds=None
                )
            return OutageEvent("grid_restored", self.last)
        return None

    def _accrue(self, elapsed: float | None, *, watched: bool) -> None:
        """Off grid for ``elapsed`` more seconds (None or negative: a clock went back).

        The outage's duration and the time off grid add the same interval, so
        one outage reads the same on the device page, in the statistics and in
        its ``grid_restored``. An outage whose start nobody saw has no duration:
        then only time ``watched`` by this run counts, never a restart's gap.
        """
        last = self.last
        if last is not None and last.ongoing and last.measured_seconds is not None:
            if elapsed is None or elapsed < 0:
                self.last = replace(last, measured_seconds=None)
                return
            self.last = replace(last, measured_seconds=last.measured_seconds + elapsed)
            self.time_off_grid_seconds += elapsed
        elif watched and elapsed is not None:
            self.time_off_grid_seconds += elapsed
