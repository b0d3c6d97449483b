"""Sensors: grid state and status, diagnostic results and checks, progress, text flags."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial
from itertools import chain
import re
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import MAX_LENGTH_STATE_STATE, PERCENTAGE, EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import slugify

from .api import (
    Battery,
    Check,
    CheckResult,
    Diagnostic,
    GridState,
    GridStatus,
    Powerwalls,
    PowerwallStatus,
    Sync,
)
from .coordinator import PowerwallBatteryCoordinator, PowerwallGatewayConfigEntry
from .devices import DiagnosticOwner, DiagnosticRun, check_keys
from .entity import (
    BatteryEntity,
    GatewayEntity,
    PowerwallEntity,
    PowerwallEntityDescription,
    add_entities_as_they_appear,
    add_flag_entities,
)
from .models import GridData, OffGridReason, flags_of, sync_of
from .outages import Outage

# Read-only entities fed by coordinators: no limit needed.
PARALLEL_UPDATES = 0

DIAGNOSTIC = EntityCategory.DIAGNOSTIC


@dataclass(frozen=True, kw_only=True)
class PowerwallSensorEntityDescription[SubjectT](
    SensorEntityDescription, PowerwallEntityDescription
):
    """A sensor reading one value of its subject."""

    value_fn: Callable[[SubjectT], StateType | datetime]
    attributes_fn: Callable[[SubjectT], dict[str, Any] | None] = lambda _: None
    exists_fn: Callable[[SubjectT], bool] = lambda _: True


_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def state_key(value: str) -> str:
    """Turn a gateway value into an entity state: "SystemGridConnected" -> "system_grid_connected"."""
    return slugify(_CAMEL_RE.sub("_", value))


def enum_state(value: str | None) -> str | None:
    """The entity state of an enum value, known or not; ``None`` stays unknown.

    A value new firmware invents is shown even when it is long (cut when the
    state is written), never dropped as an invalid state.
    """
    return state_key(value) if value else None


def _options(values: type[GridState | GridStatus | CheckResult]) -> list[str]:
    return [state_key(value) for value in values]


def _result(diagnostic: Diagnostic | None) -> str | None:
    """A diagnostic run's overall result: the worst of its checks."""
    return enum_state(diagnostic.result) if diagnostic is not None else None


def _progress(diagnostic: Diagnostic | None) -> float | None:
    return diagnostic.progress_percent if diagnostic is not None else None


GRID_SENSORS: tuple[PowerwallSensorEntityDescription[GridData], ...] = (
    PowerwallSensorEntityDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=SensorDeviceClass.ENUM,
        options=_options(GridStatus),
        value_fn=lambda grid: enum_state(grid.status.grid_status),
    ),
    # Why the site is not (yet) back on grid: grid status, flags and batteries together.
    PowerwallSensorEntityDescription(
        key="off_grid_reason",
        translation_key="off_grid_reason",
        device_class=SensorDeviceClass.ENUM,
        options=list(OffGridReason),
        value_fn=lambda grid: grid.off_grid_reason,
        attributes_fn=lambda grid: {
            # Seconds left before the batteries reconnect, and the gateway's own words.
            "seconds_until_reconnect": grid.seconds_until_reconnect,
            "message": grid.on_grid_check_error,
        },
    ),
)


def _outage_time(outage: Outage | None, which: str) -> datetime | None:
    return getattr(outage, which) if outage is not None else None


def _outage_duration(outage: Outage | None) -> float | None:
    duration = outage.duration if outage is not None else None
    return duration.total_seconds() if duration is not None else None


# The last outage, remembered across restarts. A start or end that happened
# while Home Assistant was not running is unknown, never invented.
OUTAGE_SENSORS: tuple[PowerwallSensorEntityDescription[GridData], ...] = (
    PowerwallSensorEntityDescription(
        key="last_outage_start",
        translation_key="last_outage_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        always_available=True,
        value_fn=lambda grid: _outage_time(grid.last_outage, "started"),
        attributes_fn=lambda grid: {
            "started_after": _outage_time(grid.last_outage, "started_after")
        },
    ),
    PowerwallSensorEntityDescription(
        key="last_outage_end",
        translation_key="last_outage_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        always_available=True,
        value_fn=lambda grid: _outage_time(grid.last_outage, "ended"),
        attributes_fn=lambda grid: {"ended_after": _outage_time(grid.last_outage, "ended_after")},
    ),
    PowerwallSensorEntityDescription(
        key="last_outage_duration",
        translation_key="last_outage_duration",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        always_available=True,
        value_fn=lambda grid: _outage_duration(grid.last_outage),
    ),
    # The long view, in Home Assistant's statistics: outages per day, week, month, year.
    PowerwallSensorEntityDescription(
        key="outages",
        translation_key="outages",
        state_class=SensorStateClass.TOTAL_INCREASING,
        always_available=True,
        value_fn=lambda grid: grid.outage_count,
    ),
    PowerwallSensorEntityDescription(
        key="time_off_grid",
        translation_key="time_off_grid",
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.HOURS,
        # Hundredths of an hour: a one-minute outage still shows.
        suggested_display_precision=2,
        always_available=True,
        value_fn=lambda grid: grid.time_off_grid_seconds,
    ),
)


