"""Binary sensors: the gateway's status flags, grid connection, battery states and alerts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Battery, Diagnostic, Sync
from .coordinator import GatewayData, PowerwallGatewayConfigEntry, PowerwallGatewayCoordinator
from .entity import (
    PowerwallGatewayEntity,
    Scope,
    add_entities_as_they_appear,
    battery_scope,
    gateway_scope,
    sync_scope,
)

# Read-only entities fed by one coordinator: no limit needed.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PowerwallBinarySensorEntityDescription[SubjectT](BinarySensorEntityDescription):
    """A binary sensor reading one flag of its subject."""

    value_fn: Callable[[SubjectT], bool | None]
    exists_fn: Callable[[SubjectT], bool] = lambda _: True


def _status_flag(
    key: str,
    device_class: BinarySensorDeviceClass | None = None,
    entity_category: EntityCategory | None = None,
) -> PowerwallBinarySensorEntityDescription[GatewayData]:
    """A flag of /api/powerwalls/status; key, translation key and field are one name."""
    get: Callable[[Any], bool | None] = attrgetter(key)
    return PowerwallBinarySensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=device_class,
        entity_category=entity_category,
        value_fn=lambda data: get(data.status),
    )


RUNNING = BinarySensorDeviceClass.RUNNING
DIAGNOSTIC = EntityCategory.DIAGNOSTIC

GATEWAY_BINARY_SENSORS: tuple[PowerwallBinarySensorEntityDescription[GatewayData], ...] = (
    # The live grid connection, for outage automations: on = connected to the grid.
    PowerwallBinarySensorEntityDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda data: data.grid.connected,
    ),
    _status_flag("updating", RUNNING),
    _status_flag("enumerating", RUNNING),
    _status_flag("checking_if_offgrid", RUNNING),
    _status_flag("running_phase_detection", RUNNING),
    _status_flag("grid_qualifying", RUNNING),
    _status_flag("grid_code_validating", RUNNING),
    _status_flag("bubble_shedding"),
    _status_flag("phase_detection_not_available", entity_category=DIAGNOSTIC),
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
)


def _alert(prefix: str, diagnostic_key: str) -> PowerwallBinarySensorEntityDescription[Any]:
    """A diagnostic run's alert flag, as a problem sensor."""
    get: Callable[[Battery | Sync], Diagnostic | None] = attrgetter(diagnostic_key)
    return PowerwallBinarySensorEntityDescription[Battery | Sync](
        key=f"{prefix}{diagnostic_key}_alert",
        translation_key=f"{prefix}{diagnostic_key}_alert",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=DIAGNOSTIC,
        value_fn=lambda owner: d.alert if (d := get(owner)) else None,
        exists_fn=lambda owner: get(owner) is not None,
    )


BATTERY_ALERTS = (_alert("", "commissioning_diagnostic"), _alert("", "update_diagnostic"))

SYNC_BINARY_SENSORS: tuple[PowerwallBinarySensorEntityDescription[Sync], ...] = (
    PowerwallBinarySensorEntityDescription(
        key="sync_updating",
        translation_key="sync_updating",
        device_class=RUNNING,
        value_fn=lambda sync: sync.updating,
    ),
    _alert("sync_", "commissioning_diagnostic"),
    _alert("sync_", "update_diagnostic"),
)


class PowerwallBinarySensor[SubjectT](PowerwallGatewayEntity[SubjectT], BinarySensorEntity):
    """A binary sensor of the gateway or of a battery."""

    entity_description: PowerwallBinarySensorEntityDescription[SubjectT]

    @property
    @override
    def is_on(self) -> bool | None:
        """The flag read from the subject."""
        return self.read(self.entity_description.value_fn)


def _described[SubjectT](
    coordinator: PowerwallGatewayCoordinator,
    scope: Scope[SubjectT],
    subject: SubjectT,
    descriptions: tuple[PowerwallBinarySensorEntityDescription[SubjectT], ...],
) -> Iterator[PowerwallBinarySensor[SubjectT]]:
    for description in descriptions:
        if description.exists_fn(subject):
            yield PowerwallBinarySensor(coordinator, description, scope)


def build_binary_sensors(
    coordinator: PowerwallGatewayCoordinator,
) -> Iterator[PowerwallBinarySensor[Any]]:
    """Every binary sensor the latest poll supports."""
    data = coordinator.data
    yield from _described(coordinator, gateway_scope(coordinator), data, GATEWAY_BINARY_SENSORS)
    if (sync := data.powerwalls.sync) is not None:
        yield from _described(coordinator, sync_scope(coordinator), sync, SYNC_BINARY_SENSORS)
    for battery in data.powerwalls.powerwalls:
        yield from _described(
            coordinator,
            battery_scope(coordinator, battery),
            battery,
            (*BATTERY_BINARY_SENSORS, *BATTERY_ALERTS),
        )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors, and add new ones as batteries appear."""
    add_entities_as_they_appear(entry, async_add_entities, "binary_sensor", build_binary_sensors)
