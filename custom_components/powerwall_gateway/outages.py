"""The outage history of one entry in Home Assistant's storage, kept across restarts.

What it holds and how it changes is ``api.outages``. The file is Home
Assistant's storage, which anyone can edit: what cannot be read in it is
unknown (one warning), never a failed entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
import logging
import time
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .api.outages import Outage, OutageEvent, OutageHistory
from .const import DOMAIN

__all__ = ["Outage", "OutageEvent", "OutageTracker"]

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION = 1
SAVE_DELAY = 10  # seconds
# On grid, when the grid was last seen is saved this often (and at shutdown),
# not at every poll: an SD card should not be written every 10 seconds for a
# value no sensor shows. Off grid, every poll is saved at once (see ``observe``).
LAST_SEEN_SAVE_INTERVAL = timedelta(hours=1)

# What a store that cannot be read raises: HomeAssistantError (unreadable
# file), NotImplementedError (another storage version: there is no migration),
# KeyError/TypeError/AttributeError (the wrapper is not the shape Store expects).
_UNREADABLE = (HomeAssistantError, NotImplementedError, KeyError, TypeError, AttributeError)


class OutageTracker:
    """One entry's ``OutageHistory``, loaded from and saved to Home Assistant's storage."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Keep one entry's outage history in Home Assistant's storage."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.outages"
        )
        self._history = OutageHistory()
        self._saved_at: datetime | None = None

    @property
    def last(self) -> Outage | None:
        """The last outage seen, over every run."""
        return self._history.last

    @property
    def outage_count(self) -> int:
        """How many outages were seen, over every run."""
        return self._history.outage_count

    @property
    def time_off_grid(self) -> timedelta:
        """How long the grid was seen to be away, over every run."""
        return timedelta(seconds=self._history.time_off_grid_seconds)

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
        elif problems := self._history.load(stored):
            self._warn_unreadable(f"unreadable {', '.join(problems)}")

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

        Off grid or at a change, the history is written at once: before this
        poll's states reach the recorder, so an unclean stop never restarts the
        statistics lower than the recorder saw them (a meter reset, counted twice).
        """
        if connected is None:  # an unknown grid status says nothing either way
            return None
        was_off = self._history.connected is False
        event = self._history.observe(connected, now, time.monotonic())
        if event is not None or was_off:
            self._saved_at = now
            self._hass.async_create_task(
                self._store.async_save(self._history.as_json()),
                f"{self._store.key} save",
                eager_start=True,
            )
        elif self._saved_at is None or now - self._saved_at >= LAST_SEEN_SAVE_INTERVAL:
            self._saved_at = now
            self._store.async_delay_save(self._history.as_json, SAVE_DELAY)
        return event

    async def async_save(self) -> None:
        """Write what is known now (when the entry unloads: a reload, or the entry's removal)."""
        await self._store.async_save(self._history.as_json())

    @callback
    def save_at_stop(self, _: Event) -> None:
        """Home Assistant stops: a delayed save, which the Store writes at its final write."""
        self._store.async_delay_save(self._history.as_json, SAVE_DELAY)

    async def async_remove(self) -> None:
        """Forget the history of a removed entry."""
        await self._store.async_remove()
