"""Sensors: grid state and status, diagnostic results and checks, progress, text flags."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import (
    MAX_LENGTH_STATE_STATE,
    PERCENTAGE,
    EntityCategory,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import slugify

from .api import Battery, CheckStatus, Diagnostic, GridState, GridStatus, Sync
from .coordinator import GatewayData, PowerwallGatewayConfigEntry, PowerwallGatewayCoordinator
from .entity import (
    PowerwallGatewayEntity,
    Scope,
    add_entities_as_they_appear,
    battery_scope,
    enum_state,
    find_check,
    gateway_scope,
    state_key,
    sync_scope,
)

# Read-only entities fed by one coordinator: no limit needed.
PARALLEL_UPDATES = 0

type DiagnosticOwner = Battery | Sync


@dataclass(frozen=True, kw_only=True)
class PowerwallSensorEntityDescription[SubjectT](SensorEntityDescription):
    """A sensor reading one value of its subject."""

    value_fn: Callable[[SubjectT], StateType | datetime]
    attributes_fn: Callable[[SubjectT], dict[str, Any] | None] = lambda _: None
    exists_fn: Callable[[SubjectT], bool] = lambda _: True


def _text(value: str | None) -> str | None:
    """Gateway text as a state: Home Assistant refuses states over 255 characters."""
    if value is None or len(value) <= MAX_LENGTH_STATE_STATE:
        return value
    return value[: MAX_LENGTH_STATE_STATE - 1] + "…"


def _enum_options(values: type[GridState | GridStatus | CheckStatus]) -> list[str]:
    return [state_key(value) for value in values]


GATEWAY_SENSORS: tuple[PowerwallSensorEntityDescription[GatewayData], ...] = (
    PowerwallSensorEntityDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=SensorDeviceClass.ENUM,
        options=_enum_options(GridStatus),
        value_fn=lambda data: enum_state(data.grid.grid_status),
    ),
    PowerwallSensorEntityDescription(
        key="phase_detection_last_error",
        translation_key="phase_detection_last_error",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: _text(data.status.phase_detection_last_error),
    ),
    PowerwallSensorEntityDescription(
        key="on_grid_check_error",
        translation_key="on_grid_check_error",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: _text(data.status.on_grid_check_error),
    ),
    PowerwallSensorEntityDescription(
        key="states",
        translation_key="states",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: None if data.powerwalls_stale else len(data.powerwalls.states or ()),
        attributes_fn=lambda data: (
            None if data.powerwalls_stale else {"states": list(data.powerwalls.states or ())}
        ),
    ),
)

BATTERY_SENSORS: tuple[PowerwallSensorEntityDescription[Battery], ...] = (
    PowerwallSensorEntityDescription(
        key="grid_state",
        translation_key="grid_state",
        device_class=SensorDeviceClass.ENUM,
        options=_enum_options(GridState),
        value_fn=lambda battery: enum_state(battery.grid_state),
    ),
    PowerwallSensorEntityDescription(
        key="grid_reconnection_time_seconds",
        translation_key="grid_reconnection_time_seconds",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_display_precision=0,
        value_fn=lambda battery: battery.grid_reconnection_time_seconds,
    ),
)


def diagnostic_sensors(
    prefix: str, diagnostic_key: str
) -> tuple[PowerwallSensorEntityDescription[DiagnosticOwner], ...]:
    """The result (and, for firmware updates, progress) of one diagnostic run."""
    get: Callable[[DiagnosticOwner], Diagnostic | None] = attrgetter(diagnostic_key)
    key = f"{prefix}{diagnostic_key}"
    result = PowerwallSensorEntityDescription[DiagnosticOwner](
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.ENUM,
        entity_category=EntityCategory.DIAGNOSTIC,
        options=_enum_options(CheckStatus),
        value_fn=lambda owner: enum_state(d.result) if (d := get(owner)) else None,
        exists_fn=lambda owner: get(owner) is not None,
    )
    if diagnostic_key != "update_diagnostic":
        return (result,)
    progress = PowerwallSensorEntityDescription[DiagnosticOwner](
        key=f"{key}_progress",
        translation_key=f"{key}_progress",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda owner: d.progress_percent if (d := get(owner)) else None,
        exists_fn=lambda owner: get(owner) is not None,
    )
    return (result, progress)


def check_sensors(
    prefix: str, diagnostic_key: str, owner: DiagnosticOwner
) -> Iterator[PowerwallSensorEntityDescription[DiagnosticOwner]]:
    """One sensor per check the gateway reports in this diagnostic run (disabled by default)."""
    get: Callable[[DiagnosticOwner], Diagnostic | None] = attrgetter(diagnostic_key)
    diagnostic = get(owner)
    if diagnostic is None:
        return
    keys: set[str] = set()
    progress_key = f"{prefix}{diagnostic_key}_progress"
    for check in diagnostic.checks:
        name = check.name
        key = f"{prefix}{diagnostic_key}_{slugify(name)}"
        # A check called "Progress" must not take the progress sensor's unique id.
        if key == progress_key:
            key = f"{key}_check"
        # "Grid code" and "grid-code" would share an entity: the first one wins.
        if key in keys:
            continue
        keys.add(key)

        def value(owner: DiagnosticOwner, name: str = name) -> str | None:
            found = find_check(get(owner), name)
            return enum_state(found.status) if found else None

        def attributes(owner: DiagnosticOwner, name: str = name) -> dict[str, Any] | None:
            found = find_check(get(owner), name)
            if found is None:
                return None
            return {
                "message": found.message,
                "start_time": found.start_time.isoformat() if found.start_time else None,
                "end_time": found.end_time.isoformat() if found.end_time else None,
                "progress": found.progress_percent,
            }

        yield PowerwallSensorEntityDescription[DiagnosticOwner](
            key=key,
            translation_key=f"{prefix}{diagnostic_key}_check",
            translation_placeholders={"check": name},
            device_class=SensorDeviceClass.ENUM,
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=False,
            options=_enum_options(CheckStatus),
            value_fn=value,
            attributes_fn=attributes,
        )


DIAGNOSTIC_KEYS = ("commissioning_diagnostic", "update_diagnostic")
BATTERY_DIAGNOSTIC_SENSORS = tuple(
    d for key in DIAGNOSTIC_KEYS for d in diagnostic_sensors("", key)
)
SYNC_DIAGNOSTIC_SENSORS = tuple(
    d for key in DIAGNOSTIC_KEYS for d in diagnostic_sensors("sync_", key)
)


class PowerwallSensor[SubjectT](PowerwallGatewayEntity[SubjectT], SensorEntity):
    """A sensor of the gateway or of a battery."""

    entity_description: PowerwallSensorEntityDescription[SubjectT]

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """The value read from the subject."""
        return self.read(self.entity_description.value_fn)

    @property
    @override
    def options(self) -> list[str] | None:
        """The known states, plus a value new firmware sent that no one knows yet."""
        options = self.entity_description.options
        value = self.native_value
        if options is not None and isinstance(value, str) and value not in options:
            return [*options, value]
        return options

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Details of the value (a check's message and times, the list of states)."""
        return self.read(self.entity_description.attributes_fn)