class GatewayMessage(StrEnum):
    """What a text flag of the gateway means; its own words are the ``message`` attribute.

    A short state keeps the entity's name readable on the device page, and the
    gateway's usual words on a running site do not read as a fault.
    """

    NONE = "none"
    NORMAL = "normal"
    ERROR = "error"


# What the gateway says in these flags on a healthy, running site.
NORMAL_PHASE_DETECTION_MESSAGE = "no phase information"
NORMAL_ON_GRID_CHECK_MESSAGE = "sitemanager process is running"


def gateway_message(text: str | None, normal: str) -> GatewayMessage:
    """The state of a text flag: ``normal`` when it holds the healthy words (any case, spacing)."""
    words = " ".join((text or "").split()).casefold()
    if not words:
        return GatewayMessage.NONE
    return GatewayMessage.NORMAL if normal in words else GatewayMessage.ERROR


FLAG_SENSORS: tuple[PowerwallSensorEntityDescription[PowerwallStatus], ...] = (
    PowerwallSensorEntityDescription(
        key="phase_detection_last_error",
        translation_key="phase_detection_last_error",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=list(GatewayMessage),
        subject_fn=flags_of,
        value_fn=lambda flags: gateway_message(
            flags.phase_detection_last_error, NORMAL_PHASE_DETECTION_MESSAGE
        ),
        attributes_fn=lambda flags: {"message": flags.phase_detection_last_error},
    ),
    PowerwallSensorEntityDescription(
        key="on_grid_check_error",
        translation_key="on_grid_check_error",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=list(GatewayMessage),
        subject_fn=flags_of,
        value_fn=lambda flags: gateway_message(
            flags.on_grid_check_error, NORMAL_ON_GRID_CHECK_MESSAGE
        ),
        attributes_fn=lambda flags: {"message": flags.on_grid_check_error},
    ),
)

STATES_SENSOR = PowerwallSensorEntityDescription[Powerwalls](
    key="states",
    translation_key="states",
    entity_category=DIAGNOSTIC,
    subject_fn=lambda data: data.powerwalls,
    value_fn=lambda powerwalls: len(powerwalls.states or ()),
    attributes_fn=lambda powerwalls: {"states": list(powerwalls.states or ())},
)

SYNC_SENSORS: tuple[PowerwallSensorEntityDescription[Sync], ...] = (
    PowerwallSensorEntityDescription(
        subject_fn=sync_of,
        key="sync_commissioning_diagnostic",
        translation_key="sync_commissioning_diagnostic",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=_options(CheckResult),
        value_fn=lambda sync: _result(sync.commissioning_diagnostic),
        exists_fn=lambda sync: sync.commissioning_diagnostic is not None,
    ),
    PowerwallSensorEntityDescription(
        subject_fn=sync_of,
        key="sync_update_diagnostic",
        translation_key="sync_update_diagnostic",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=_options(CheckResult),
        value_fn=lambda sync: _result(sync.update_diagnostic),
        exists_fn=lambda sync: sync.update_diagnostic is not None,
    ),
    PowerwallSensorEntityDescription(
        subject_fn=sync_of,
        key="sync_update_diagnostic_progress",
        translation_key="sync_update_diagnostic_progress",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        entity_category=DIAGNOSTIC,
        value_fn=lambda sync: _progress(sync.update_diagnostic),
        exists_fn=lambda sync: sync.update_diagnostic is not None,
    ),
)

