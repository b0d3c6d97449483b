"""The grid event: ``grid_lost`` and ``grid_restored``, for automations and the logbook."""

from __future__ import annotations

from typing import override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PowerwallGatewayConfigEntry
from .entity import OutagesEntity
from .outages import OutageEvent

# Read-only entities fed by coordinators: no limit needed.
PARALLEL_UPDATES = 0

GRID_EVENT = EventEntityDescription(
    key="grid",
    translation_key="grid",
    event_types=["grid_lost", "grid_restored"],
)


class GridEvent(OutagesEntity, EventEntity):
    """Fires when the live grid connection is lost and when it returns.

    ``grid_restored`` carries the outage's duration in seconds (``None`` when it
    began or ended while Home Assistant was not running) and both times.
    """

    _fired: OutageEvent | None = None

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        # A change seen by the first poll of this run (the grid came back while
        # Home Assistant was down) happened before this entity existed.
        self._fire_new_event()

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        if self._fire_new_event():
            self.async_write_ha_state()

    def _fire_new_event(self) -> bool:
        event = self.subject.last_event
        if event is None or event is self._fired:
            return False
        self._fired = event
        outage = event.outage
        duration = outage.duration
        self._trigger_event(
            event.event_type,
            {
                "started": outage.started.isoformat() if outage.started else None,
                "ended": outage.ended.isoformat() if outage.ended else None,
                "duration_seconds": duration.total_seconds() if duration is not None else None,
            },
        )
        return True


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the grid event of a gateway."""
    async_add_entities([GridEvent(entry.runtime_data.grid, GRID_EVENT)])
