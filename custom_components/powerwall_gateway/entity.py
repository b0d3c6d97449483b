"""The two entity bases, gateway and battery, and adding entities as their subjects appear.

An entity reads one subject: a gateway entity finds it in its coordinator's
data through its description's ``subject_fn``; a battery entity is its
battery in the latest battery list. Each reads its value once per update
(``_read``), and is unavailable while its subject is not reported.
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
from .coordinator import (
    PowerwallBatteryCoordinator,
    PowerwallCoordinator,
    PowerwallFlagsCoordinator,
)
from .devices import battery_device_info, gateway_device_info


@dataclass(frozen=True, kw_only=True)
class PowerwallEntityDescription(EntityDescription):
    """Where a gateway entity finds its subject, and whether it outlives a failed read."""

    subject_fn: Callable[[Any], Any] = lambda data: data
    # History (the last outage), not live data: available while the gateway does not answer.
    always_available: bool = False


class PowerwallEntity(CoordinatorEntity[PowerwallCoordinator[Any]]):
    """An entity reading one subject; its unique id is ``<owner>_<key>``."""

    _attr_has_entity_name = True
    entity_description: PowerwallEntityDescription

    def __init__(
        self, coordinator: PowerwallCoordinator[Any], description: EntityDescription, owner_id: str
    ) -> None:
        """Bind the entity to its coordinator and description."""
        super().__init__(coordinator)
        self.entity_description = description  # type: ignore[assignment]
        self._attr_unique_id = f"{owner_id}_{description.key}"
        self._subject: Any = None

    def _find_subject(self) -> Any:
        """The subject in the coordinator's latest data; ``None`` when not reported."""
        raise NotImplementedError

    def _read(self, subject: Any) -> None:
        """Take the value (and attributes) from ``subject``, or ``None`` when it is gone."""
        raise NotImplementedError

    @override
    async def async_added_to_hass(self) -> None:
        self._subject = self._find_subject()
        self._read(self._subject)
        await super().async_added_to_hass()

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._subject = self._find_subject()
        self._read(self._subject)
        super()._handle_coordinator_update()

    @property
    @override
    def available(self) -> bool:
        """Unavailable when the read failed or the subject is no longer reported."""
        if self._subject is None:
            return False
        return super().available or self.entity_description.always_available


class GatewayEntity(PowerwallEntity):
    """An entity of the gateway device."""

    def __init__(
        self, coordinator: PowerwallCoordinator[Any], description: PowerwallEntityDescription
    ) -> None:
        """Attach the entity to the gateway device."""
        gateway = coordinator.gateway
        super().__init__(coordinator, description, gateway.gateway_id)
        self._attr_device_info = gateway_device_info(
            coordinator.config_entry, gateway.gateway_id, gateway.info
        )

    @override
    def _find_subject(self) -> Any:
        return self.entity_description.subject_fn(self.coordinator.data)


class BatteryEntity(PowerwallEntity):
    """An entity of one battery's device."""

    coordinator: PowerwallBatteryCoordinator

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

    @override
    def _find_subject(self) -> Battery | None:
        return self.coordinator.data.batteries.get(self.battery_id)


def add_entities_as_they_appear[CoordinatorT: PowerwallCoordinator[Any]](
    coordinator: CoordinatorT,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: str,
    build: Callable[[CoordinatorT], Iterable[Entity]],
) -> None:
    """Add the entities the coordinator's data supports now, and after each new read.

    The flags and battery entities appear with their first successful read, and
    a new battery, or a check that new firmware adds, gets its entities without
    a reload. An entity whose device was removed (a battery that left) lost its
    registry entry with it, so it is added again when its battery returns.
    """
    registry = er.async_get(coordinator.hass)
    added: set[str] = set()
    last_read: list[object] = []

    @callback
    def add_new() -> None:
        # Only a new read can bring new entities.
        if coordinator.data is None or (last_read and last_read[0] is coordinator.data):
            return
        last_read[:] = [coordinator.data]
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
    coordinator.config_entry.async_on_unload(coordinator.async_add_listener(add_new))


def add_flag_entities[DescriptionT: PowerwallEntityDescription](
    flags: PowerwallFlagsCoordinator,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: str,
    entity: Callable[[PowerwallFlagsCoordinator, DescriptionT], Entity],
    descriptions: Iterable[DescriptionT],
) -> None:
    """Add the flag entities with the first read that has flags.

    A restricted gateway offers no flags at all: no entities that could never work.
    """
    add_entities_as_they_appear(
        flags,
        async_add_entities,
        platform,
        lambda coordinator: (
            [entity(coordinator, description) for description in descriptions]
            if coordinator.data.flags is not None
            else []
        ),
    )
