"""Binary sensors: the gateway's status flags, grid connection, battery states and alerts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
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

from .api import Battery, Diagnostic, PowerwallStatus, Sync
from .coordinator import PowerwallBatteryCoordinator, PowerwallGatewayConfigEntry
from .entity import (
    BatteryEntity,
    GatewayEntity,
    PowerwallEntity,
    PowerwallEntityDescription,
    add_entities_as_they_appear,
    add_flag_entities,
)
from .models import GridData, flags_of, sync_of

# Read-only entities fed by coordinators: no limit needed.
PARALLEL_UPDATES = 0

RUNNING = BinarySensorDeviceClass.RUNNING
PROBLEM = BinarySensorDeviceClass.PROBLEM
DIAGNOSTIC = EntityCategory.DIAGNOSTIC


@dataclass(frozen=True, kw_only=True)
class PowerwallBinarySensorEntityDescription[SubjectT](
    BinarySensorEntityDescription, PowerwallEntityDescription
):
    """A binary sensor reading one flag of its subject."""

    value_fn: Callable[[SubjectT], bool | None]
    exists_fn: Callable[[SubjectT], bool] = lambda _: True


def _alert(diagnostic: Diagnostic | None) -> bool | None:
    return diagnostic.alert if diagnostic is not None else None


# The live grid connection, for outage automations: on = connected to the grid.
GRID_CONNECTED = PowerwallBinarySensorEntityDescription[GridData](
    key="grid_status",
    translation_key="grid_status",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    value_fn=lambda grid: grid.status.connected,
)

FLAG_BINARY_SENSORS: tuple[PowerwallBinarySensorEntityDescription[PowerwallStatus], ...] = (
    PowerwallBinarySensorEntityDescription(
        subject_fn=flags_of,
        key="updating",
        translation_key="updating",
        device_class=RUNNING,
        value_fn=lambda status: status.updating,
    ),
    PowerwallBinarySensorEntityDescription(
        subject_fn=flags_of,
        key="enumerating",
        translation_key="enumerating",
        device_class=RUNNING,
        value_fn=lambda status: status.enumerating,
    ),
    PowerwallBinarySensorEntityDescription(
        subject_fn=flags_of,
        key="checking_if_offgrid",
        translation_key="checking_if_offgrid",
        device_class=RUNNING,
        value_fn=lambda status: status.checking_if_offgrid,
    ),
    PowerwallBinarySensorEntityDescription(
        subject_fn=flags_of,
        key="running_phase_detection",
        translation_key="running_phase_detection",
        device_class=RUNNING,
        value_fn=lambda status: status.running_phase_detection,
    ),
    PowerwallBinarySensorEntityDescription(
        subject_fn=flags_of,
        key="grid_qualifying",
        translation_key="grid_qualifying",
        device_class=RUNNING,
        value_fn=lambda status: status.grid_qualifying,
    ),
    PowerwallBinarySensorEntityDescription(
        subject_fn=flags_of,
        key="grid_code_validating",
        translation_key="grid_code_validating",
        device_class=RUNNING,
        value_fn=lambda status: status.grid_code_validating,
    ),
    PowerwallBinarySensorEntityDescription(
        subject_fn=flags_of,
        key="bubble_shedding",
        translation_key="bubble_shedding",
        value_fn=lambda status: status.bubble_shedding,
    ),
    PowerwallBinarySensorEntityDescription(
        subject_fn=flags_of,
        key="phase_detection_not_available",
        translation_key="phase_detection_not_available",
        entity_category=DIAGNOSTIC,
        value_fn=lambda status: status.phase_detection_not_available,
    ),
)

SYNC_BINARY_SENSORS: tuple[PowerwallBinarySensorEntityDescription[Sync], ...] = (
    PowerwallBinarySensorEntityDescription(
        subject_fn=sync_of,
        key="sync_updating",
        translation_key="sync_updating",
        device_class=RUNNING,
        value_fn=lambda sync: sync.updating,
    ),
    PowerwallBinarySensorEntityDescription(
        subject_fn=sync_of,
        key="sync_commissioning_diagnostic_alert",
        translation_key="sync_commissioning_diagnostic_alert",
        device_class=PROBLEM,
        entity_category=DIAGNOSTIC,
        value_fn=lambda sync: _alert(sync.commissioning_diagnostic),
        exists_fn=lambda sync: sync.commissioning_diagnostic is not None,
    ),
    PowerwallBinarySensorEntityDescription(
        subject_fn=sync_of,
        key="sync_update_diagnostic_alert",
        translation_key="sync_update_diagnostic_alert",
        device_class=PROBLEM,
        entity_category=DIAGNOSTIC,
        value_fn=lambda sync: _alert(sync.update_diagnostic),
        exists_fn=lambda sync: sync.update_diagnostic is not None,
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

    @override
    def _read(self, subject: Any) -> None:
        self._attr_is_on = None if subject is None else self.entity_description.value_fn(subject)


class GatewayBinarySensor(PowerwallBinarySensor, GatewayEntity):
    """A flag of the gateway device."""


class BatteryBinarySensor(PowerwallBinarySensor, BatteryEntity):
    """A flag of one battery."""


def _battery_list_binary_sensors(coordinator: PowerwallBatteryCoordinator) -> Iterator[Entity]:
    """The binary sensors the latest battery list supports."""
    if (sync := sync_of(coordinator.data)) is not None:
        for sync_description in SYNC_BINARY_SENSORS:
            if sync_description.exists_fn(sync):
                yield GatewayBinarySensor(coordinator, sync_description)
    for battery in coordinator.data.batteries.values():
        for description in BATTERY_BINARY_SENSORS:
            if description.exists_fn(battery):
                yield BatteryBinarySensor(coordinator, description, battery)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors: the grid now, the rest with their first read."""
    runtime = entry.runtime_data
    async_add_entities([GatewayBinarySensor(runtime.grid, GRID_CONNECTED)])
    add_flag_entities(
        runtime.flags, async_add_entities, "binary_sensor", GatewayBinarySensor, FLAG_BINARY_SENSORS
    )
    add_entities_as_they_appear(
        runtime.batteries, async_add_entities, "binary_sensor", _battery_list_binary_sensors
    )
