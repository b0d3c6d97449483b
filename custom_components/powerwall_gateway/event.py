"""The grid event: ``grid_lost`` and ``grid_restored``, for automations and the logbook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import GatewaySnapshot, PowerwallGatewayConfigEntry
from .entity import PowerwallEntity, PowerwallEntityDescription
from .outages import OutageEvent

# Read-only entities fed by a coordinator: no limit needed.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class GridEventDescription(EventEntityDescription, PowerwallEntityDescription[GatewaySnapshot]):
    """An event of the gateway device."""


# History, not live data: it stays available while the gateway does not answer.
GRID_EVENT = GridEventDescription(
    key="grid",
    translation_key="grid",
    event_types=["grid_lost", "grid_restored"],
    always_available=True,
)


class GridEvent(PowerwallEntity, EventEntity):
    """Fires when the live grid connection is lost and when it returns.

    The snapshot of the poll that saw the change carries the event, once.
    ``grid_restored`` carries the outage's duration in seconds (``None`` when
    it began or ended while Home Assistant was not running) and both times.
    """

    entity_description: GridEventDescription
    _fired: OutageEvent | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Fire the event of the poll that set the entry up (a grid lost across a reload)."""
        self._fire()
        await super().async_added_to_hass()

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._fire()
        super()._handle_coordinator_update()

    @callback
    def _fire(self) -> None:
        """Fire the event of the latest poll, unless it was fired already."""
        event = self.coordinator.data.event
        if event is not None and event is not self._fired:
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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the grid event of a gateway."""
    async_add_entities([GridEvent(entry.runtime_data, GRID_EVENT)])
