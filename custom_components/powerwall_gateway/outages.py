"""The last grid outage and outage statistics, kept across restarts.

Times are those of the grid poll that saw the change: the change itself
happened within one grid interval before (``*_after`` says since when). An
outage that starts or ends while Home Assistant is not running is never given
an invented time: its start or end is unknown, and the window in which it
happened is kept instead.

How long things last is measured on the monotonic clock, never by
subtracting wall-clock times: setting the clock (NTP, a user, a dead RTC
battery) during an outage changes neither its duration nor the time off grid.

The history file is Home Assistant's storage, which anyone can edit: what
cannot be read in it is unknown (one warning), never a failed entry. That
includes values that parse but cannot be: a time outside EARLIEST..LATEST
(``9999-12-31T23:30:00-01:00`` does not even exist in UTC) and a duration
longer than that window (``1e15`` seconds is more than a timedelta holds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
import logging
import time
from typing import Any, Literal

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION = 1
SAVE_DELAY = 10  # seconds
# On grid, when the grid was last seen is saved this often (and at shutdown),
# not at every poll: a Raspberry Pi's SD card should not be written every 10
# seconds for a value no sensor shows. Off grid, every poll is saved at once
# (see ``observe``): the few writes an outage costs keep the statistics whole.
LAST_SEEN_SAVE_INTERVAL = timedelta(hours=1)

# What a store that cannot be read raises: HomeAssistantError (unreadable
# file), NotImplementedError (another storage version: there is no migration),
# KeyError/TypeError/AttributeError (the wrapper is not the shape Store expects).
_UNREADABLE = (HomeAssistantError, NotImplementedError, KeyError, TypeError, AttributeError)

# Every stored time lies in this window: no clock Home Assistant runs on reads
# before the Unix epoch, and none of this file's times is two centuries ahead.
EARLIEST = datetime(1970, 1, 1, tzinfo=dt_util.UTC)
LATEST = datetime(2200, 1, 1, tzinfo=dt_util.UTC)
# No stored duration is longer than the window its ends lie in.
MAX_SECONDS = (LATEST - EARLIEST).total_seconds()

type OutageEventType = Literal["grid_lost", "grid_restored"]


class _Reader:
    """Reads one stored history and remembers what in it could not be read."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def time(self, data: Mapping[str, Any], key: str) -> datetime | None:
        """A stored time from EARLIEST to LATEST; a naive one is UTC, as this file is written."""
        value = data.get(key)
        if value is None:
            return None
        utc = _utc(value) if isinstance(value, str) else None
        if utc is None or not EARLIEST <= utc < LATEST:
            self.problems.append(f"{key}={value!r}")
            return None
        return utc

    def seconds(self, data: Mapping[str, Any], key: str) -> float | None:
        """A stored number of seconds from 0 to MAX_SECONDS."""
        value = data.get(key)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 <= value <= MAX_SECONDS  # NaN compares false: it is refused too
        ):
            self.problems.append(f"{key}={value!r}")
            return None
        return float(value)


def _utc(text: str) -> datetime | None:
    """``text`` as an ISO time in UTC, or None if it is not one that exists in UTC."""
    try:
        parsed = dt_util.parse_datetime(text)
        if parsed is None:
            return None
        if parsed.tzinfo is None:
            # Not Home Assistant's as_utc, which takes a naive time as local:
            # this file is only ever written in UTC, so UTC lost its offset.
            return parsed.replace(tzinfo=dt_util.UTC)
        return dt_util.as_utc(parsed)
    except ValueError:  # 2026-13-01, 2026-02-30
        return None
    except OverflowError:  # 9999-12-31T23:30:00-01:00 is past year 9999 in UTC
        return None


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
    # end, once over), on the monotonic clock within a run and by the wall
    # clock across a restart. None when its start was not seen, or a clock
    # went back so that it cannot be known.
    measured_seconds: float | None = None

    @property
    def duration(self) -> timedelta | None:
        """How long it lasted, when it is over and both ends were seen; never negative."""
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
        cls,
        data: Mapping[str, Any],
        last_seen: datetime | None = None,
        reader: _Reader | None = None,
    ) -> Outage:
        """What was stored; what cannot be read is unknown.

        A record written before durations were measured (no ``measured_seconds``)
        is given its wall-clock duration, up to ``last_seen`` while it lasts,
        when that is not negative.
        """
        reader = reader or _Reader()
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