def _owner_sensors(
    coordinator: PowerwallGatewayCoordinator,
    scope: Scope[Any],
    owner: DiagnosticOwner,
    descriptions: tuple[PowerwallSensorEntityDescription[Any], ...],
    prefix: str,
) -> Iterator[PowerwallSensor[Any]]:
    """The sensors of a battery or of the synchronizer, one per check included."""
    for description in descriptions:
        if description.exists_fn(owner):
            yield PowerwallSensor(coordinator, description, scope)
    for key in DIAGNOSTIC_KEYS:
        for description in check_sensors(prefix, key, owner):
            yield PowerwallSensor(coordinator, description, scope)


def build_sensors(coordinator: PowerwallGatewayCoordinator) -> Iterator[PowerwallSensor[Any]]:
    """Every sensor the latest poll supports."""
    data = coordinator.data
    gateway = gateway_scope(coordinator)
    yield from (PowerwallSensor(coordinator, d, gateway) for d in GATEWAY_SENSORS)
    if (sync := data.powerwalls.sync) is not None:
        yield from _owner_sensors(
            coordinator, sync_scope(coordinator), sync, SYNC_DIAGNOSTIC_SENSORS, "sync_"
        )
    for battery in data.powerwalls.powerwalls:
        yield from _owner_sensors(
            coordinator,
            battery_scope(coordinator, battery),
            battery,
            (*BATTERY_SENSORS, *BATTERY_DIAGNOSTIC_SENSORS),
            "",
        )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors, and add new ones as batteries and checks appear."""
    add_entities_as_they_appear(entry, async_add_entities, "sensor", build_sensors)
