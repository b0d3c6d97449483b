"""Binary sensors: the gateway's status flags, grid connection, battery states and alerts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Battery, Diagnostic
from .coordinator import GatewaySnapshot, PowerwallCoordinator, PowerwallGatewayConfigEntry
from .entity import PowerwallEntity, PowerwallEntityDescription, add_entities_as_they_appear

# Read-only entities fed by coordinators: no limit needed.
PARALLEL_UPDATES = 0

RUNNING = BinarySensorDeviceClass.RUNNING
PROBLEM = BinarySensorDeviceClass.PROBLEM
DIAGNOSTIC = EntityCategory.DIAGNOSTIC


@dataclass(frozen=True, kw_only=True)
class PowerwallBinarySensorEntityDescription[SubjectT](
    BinarySensorEntityDescription, PowerwallEntityDescription[SubjectT]
):
    """A binary sensor reading one flag of its subject (the snapshot, or a battery)."""

    value_fn: Callable[[SubjectT], bool | None]


def _alert(diagnostic: Diagnostic | None) -> bool | None:
    return diagnostic.alert if diagnostic is not None else None


def _has_grid(data: GatewaySnapshot) -> bool:
    return data.grid is not None


def _has_sync(data: GatewaySnapshot) -> bool:
    return data.sync is not None


def _has_flags(data: GatewaySnapshot) -> bool:
    return data.flags is not None


def _flag(name: str) -> Callable[[GatewaySnapshot], bool | None]:
    """The value of the gateway flag ``name``."""

    def value(data: GatewaySnapshot) -> bool | None:
        flag: bool | None = getattr(data.flags, name)
        return flag

    return value


# The live grid connection, for outage automations: on = connected to the grid.
GRID_CONNECTED = PowerwallBinarySensorEntityDescription[GatewaySnapshot](
    key="grid_status",
    translation_key="grid_status",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    exists_fn=_has_grid,
    available_fn=_has_grid,
    value_fn=lambda data: data.grid.connected if data.grid else None,
)

FLAG_BINARY_SENSORS: tuple[PowerwallBinarySensorEntityDescription[GatewaySnapshot], ...] = (
    PowerwallBinarySensorEntityDescription(
        key="updating",
        translation_key="updating",
        device_class=RUNNING,
        exists_fn=_has_flags,
        available_fn=_has_flags,
        value_fn=_flag("updating"),
    ),
    PowerwallBinarySensorEntityDescription(
        key="enumerating",
        translation_key="enumerating",
        device_class=RUNNING,
        exists_fn=_has_flags,
        available_fn=_has_flags,
        value_fn=_flag("enumerating"),
    ),
    PowerwallBinarySensorEntityDescription(
        key="checking_if_offgrid",
        translation_key="checking_if_offgrid",
        device_class=RUNNING,
        exists_fn=_has_flags,
        available_fn=_has_flags,
        value_fn=_flag("checking_if_offgrid"),
    ),
    PowerwallBinarySensorEntityDescription(
        key="running_phase_detection",
        translation_key="running_phase_detection",
        device_class=RUNNING,
        exists_fn=_has_flags,
        available_fn=_has_flags,
        value_fn=_flag("running_phase_detection"),
    ),
    PowerwallBinarySensorEntityDescription(
        key="grid_qualifying",
        translation_key="grid_qualifying",
        device_class=RUNNING,
        exists_fn=_has_flags,
        available_fn=_has_flags,
        value_fn=_flag("grid_qualifying"),
    ),
    PowerwallBinarySensorEntityDescription(
        key="grid_code_validating",
        translation_key="grid_code_validating",
        device_class=RUNNING,
        exists_fn=_has_flags,
        available_fn=_has_flags,
        value_fn=_flag("grid_code_validating"),
    ),
    PowerwallBinarySensorEntityDescription(
        key="bubble_shedding",
        translation_key="bubble_shedding",
        exists_fn=_has_flags,
        available_fn=_has_flags,
        value_fn=_flag("bubble_shedding"),
    ),
    PowerwallBinarySensorEntityDescription(
        key="phase_detection_not_available",
        translation_key="phase_detection_not_available",
        entity_category=DIAGNOSTIC,
        exists_fn=_has_flags,
        available_fn=_has_flags,
        value_fn=_flag("phase_detection_not_available"),
    ),
)

SYNC_BINARY_SENSORS: tuple[PowerwallBinarySensorEntityDescription[GatewaySnapshot], ...] = (
    PowerwallBinarySensorEntityDescription(
        key="sync_updating",
        translation_key="sync_updating",
        device_class=RUNNING,
        exists_fn=_has_sync,
        available_fn=_has_sync,
        value_fn=lambda data: data.sync.updating if data.sync is not None else None,
    ),
    PowerwallBinarySensorEntityDescription(
        key="sync_commissioning_diagnostic_alert",
        translation_key="sync_commissioning_diagnostic_alert",
        device_class=PROBLEM,
        entity_category=DIAGNOSTIC,
        value_fn=lambda data: _alert(data.sync.commissioning_diagnostic) if data.sync else None,
        exists_fn=lambda data: (
            data.sync is not None and data.sync.commissioning_diagnostic is not None
        ),
        available_fn=_has_sync,
    ),
    PowerwallBinarySensorEntityDescription(
        key="sync_update_diagnostic_alert",
        translation_key="sync_update_diagnostic_alert",
        device_class=PROBLEM,
        entity_category=DIAGNOSTIC,
        value_fn=lambda data: _alert(data.sync.update_diagnostic) if data.sync else None,
        exists_fn=lambda data: data.sync is not None and data.sync.update_diagnostic is not None,
        available_fn=_has_sync,
    ),
)

BATTERY_BINARY_SENSORS: tuple[PowerwallBinarySensorEntityDescription[Battery], ...] = (
    PowerwallBinarySensorEntityDescription(
        key="updating",
        translation_key="updating",
        device_class=RUNNING,
        value_fn=lambda battery: battery.updating,
    ),
    PowerwallBinarySensorEntityDescription(
        key="under_phase_detection",
        translation_key="under_phase_detection",
        device_class=RUNNING,
        value_fn=lambda battery: battery.under_phase_detection,
    ),
    PowerwallBinarySensorEntityDescription(
        key="in_config",
        translation_key="in_config",
        entity_category=DIAGNOSTIC,
        value_fn=lambda battery: battery.in_config,
    ),
    PowerwallBinarySensorEntityDescription(
        key="commissioning_diagnostic_alert",
        translation_key="commissioning_diagnostic_alert",
        device_class=PROBLEM,
        entity_category=DIAGNOSTIC,
        value_fn=lambda battery: _alert(battery.commissioning_diagnostic),
        exists_fn=lambda battery: battery.commissioning_diagnostic is not None,
    ),
    PowerwallBinarySensorEntityDescription(
        key="update_diagnostic_alert",
        translation_key="update_diagnostic_alert",
        device_class=PROBLEM,
        entity_category=DIAGNOSTIC,
        value_fn=lambda battery: _alert(battery.update_diagnostic),
        exists_fn=lambda battery: battery.update_diagnostic is not None,
    ),
)


class PowerwallBinarySensor(PowerwallEntity, BinarySensorEntity):
    """A binary sensor: its description's flag of the entity's subject."""

    entity_description: PowerwallBinarySensorEntityDescription[Any]

    @property
    @override
    def is_on(self) -> bool | None:
        """The description's flag."""
        return self.entity_description.value_fn(self.subject)


def _binary_sensors(coordinator: PowerwallCoordinator, data: GatewaySnapshot) -> Iterator[Entity]:
    """The binary sensors the snapshot supports."""
    for description in (GRID_CONNECTED, *FLAG_BINARY_SENSORS, *SYNC_BINARY_SENSORS):
        if description.exists_fn(data):
            yield PowerwallBinarySensor(coordinator, description)
    for battery in data.batteries.values():
        for battery_description in BATTERY_BINARY_SENSORS:
            if battery_description.exists_fn(battery):
                yield PowerwallBinarySensor(coordinator, battery_description, battery)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors: the grid now, the details' with their first read."""
    coordinator = entry.runtime_data
    add_entities_as_they_appear(
        coordinator, async_add_entities, "binary_sensor", partial(_binary_sensors, coordinator)
    )
