"""Binary sensors: the live grid connection, the gateway's flags, battery states and alerts."""

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
from .devices import DiagnosticOwner
from .entity import PowerwallEntity, PowerwallEntityDescription, add_entities_as_they_appear

# Read-only entities fed by a coordinator: no limit needed.
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


def _flag(name: str, data: GatewaySnapshot) -> bool | None:
    flag: bool | None = getattr(data.flags, name)
    return flag


def _alerts(
    prefix: str, owner_fn: Callable[[Any], DiagnosticOwner | None]
) -> Iterator[PowerwallBinarySensorEntityDescription[Any]]:
    """The alert flag of each diagnostic run of an owner (a battery, the synchronizer).

    ``owner_fn`` finds the owner in the entity's subject. A run the firmware
    stops reporting leaves its alert unknown.
    """
    for run in ("commissioning_diagnostic", "update_diagnostic"):
        yield PowerwallBinarySensorEntityDescription(
            key=f"{prefix}{run}_alert",
            translation_key=f"{prefix}{run}_alert",
            device_class=PROBLEM,
            entity_category=DIAGNOSTIC,
            exists_fn=partial(_has_run, owner_fn, run),
            available_fn=lambda subject: owner_fn(subject) is not None,
            value_fn=partial(_alert, owner_fn, run),
        )


def _has_run(owner_fn: Callable[[Any], DiagnosticOwner | None], run: str, subject: Any) -> bool:
    return getattr(owner_fn(subject), run, None) is not None


def _alert(
    owner_fn: Callable[[Any], DiagnosticOwner | None], run: str, subject: Any
) -> bool | None:
    diagnostic: Diagnostic | None = getattr(owner_fn(subject), run, None)
    return diagnostic.alert if diagnostic is not None else None


# The live grid connection, for outage automations: on = connected to the grid.
GRID_CONNECTED = PowerwallBinarySensorEntityDescription[GatewaySnapshot](
    key="grid_status",
    translation_key="grid_status",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    exists_fn=GatewaySnapshot.has_grid,
    available_fn=GatewaySnapshot.has_grid,
    value_fn=lambda data: data.grid.connected if data.grid else None,
)

# The gateway's flags: (key, device class, entity category).
FLAG_BINARY_SENSORS = tuple(
    PowerwallBinarySensorEntityDescription[GatewaySnapshot](
        key=key,
        translation_key=key,
        device_class=device_class,
        entity_category=category,
        exists_fn=GatewaySnapshot.has_flags,
        available_fn=GatewaySnapshot.has_flags,
        value_fn=partial(_flag, key),
    )
    for key, device_class, category in (
        ("updating", RUNNING, None),
        ("enumerating", RUNNING, None),
        ("checking_if_offgrid", RUNNING, None),
        ("running_phase_detection", RUNNING, None),
        ("grid_qualifying", RUNNING, None),
        ("grid_code_validating", RUNNING, None),
        ("bubble_shedding", None, None),
        ("phase_detection_not_available", None, DIAGNOSTIC),
    )
)

SYNC_BINARY_SENSORS: tuple[PowerwallBinarySensorEntityDescription[GatewaySnapshot], ...] = (
    PowerwallBinarySensorEntityDescription(
        key="sync_updating",
        translation_key="sync_updating",
        device_class=RUNNING,
        exists_fn=lambda data: data.sync is not None,
        available_fn=lambda data: data.sync is not None,
        value_fn=lambda data: data.sync.updating if data.sync is not None else None,
    ),
    *_alerts("sync_", lambda data: data.sync),
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
    *_alerts("", lambda battery: battery),
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
