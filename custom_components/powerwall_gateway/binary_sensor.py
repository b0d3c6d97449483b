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

from .api import Battery, Diagnostic, GridStatusInfo, PowerwallStatus, Sync
from .coordinator import PowerwallBatteryCoordinator, PowerwallGatewayConfigEntry
from .entity import (
    BatteryEntity,
    GridEntity,
    PowerwallEntity,
    StatusEntity,
    SyncEntity,
    add_entities_as_batteries_appear,
)

# Read-only entities fed by coordinators: no limit needed.
PARALLEL_UPDATES = 0

RUNNING = BinarySensorDeviceClass.RUNNING
PROBLEM = BinarySensorDeviceClass.PROBLEM
DIAGNOSTIC = EntityCategory.DIAGNOSTIC


@dataclass(frozen=True, kw_only=True)
class PowerwallBinarySensorEntityDescription[SubjectT](BinarySensorEntityDescription):
    """A binary sensor reading one flag of its subject."""

    value_fn: Callable[[SubjectT], bool | None]
    exists_fn: Callable[[SubjectT], bool] = lambda _: True


def _alert(diagnostic: Diagnostic | None) -> bool | None:
    return diagnostic.alert if diagnostic is not None else None


GRID_BINARY_SENSORS: tuple[PowerwallBinarySensorEntityDescription[GridStatusInfo], ...] = (
    # The live grid connection, for outage automations: on = connected to the grid.
    PowerwallBinarySensorEntityDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda grid: grid.connected,
    ),
)

STATUS_BINARY_SENSORS: tuple[PowerwallBinarySensorEntityDescription[PowerwallStatus], ...] = (
    PowerwallBinarySensorEntityDescription(
        key="updating",
        translation_key="updating",
        device_class=RUNNING,
        value_fn=lambda status: status.updating,
    ),
    PowerwallBinarySensorEntityDescription(
        key="enumerating",
        translation_key="enumerating",
        device_class=RUNNING,
        value_fn=lambda status: status.enumerating,
    ),
    PowerwallBinarySensorEntityDescription(
        key="checking_if_offgrid",
        translation_key="checking_if_offgrid",
        device_class=RUNNING,
        value_fn=lambda status: status.checking_if_offgrid,
    ),
    PowerwallBinarySensorEntityDescription(
        key="running_phase_detection",
        translation_key="running_phase_detection",
        device_class=RUNNING,
        value_fn=lambda status: status.running_phase_detection,
    ),
    PowerwallBinarySensorEntityDescription(
        key="grid_qualifying",
        translation_key="grid_qualifying",
        device_class=RUNNING,
        value_fn=lambda status: status.grid_qualifying,
    ),
    PowerwallBinarySensorEntityDescription(
        key="grid_code_validating",
        translation_key="grid_code_validating",
        device_class=RUNNING,
        value_fn=lambda status: status.grid_code_validating,
    ),
    PowerwallBinarySensorEntityDescription(
        key="bubble_shedding",
        translation_key="bubble_shedding",
        value_fn=lambda status: status.bubble_shedding,
    ),
    PowerwallBinarySensorEntityDescription(
        key="phase_detection_not_available",
        translation_key="phase_detection_not_available",
        entity_category=DIAGNOSTIC,
        value_fn=lambda status: status.phase_detection_not_available,
    ),
)

SYNC_BINARY_SENSORS: tuple[PowerwallBinarySensorEntityDescription[Sync], ...] = (
    PowerwallBinarySensorEntityDescription(
        key="sync_updating",
        translation_key="sync_updating",
        device_class=RUNNING,
        value_fn=lambda sync: sync.updating,
    ),
    PowerwallBinarySensorEntityDescription(
        key="sync_commissioning_diagnostic_alert",
        translation_key="sync_commissioning_diagnostic_alert",
        device_class=PROBLEM,
        entity_category=DIAGNOSTIC,
        value_fn=lambda sync: _alert(sync.commissioning_diagnostic),
        exists_fn=lambda sync: sync.commissioning_diagnostic is not None,
    ),
    PowerwallBinarySensorEntityDescription(
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


class PowerwallBinarySensor[SubjectT](PowerwallEntity[Any, SubjectT], BinarySensorEntity):
    """A binary sensor: its description's flag of the entity's subject."""

    entity_description: PowerwallBinarySensorEntityDescription[SubjectT]

    @property
    @override
    def is_on(self) -> bool | None:
        """The flag; unknown when the subject is gone."""
        if (subject := self.subject) is None:
            return None
        return self.entity_description.value_fn(subject)


class GridBinarySensor(PowerwallBinarySensor[GridStatusInfo], GridEntity):
    """The gateway's live grid connection."""


class StatusBinarySensor(PowerwallBinarySensor[PowerwallStatus], StatusEntity):
    """A flag of the gateway."""


class SyncBinarySensor(PowerwallBinarySensor[Sync], SyncEntity):
    """A flag of the gateway's synchronizer."""


class BatteryBinarySensor(PowerwallBinarySensor[Battery], BatteryEntity):
    """A flag of one battery."""


def _battery_list_binary_sensors(coordinator: PowerwallBatteryCoordinator) -> Iterator[Entity]:
    """The binary sensors the latest battery list supports."""
    if (powerwalls := coordinator.data.powerwalls) is not None and (
        sync := powerwalls.sync
    ) is not None:
        for sync_description in SYNC_BINARY_SENSORS:
            if sync_description.exists_fn(sync):
                yield SyncBinarySensor(coordinator, sync_description)
    for battery in coordinator.data.batteries.values():
        for description in BATTERY_BINARY_SENSORS:
            if description.exists_fn(battery):
                yield BatteryBinarySensor(coordinator, description, battery)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors, and add new ones as batteries appear."""
    runtime = entry.runtime_data
    async_add_entities(
        [
            *(GridBinarySensor(runtime.grid, description) for description in GRID_BINARY_SENSORS),
            # A restricted gateway offers no flags at all: no entities that could never work.
            *(
                StatusBinarySensor(runtime.status, description)
                for description in STATUS_BINARY_SENSORS
                if runtime.status.data.status is not None
            ),
        ]
    )
    add_entities_as_batteries_appear(
        entry, async_add_entities, "binary_sensor", _battery_list_binary_sensors
    )
