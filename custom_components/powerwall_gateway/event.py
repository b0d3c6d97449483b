"""The grid event: ``grid_lost`` and ``grid_restored``, for automations and the logbook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PowerwallGatewayConfigEntry
from .entity import GatewayEntity, PowerwallEntityDescription
from .models import GridData

# Read-only entities fed by coordinators: no limit needed.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class GridEventDescription(EventEntityDescription, PowerwallEntityDescription):
    """An event of the gateway device."""


# History, not live data: it stays available while the gateway does not answer.
GRID_EVENT = GridEventDescription(
    key="grid",
    translation_key="grid",
    event_types=["grid_lost", "grid_restored"],
    always_available=True,
)


class GridEvent(GatewayEntity, EventEntity):
    """Fires when the live grid connection is lost and when it returns.

    The grid read that saw the change carries the event. ``grid_restored``
    carries the outage's duration in seconds (``None`` when it began or ended
    while Home Assistant was not running) and both times.
    """

    entity_description: GridEventDescription

    @override
    def _read(self, subject: Any) -> None:
        grid: GridData = subject
        # A failed read hands on the last data again: its event was fired already.
        if (event := grid.event) is None or not self.coordinator.last_update_success:
            return
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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the grid event of a gateway."""
    async_add_entities([GridEvent(entry.runtime_data.grid, GRID_EVENT)])
