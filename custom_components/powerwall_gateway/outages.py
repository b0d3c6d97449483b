"""The last grid outage: when it started, when it ended, kept across restarts.

Times are those of the grid poll that saw the change: the change itself
happened within one grid interval before (``*_after`` says since when). An
outage that starts or ends while Home Assistant is not running is never given
an invented time: its start or end is unknown, and the window in which it
happened is kept instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN

STORAGE_VERSION = 1
SAVE_DELAY = 10  # seconds
# When the grid was last seen is saved this often (and at shutdown), not at
# every poll: a Raspberry Pi's SD card should not be written every 10 seconds.
LAST_SEEN_SAVE_INTERVAL = timedelta(hours=1)

type OutageEventType = Literal["grid_lost", "grid_restored"]


@dataclass(frozen=True, slots=True)
class Outage:
    """One outage. ``None`` means not known (it began or ended while nobody was watching)."""

    started: datetime | None = None
    # The poll before the one that saw it begin: it began after this.
    started_after: datetime | None = None
    ended: datetime | None = None
    ended_after: datetime | None = None
    ongoing: bool = True

    @property
    def duration(self) -> timedelta | None:
        """How long it lasted, when both ends are known."""
        if self.started is None or self.ended is None:
            return None
        return self.ended - self.started

    def as_json(self) -> dict[str, Any]:
        """What is stored."""
        return {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in asdict(self).items()
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outage:
        """What was stored; unreadable times are unknown."""

        def time(key: str) -> datetime | None:
            value = data.get(key)
            return dt_util.parse_datetime(value) if isinstance(value, str) else None

        return cls(
            started=time("started"),
            started_after=time("started_after"),
            ended=time("ended"),
            ended_after=time("ended_after"),
            ongoing=data.get("ongoing") is True,
        )


@dataclass(frozen=True, slots=True)
class OutageEvent:
    """A change of the grid connection, to fire on the event entity."""

    event_type: OutageEventType
    at: datetime
    outage: Outage


class OutageTracker:
    """Follow the live grid connection and remember the last outage."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Keep one entry's outage history in Home Assistant's storage."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.outages"
        )
        self.last: Outage | None = None
        self.last_event: OutageEvent | None = None
        # When the grid was last seen at all: in this run, or (after a restart) in the last.
        self._last_seen: datetime | None = None
        self._connected: bool | None = None
        self._saved_at: datetime | None = None

    async def async_load(self) -> None:
        """Restore what a previous run knew."""
        if (stored := await self._store.async_load()) is None:
            return
        if isinstance(last := stored.get("last"), dict):
            self.last = Outage.from_json(last)
        if isinstance(seen := stored.get("last_seen"), str):
            self._last_seen = dt_util.parse_datetime(seen)

    @callback
    def observe(self, connected: bool | None, now: datetime) -> OutageEvent | None:
        """Note one grid poll; return the event it reveals, if any."""
        if connected is None:  # an unknown grid status says nothing either way
            return None
        previous, self._connected = self._connected, connected
        # The first poll of this run compares with what the last run knew.
        was_connected = previous if previous is not None else not self._ongoing
        since, self._last_seen = self._last_seen, now
        event: OutageEvent | None = None
        if was_connected and not connected:
            # Seen beginning by this run: it began after the last poll. Found
            # ongoing at start-up: it began while nobody was watching.
            started = now if previous is not None else None
            self.last = Outage(started=started, started_after=since)
            event = OutageEvent("grid_lost", now, self.last)
        elif not was_connected and connected and self.last is not None:
            ended = now if previous is not None else None
            self.last = replace(self.last, ended=ended, ended_after=since, ongoing=False)
            event = OutageEvent("grid_restored", now, self.last)
        if event is not None:
            self.last_event = event
        if (
            event is not None
            or self._saved_at is None
            or now - self._saved_at >= (LAST_SEEN_SAVE_INTERVAL)
        ):
            self._saved_at = now
            self._store.async_delay_save(self._stored, SAVE_DELAY)
        return event

    @property
    def _ongoing(self) -> bool:
        return self.last is not None and self.last.ongoing

    def _stored(self) -> dict[str, Any]:
        return {
            "last": self.last.as_json() if self.last is not None else None,
            "last_seen": self._last_seen.isoformat() if self._last_seen else None,
        }

    async def async_save(self) -> None:
        """Write what is known now (when the entry unloads, e.g. Home Assistant stops)."""
        await self._store.async_save(self._stored())

    async def async_save_at_stop(self, _: Event) -> None:
        """Write what is known when Home Assistant stops (its final write)."""
        await self.async_save()

    async def async_remove(self) -> None:
        """Forget the history of a removed entry."""
        await self._store.async_remove()
