"""The one entity base: a value of the gateway's snapshot, or of one battery in it.

Available while the last poll worked (history always) and ``available_fn`` says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Battery
from .const import DOMAIN
from .coordinator import GatewaySnapshot, PowerwallCoordinator
from .devices import battery_device_info, gateway_device_info


@dataclass(frozen=True, kw_only=True)
class PowerwallEntityDescription[SubjectT](EntityDescription):
    """What an entity reads of its subject (the snapshot, or its battery)."""

    # Whether the subject has the value: the entity is added once it does ...
    exists_fn: Callable[[SubjectT], bool] = lambda _: True
    # ... and is unavailable while it cannot be read (a value dropped by firmware is unknown).
    available_fn: Callable[[SubjectT], bool] = lambda _: True
    # History (the last outage, the statistics): available while the gateway does not answer.
    always_available: bool = False


class PowerwallEntity(CoordinatorEntity[PowerwallCoordinator]):
    """An entity of the gateway device, or of one battery's device; unique id ``<owner>_<key>``."""

    _attr_has_entity_name = True
    entity_description: PowerwallEntityDescription[Any]

    def __init__(
        self,
        coordinator: PowerwallCoordinator,
        description: PowerwallEntityDescription[Any],
        battery: Battery | None = None,
    ) -> None:
        """Bind the entity to the gateway, or to ``battery``."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        if battery is None:
            self._battery_id: str | None = None
            owner = coordinator.gateway_id
            self._attr_device_info = gateway_device_info(entry, owner, coordinator.info)
        else:
            owner = self._battery_id = coordinator.battery_id(battery)
            self._attr_device_info = battery_device_info(
                coordinator.hass, entry, coordinator.gateway_id, battery
            )
        self._attr_unique_id = f"{owner}_{description.key}"

    @property
    def subject(self) -> Any:
        """What the description reads: the snapshot, or this entity's battery in it."""
        data: GatewaySnapshot = self.coordinator.data
        return data if self._battery_id is None else data.batteries.get(self._battery_id)

    @property
    @override
    def available(self) -> bool:
        """Unavailable when the poll failed or the gateway no longer reports the value."""
        description = self.entity_description
        subject = self.subject
        return (
            (super().available or description.always_available)
            and subject is not None
            and description.available_fn(subject)
        )


def add_entities_as_they_appear(
    coordinator: PowerwallCoordinator,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: str,
    build: Callable[[GatewaySnapshot], Iterable[Entity]],
) -> None:
    """Add the entities the snapshot supports now, and after each poll that brings new ones.

    The flags and battery entities appear with their first successful read, and
    a new battery, or a check that new firmware adds, gets its entities without
    a reload. An entity whose device was removed (a battery that left) lost its
    registry entry with it, so it is added again when its battery returns.
    """
    registry = er.async_get(coordinator.hass)
    added: set[str] = set()
    built_for: list[object] = []  # the flags and battery list the entities were last built for

    @callback
    def add_new() -> None:
        data = coordinator.data
        if data is None or (
            built_for and built_for[0] is data.flags and built_for[1] is data.powerwalls
        ):
            return  # only a new read of the details brings new entities
        built_for[:] = [data.flags, data.powerwalls]
        new = [
            entity
            for entity in build(data)
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
    coordinator.config_entry.async_on_unload(coordinator.async_add_listener(add_new))