BATTERY_SENSORS: tuple[PowerwallSensorEntityDescription[Battery], ...] = (
    PowerwallSensorEntityDescription(
        key="grid_state",
        translation_key="grid_state",
        device_class=SensorDeviceClass.ENUM,
        options=_options(GridState),
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
    PowerwallSensorEntityDescription(
        key="commissioning_diagnostic",
        translation_key="commissioning_diagnostic",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=_options(CheckResult),
        value_fn=lambda battery: _result(battery.commissioning_diagnostic),
        exists_fn=lambda battery: battery.commissioning_diagnostic is not None,
    ),
    PowerwallSensorEntityDescription(
        key="update_diagnostic",
        translation_key="update_diagnostic",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=_options(CheckResult),
        value_fn=lambda battery: _result(battery.update_diagnostic),
        exists_fn=lambda battery: battery.update_diagnostic is not None,
    ),
    PowerwallSensorEntityDescription(
        key="update_diagnostic_progress",
        translation_key="update_diagnostic_progress",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        entity_category=DIAGNOSTIC,
        value_fn=lambda battery: _progress(battery.update_diagnostic),
        exists_fn=lambda battery: battery.update_diagnostic is not None,
    ),
)


def _find_check(diagnostic: Diagnostic | None, name: str) -> Check | None:
    if diagnostic is None:
        return None
    return next((check for check in diagnostic.checks if check.name == name), None)


def _check_state(run: DiagnosticRun, name: str, owner: DiagnosticOwner) -> str | None:
    check = _find_check(run(owner), name)
    return enum_state(check.result) if check is not None else None


def _check_attributes(
    run: DiagnosticRun, name: str, owner: DiagnosticOwner
) -> dict[str, Any] | None:
    if (check := _find_check(run(owner), name)) is None:
        return None
    return {
        # What the gateway said; the state is what it means (a refused check is not a failure).
        "status": check.status,
        "message": check.message,
        "start_time": check.start_time.isoformat() if check.start_time else None,
        "end_time": check.end_time.isoformat() if check.end_time else None,
        "progress": check.progress_percent,
    }


def check_sensors[OwnerT: DiagnosticOwner](
    prefix: str, owner: OwnerT, subject_fn: Callable[[Any], OwnerT | None] = lambda data: data
) -> Iterator[PowerwallSensorEntityDescription[OwnerT]]:
    """One sensor per check the owner's diagnostic runs report (disabled by default)."""
    for key, run_key, run, name in check_keys(prefix, owner):
        yield PowerwallSensorEntityDescription[OwnerT](
            key=key,
            translation_key=f"{run_key}_check",
            translation_placeholders={"check": name},
            device_class=SensorDeviceClass.ENUM,
            entity_category=DIAGNOSTIC,
            entity_registry_enabled_default=False,
            options=_options(CheckResult),
            subject_fn=subject_fn,
            value_fn=partial(_check_state, run, name),
            attributes_fn=partial(_check_attributes, run, name),
        )


class PowerwallSensor(PowerwallEntity, SensorEntity):
    """A sensor: its description's value of the entity's subject."""

    entity_description: PowerwallSensorEntityDescription[Any]
    # A check's details, a countdown and the gateway's text change often and mean
    # little in history.
    _unrecorded_attributes = frozenset(
        {"status", "message", "start_time", "end_time", "progress", "seconds_until_reconnect"}
    )

    @override
    def _read(self, subject: Any) -> None:
        """Read the value and its details once per update; a state write only reads them.

        Text longer than a state may be is cut, and an enum's options gain a
        value new firmware sent that no one knows yet.
        """
        description = self.entity_description
        value = description.value_fn(subject) if subject is not None else None
        if isinstance(value, str) and len(value) > MAX_LENGTH_STATE_STATE:
            value = value[: MAX_LENGTH_STATE_STATE - 1] + "…"
        options = description.options
        if options is not None and isinstance(value, str) and value not in options:
            options = [*options, value]
        self._attr_native_value = value
        self._attr_options = options
        attributes = description.attributes_fn(subject) if subject is not None else None
        self._attr_extra_state_attributes = attributes or {}


class GatewaySensor(PowerwallSensor, GatewayEntity):
    """A value of the gateway device."""


class BatterySensor(PowerwallSensor, BatteryEntity):
    """A value of one battery."""


def _battery_list_sensors(coordinator: PowerwallBatteryCoordinator) -> Iterator[Entity]:
    """The sensors the latest battery list supports, one per check included."""
    if coordinator.data.powerwalls is None:
        return
    yield GatewaySensor(coordinator, STATES_SENSOR)
    if (sync := sync_of(coordinator.data)) is not None:
        sync_descriptions: Iterable[PowerwallSensorEntityDescription[Sync]] = chain(
            SYNC_SENSORS, check_sensors("sync_", sync, sync_of)
        )
        for sync_description in sync_descriptions:
            if sync_description.exists_fn(sync):
                yield GatewaySensor(coordinator, sync_description)
    for battery in coordinator.data.batteries.values():
        descriptions: Iterable[PowerwallSensorEntityDescription[Battery]] = chain(
            BATTERY_SENSORS, check_sensors("", battery)
        )
        for description in descriptions:
            if description.exists_fn(battery):
                yield BatterySensor(coordinator, description, battery)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors: the grid's now, the rest with their first read."""
    runtime = entry.runtime_data
    async_add_entities(
        GatewaySensor(runtime.grid, description) for description in (*GRID_SENSORS, *OUTAGE_SENSORS)
    )
    add_flag_entities(runtime.flags, async_add_entities, "sensor", GatewaySensor, FLAG_SENSORS)
    add_entities_as_they_appear(
        runtime.batteries, async_add_entities, "sensor", _battery_list_sensors
    )