class OutageTracker:
    """Follow the live grid connection; remember the last outage and count them all.

    ``outage_count`` is the number of outages seen: each one is counted once,
    when it is first seen (the ``grid_lost`` it fires), including one found
    under way at start-up when the last run did not know of it. ``time_off_grid``
    is the time spent off grid between polls of a run, on the monotonic clock:
    it accrues at each poll while an outage lasts, and time nobody watched
    (Home Assistant not running) is never added. Both are stored, so a
    restart, a reload or an update neither resets nor double-counts them.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Keep one entry's outage history in Home Assistant's storage."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.outages"
        )
        self.last: Outage | None = None
        # When the grid was last seen at all: in this run, or (after a restart) in the last.
        self._last_seen: datetime | None = None
        self._connected: bool | None = None
        # The monotonic clock at the last poll of this run that knew the grid status.
        self._monotonic: float | None = None
        self._saved_at: datetime | None = None
        self._outage_count = 0
        self._time_off_grid = 0.0  # seconds

    @property
    def outage_count(self) -> int:
        """How many outages were seen, over every run."""
        return self._outage_count

    @property
    def time_off_grid(self) -> timedelta:
        """How long the grid was seen to be away, over every run."""
        return timedelta(seconds=self._time_off_grid)

    async def async_load(self) -> None:
        """Restore what a previous run knew; a history that cannot be read is unknown."""
        try:
            stored: object = await self._store.async_load()
        except _UNREADABLE as err:
            self._warn_unreadable(f"{type(err).__name__}: {err}")
            return
        if stored is None:
            return
        if not isinstance(stored, Mapping):
            self._warn_unreadable(f"its data is a {type(stored).__name__}, not an object")
            return
        reader = _Reader()
        self._last_seen = reader.time(stored, "last_seen")
        last = stored.get("last")
        if isinstance(last, Mapping):
            self.last = Outage.from_json(last, self._last_seen, reader)
        elif last is not None:
            reader.problems.append(f"last={last!r}")
        count = stored.get("outage_count", 0)
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            self._outage_count = count
        else:
            reader.problems.append(f"outage_count={count!r}")
        self._time_off_grid = reader.seconds(stored, "time_off_grid_seconds") or 0.0
        if reader.problems:
            self._warn_unreadable(f"unreadable {', '.join(reader.problems)}")

    def _warn_unreadable(self, why: str) -> None:
        _LOGGER.warning(
            "The outage history in %s cannot be read (%s); what it held is unknown "
            "and is written afresh at the next save",
            self._store.path,
            why[:500],
        )

    @callback
    def observe(self, connected: bool | None, now: datetime) -> OutageEvent | None:
        """Note one grid poll; return the event it reveals, if any.

        Durations come from the monotonic clock at the poll; ``now`` only says when.
        """
        if connected is None:  # an unknown grid status says nothing either way
            return None
        reading = time.monotonic()
        previous, self._connected = self._connected, connected
        elapsed: float | None = None
        if previous is not None and self._monotonic is not None:
            elapsed = reading - self._monotonic
            if elapsed < 0:  # not a monotonic clock after all: nothing is known
                elapsed = None
        self._monotonic = reading
        # The first poll of this run compares with what the last run knew.
        was_connected = previous if previous is not None else not self._ongoing
        since, self._last_seen = self._last_seen, now
        if previous is False:
            self._accrue(elapsed)
        elif previous is None and not connected:
            self._bridge_restart(since, now)
        event: OutageEvent | None = None
        if was_connected and not connected:
            # Seen beginning by this run: it began after the last poll. Found
            # ongoing at start-up: it began while nobody was watching.
            seen = previous is not None
            self.last = Outage(
                started=now if seen else None,
                started_after=since,
                measured_seconds=0.0 if seen else None,
            )
            self._outage_count += 1
            event = OutageEvent("grid_lost", self.last)
        elif not was_connected and connected and self.last is not None:
            if previous is not None:
                self.last = replace(self.last, ended=now, ended_after=since, ongoing=False)
            else:  # it ended while nobody was watching: neither end nor duration is known
                self.last = replace(
                    self.last, ended=None, ended_after=since, ongoing=False, measured_seconds=None
                )
            event = OutageEvent("grid_restored", self.last)
        if event is not None or previous is False:
            self._save_now(now)
        elif self._saved_at is None or now - self._saved_at >= LAST_SEEN_SAVE_INTERVAL:
            self._saved_at = now
            self._store.async_delay_save(self._stored, SAVE_DELAY)
        return event

    def _save_now(self, now: datetime) -> None:
        """The outage count or the time off grid changed: start writing it before it is shown.

        The write is handed to the executor before this poll's states reach
        the event bus (after the write under way, if one is), well before the
        recorder's next commit (every few seconds). So an unclean stop does not
        restart either lower than the recorder saw it, which the recorder would
        take for a meter reset and count twice.
        """
        self._saved_at = now
        self._hass.async_create_task(
            self._store.async_save(self._stored()), f"{self._store.key} save", eager_start=True
        )

    def _accrue(self, elapsed: float | None) -> None:
        """Off grid since the last poll of this run: that time counts, to the outage too."""
        if elapsed is not None:
            self._time_off_grid += elapsed
        if self.last is None or not self.last.ongoing or self.last.measured_seconds is None:
            return
        measured = self.last.measured_seconds + elapsed if elapsed is not None else None
        self.last = replace(self.last, measured_seconds=measured)

    def _bridge_restart(self, since: datetime | None, now: datetime) -> None:
        """Still off grid at start-up: the outage's duration spans the restart.

        Its measured part ran to ``since`` (saved with it); the time Home
        Assistant was down is added by the wall clock, the only one that
        spans a restart. A clock set back across it makes the duration unknown.
        The time off grid is not given this gap: nobody watched it.
        """
        last = self.last
        if last is None or not last.ongoing or last.measured_seconds is None:
            return
        gap = (now - since).total_seconds() if since is not None else None
        measured = last.measured_seconds + gap if gap is not None and gap >= 0 else None
        self.last = replace(last, measured_seconds=measured)

    @property
    def _ongoing(self) -> bool:
        return self.last is not None and self.last.ongoing

    def _stored(self) -> dict[str, Any]:
        return {
            "last": self.last.as_json() if self.last is not None else None,
            "last_seen": self._last_seen.isoformat() if self._last_seen else None,
            "outage_count": self._outage_count,
            "time_off_grid_seconds": self._time_off_grid,
        }

    async def async_save(self) -> None:
        """Write what is known now (when the entry unloads: a reload, or the entry's removal)."""
        await self._store.async_save(self._stored())

    @callback
    def save_at_stop(self, _: Event) -> None:
        """Home Assistant stops: have what is known written at its final write.

        A delayed save, which the Store writes at the final write by itself; a
        save of its own then would race the Store's pending one.
        """
        self._store.async_delay_save(self._stored, SAVE_DELAY)

    async def async_remove(self) -> None:
        """Forget the history of a removed entry."""
        await self._store.async_remove()
