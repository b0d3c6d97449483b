"""Base entities, one per kind of subject, and adding entities as batteries appear.

- ``GridEntity``: the gateway device, from the grid coordinator (the live grid status).
- ``OutagesEntity``: the gateway device, its last outage (kept across restarts).
- ``StatusEntity``: the gateway device, its flags (absent on a restricted gateway).
- ``PowerwallsEntity``: the gateway device, from the battery list (its ``states``).
- ``SyncEntity``: the gateway device, from the battery list's synchronizer block.
- ``BatteryEntity``: one battery's device; its ``subject`` is one dict lookup.

Each has a ``subject``: what its descriptions' ``value_fn`` reads, or ``None``
when the gateway no longer reports it (the entity is then unavailable).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import re
from typing import Any, override

from homeassistant.const import MAX_LENGTH_STATE_STATE
from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import slugify

from .api import Battery, GridStatusInfo, Powerwalls, PowerwallStatus, Sync
from .const import DOMAIN
from .coordinator import (
    PowerwallBatteryCoordinator,
    PowerwallCoordinator,
    PowerwallGatewayConfigEntry,
    PowerwallGridCoordinator,
    PowerwallStatusCoordinator,
)
from .devices import battery_device_info, gateway_device_info
from .outages import OutageTracker

_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def state_key(value: str) -> str:
    """Turn a gateway value into an entity state: "SystemGridConnected" -> "system_grid_connected"."""
    return slugify(_CAMEL_RE.sub("_", value))


def enum_state(value: str | None) -> str | None:
    """The entity state of an enum value, known or not; ``None`` stays unknown.

    Cut to the longest state Home Assistant accepts: a value new firmware
    invents is shown even when it is long, never dropped as an invalid state.
    """
    return state_key(value)[:MAX_LENGTH_STATE_STATE] if value else None


class PowerwallEntity[CoordinatorT: PowerwallCoordinator[Any], SubjectT](
    CoordinatorEntity[CoordinatorT]
):
    """An entity of the gateway or of one of its batteries; its unique id is ``<owner>_<key>``."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: CoordinatorT, description: EntityDescription, owner_id: str
    ) -> None:
        """Bind the entity to its coordinator and description."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{owner_id}_{description.key}"

    @property
    def subject(self) -> SubjectT | None:
        """What the entity reads in the latest data; ``None`` when it is gone."""
        raise NotImplementedError

    @property
    @override
    def available(self) -> bool:
        """Unavailable when the read failed or the subject is no longer reported."""
        return super().available and self.subject is not None


class _GatewayDeviceEntity[CoordinatorT: PowerwallCoordinator[Any], SubjectT](
    PowerwallEntity[CoordinatorT, SubjectT]
):
    """An entity of the gateway device."""

    def __init__(self, coordinator: CoordinatorT, description: EntityDescription) -> None:
        """Attach the entity to the gateway device."""
        gateway = coordinator.gateway
        super().__init__(coordinator, description, gateway.gateway_id)
        self._attr_device_info = gateway_device_info(
            coordinator.config_entry, gateway.gateway_id, gateway.info
        )


class GridEntity(_GatewayDeviceEntity[PowerwallGridCoordinator, GridStatusInfo]):
    """An entity of the gateway device reading the live grid status."""

    @property
    @override
    def subject(self) -> GridStatusInfo:
        return self.coordinator.data


class OutagesEntity(_GatewayDeviceEntity[PowerwallGridCoordinator, OutageTracker]):
    """An entity of the gateway device telling of its last outage.

    History, not live data: it stays available while the gateway does not answer.
    """

    @property
    @override
    def subject(self) -> OutageTracker:
        return self.coordinator.outages

    @property
    @override
    def available(self) -> bool:
        return True


class StatusEntity(_GatewayDeviceEntity[PowerwallStatusCoordinator, PowerwallStatus]):
    """An entity of the gateway device reading its flags."""

    @property
    @override
    def subject(self) -> PowerwallStatus | None:
        return self.coordinator.data.status


class PowerwallsEntity(_GatewayDeviceEntity[PowerwallBatteryCoordinator, Powerwalls]):
    """An entity of the gateway device reading the gateway-wide part of the battery list."""

    @property
    @override
    def subject(self) -> Powerwalls | None:
        return self.coordinator.data.powerwalls


class SyncEntity(_GatewayDeviceEntity[PowerwallBatteryCoordinator, Sync]):
    """An entity of the gateway device reading its synchronizer."""

    @property
    @override
    def subject(self) -> Sync | None:
        powerwalls = self.coordinator.data.powerwalls
        return powerwalls.sync if powerwalls is not None else None


class BatteryEntity(PowerwallEntity[PowerwallBatteryCoordinator, Battery]):
    """An entity of one battery's device."""

    def __init__(
        self,
        coordinator: PowerwallBatteryCoordinator,
        description: EntityDescription,
        battery: Battery,
    ) -> None:
        """Attach the entity to the battery's device."""
        self.battery_id = coordinator.gateway.battery_id(battery)
        super().__init__(coordinator, description, self.battery_id)
        self._attr_device_info = battery_device_info(
            coordinator.hass, coordinator.config_entry, coordinator.gateway.gateway_id, battery
        )

    @property
    @override
    def subject(self) -> Battery | None:
        return self.coordinator.data.batteries.get(self.battery_id)


def add_entities_as_batteries_appear(
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: str,
    build: Callable[[PowerwallBatteryCoordinator], Iterable[Entity]],
) -> None:
    """Add the battery list's entities now, and after each new read those not added yet.

    This is how a new battery, or a check that new firmware adds, gets its
    entities without a reload. An entity whose device was removed (a battery
    that left) lost its registry entry with it, so it is added again when its
    battery returns.
    """
    coordinator = entry.runtime_data.batteries
    registry = er.async_get(coordinator.hass)
    added: set[str] = set()
    last_read: list[Powerwalls | None] = []

    @callback
    def add_new() -> None:
        # Only a new read of the battery list can bring new entities.
        if last_read and last_read[0] is coordinator.data.powerwalls:
            return
        last_read[:] = [coordinator.data.powerwalls]
        new = [
            entity
            for entity in build(coordinator)
            if entity.unique_id is not None
            and (
                entity.unique_id not in added
                or registry.async_get_entity_id(platform, DOMAIN, entity.unique_id) is None
            )
        ]
        if new:
            added.update(entity.unique_id for entity in new if entity.unique_id)
            async_add_entities(new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
