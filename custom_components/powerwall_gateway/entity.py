"""The base entity, the devices, and the one loop that adds entities as batteries appear.

An entity reads one *subject* of the coordinator's data: the whole poll for a
gateway entity, the synchronizer block for a synchronizer entity, or one battery
(found by its serial number) for a battery entity. Descriptions only say how to
read a value from their subject.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
import re
from typing import override

from homeassistant.const import CONF_HOST, CONF_MAC
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import slugify

from .api import Battery, Check, Diagnostic, Powerwalls, Sync
from .const import DOMAIN, MANUFACTURER
from .coordinator import GatewayData, PowerwallGatewayConfigEntry, PowerwallGatewayCoordinator

_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def state_key(value: str) -> str:
    """Turn a gateway value into an entity state: "SystemGridConnected" -> "system_grid_connected"."""
    return slugify(_CAMEL_RE.sub("_", value))


def enum_state(value: str | None) -> str | None:
    """The entity state of an enum value, known or not; ``None`` stays unknown."""
    return state_key(value) if value else None


@dataclass(frozen=True, slots=True)
class Scope[SubjectT]:
    """Where an entity belongs and what it reads."""

    owner: str
    device_info: DeviceInfo
    subject_fn: Callable[[GatewayData], SubjectT | None]


def gateway_device_info(coordinator: PowerwallGatewayCoordinator) -> DeviceInfo:
    """The gateway device, identified by the config entry's unique id (the DIN)."""
    info = coordinator.gateway_info
    mac = coordinator.config_entry.data.get(CONF_MAC)
    # A DIN is "<part number>--<serial number>" (1232100-00-E--TG123456789A4M).
    part_number, _, serial = (info.din or "").rpartition("--")
    return DeviceInfo(
        # Known through DHCP discovery; lets Home Assistant follow the gateway to a new address.
        connections={(CONNECTION_NETWORK_MAC, mac)} if mac else set(),
        identifiers={(DOMAIN, coordinator.gateway_id)},
        manufacturer=MANUFACTURER,
        model="Backup Gateway",
        model_id=part_number or None,
        name="Backup Gateway",
        serial_number=serial or None,
        sw_version=info.firmware_version,
        configuration_url=f"https://{coordinator.config_entry.data[CONF_HOST]}/",
    )


def gateway_scope(coordinator: PowerwallGatewayCoordinator) -> Scope[GatewayData]:
    """Entities of the gateway device that read the whole poll."""
    return Scope(coordinator.gateway_id, gateway_device_info(coordinator), lambda data: data)


def sync_scope(coordinator: PowerwallGatewayCoordinator) -> Scope[Sync]:
    """Entities of the gateway device that read its synchronizer."""
    return Scope(
        coordinator.gateway_id,
        gateway_device_info(coordinator),
        lambda data: None if data.powerwalls_stale else data.powerwalls.sync,
    )


def battery_scope(coordinator: PowerwallGatewayCoordinator, battery: Battery) -> Scope[Battery]:
    """Entities of one battery's device, linked to the gateway."""
    serial = battery.package_serial_number
    return Scope(
        serial,
        DeviceInfo(
            identifiers={(DOMAIN, serial)},
            manufacturer=MANUFACTURER,
            model=battery.model,
            model_id=battery.package_part_number,
            name=f"{battery.model} {serial}",
            serial_number=serial,
            via_device_id=dr.async_get_device_id_by_identifier(
                coordinator.hass,
                (DOMAIN, coordinator.gateway_id),
                config_entry_id=coordinator.config_entry.entry_id,
            ),
        ),
        lambda data: data.battery(serial),
    )


def find_check(diagnostic: Diagnostic | None, name: str) -> Check | None:
    """The check of this name in a diagnostic run, if the gateway still reports it."""
    if diagnostic is None:
        return None
    return next((check for check in diagnostic.checks if check.name == name), None)


class PowerwallGatewayEntity[SubjectT](CoordinatorEntity[PowerwallGatewayCoordinator]):
    """An entity of the gateway or of one of its batteries."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: PowerwallGatewayCoordinator,
        description: EntityDescription,
        scope: Scope[SubjectT],
    ) -> None:
        """Bind the entity to its device; its unique id is ``<owner>_<JSON key>``."""
        super().__init__(coordinator)
        self.entity_description = description
        self._scope = scope
        self._attr_unique_id = f"{scope.owner}_{description.key}"
        self._attr_device_info = scope.device_info

    @property
    def subject(self) -> SubjectT | None:
        """What this entity reads in the latest poll, or ``None`` when it is gone."""
        return self._scope.subject_fn(self.coordinator.data)

    def read[ValueT](self, value_fn: Callable[[SubjectT], ValueT]) -> ValueT | None:
        """Apply ``value_fn`` to the subject; ``None`` when the subject is gone."""
        if (subject := self.subject) is None:
            return None
        return value_fn(subject)

    @property
    @override
    def available(self) -> bool:
        """Unavailable when the poll failed or the battery is no longer listed."""
        return super().available and self.subject is not None


def add_entities_as_they_appear(
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: str,
    build: Callable[[PowerwallGatewayCoordinator], Iterable[Entity]],
) -> None:
    """Add the platform's entities now, and after each poll those not added yet.

    This is how a new battery, or a check that new firmware adds, gets its
    entities without a reload.
    """
    coordinator = entry.runtime_data
    added = coordinator.added_unique_ids.setdefault(platform, set())
    last_read: list[Powerwalls] = []

    @callback
    def add_new() -> None:
        # Only a new read of the battery list can bring new entities.
        if last_read and last_read[0] is coordinator.data.powerwalls:
            return
        last_read[:] = [coordinator.data.powerwalls]
        new = [entity for entity in build(coordinator) if entity.unique_id not in added]
        if new:
            added.update(entity.unique_id for entity in new if entity.unique_id)
            async_add_entities(new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
