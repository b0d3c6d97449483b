"""Sensors: grid state and status, diagnostic results and checks, progress, text flags."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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

from .api import Battery, Check, CheckResult, Diagnostic, GridState, GridStatus, PowerwallStatus
from .api.site import OffGridReason
from .coordinator import GatewaySnapshot, PowerwallCoordinator, PowerwallGatewayConfigEntry
from .devices import DiagnosticOwner, DiagnosticRun, check_keys
from .entity import PowerwallEntity, PowerwallEntityDescription, add_entities_as_they_appear
from .outages import Outage

# Read-only entities fed by coordinators: no limit needed.
PARALLEL_UPDATES = 0

DIAGNOSTIC = EntityCategory.DIAGNOSTIC


@dataclass(frozen=True, kw_only=True)
class PowerwallSensorEntityDescription[SubjectT](
    SensorEntityDescription, PowerwallEntityDescription[SubjectT]
):
    """A sensor reading one value of its subject (the snapshot, or a battery)."""

    value_fn: Callable[[SubjectT], StateType | datetime]
    attributes_fn: Callable[[SubjectT], dict[str, Any] | None] = lambda _: None


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


def _has_grid(data: GatewaySnapshot) -> bool:
    return data.grid is not None


def _has_flags(data: GatewaySnapshot) -> bool:
    return data.flags is not None


def _has_battery_list(data: GatewaySnapshot) -> bool:
    return data.powerwalls is not None


def _flags(data: GatewaySnapshot) -> PowerwallStatus:
    assert data.flags is not None  # exists_fn: read only while there are flags
    return data.flags


def _sync(data: GatewaySnapshot) -> DiagnosticOwner | None:
    return data.sync


def _has_sync(data: GatewaySnapshot) -> bool:
    return data.sync is not None


def _itself(battery: Battery) -> DiagnosticOwner:
    return battery


def _run(owner: DiagnosticOwner | None, run: str) -> Diagnostic | None:
    """A diagnostic run (``commissioning_diagnostic``, ``update_diagnostic``) of ``owner``."""
    diagnostic: Diagnostic | None = getattr(owner, run) if owner is not None else None
    return diagnostic


GRID_SENSORS: tuple[PowerwallSensorEntityDescription[GatewaySnapshot], ...] = (
    PowerwallSensorEntityDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=SensorDeviceClass.ENUM,
        options=_options(GridStatus),
        exists_fn=_has_grid,
        available_fn=_has_grid,
        value_fn=lambda data: enum_state(data.grid.grid_status) if data.grid else None,
    ),
    # Why the site is not (yet) back on grid: grid status, flags and batteries together.
    PowerwallSensorEntityDescription(
        key="off_grid_reason",
        translation_key="off_grid_reason",
        device_class=SensorDeviceClass.ENUM,
        options=list(OffGridReason),
        exists_fn=_has_grid,
        available_fn=_has_grid,
        value_fn=lambda data: data.off_grid_reason,
        attributes_fn=lambda data: {
            # Seconds left before the batteries reconnect, and the gateway's own words.
            "seconds_until_reconnect": data.seconds_until_reconnect,
            "message": data.flags.on_grid_check_error if data.flags is not None else None,
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
OUTAGE_SENSORS: tuple[PowerwallSensorEntityDescription[GatewaySnapshot], ...] = (
    PowerwallSensorEntityDescription(
        key="last_outage_start",
        translation_key="last_outage_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        always_available=True,
        value_fn=lambda data: _outage_time(data.last_outage, "started"),
        attributes_fn=lambda data: {
            "started_after": _outage_time(data.last_outage, "started_after")
        },
    ),
    PowerwallSensorEntityDescription(
        key="last_outage_end",
        translation_key="last_outage_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        always_available=True,
        value_fn=lambda data: _outage_time(data.last_outage, "ended"),
        attributes_fn=lambda data: {"ended_after": _outage_time(data.last_outage, "ended_after")},
    ),
    PowerwallSensorEntityDescription(
        key="last_outage_duration",
        translation_key="last_outage_duration",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        always_available=True,
        value_fn=lambda data: _outage_duration(data.last_outage),
    ),
    # The long view, in Home Assistant's statistics: outages per day, week, month, year.
    PowerwallSensorEntityDescription(
        key="outages",
        translation_key="outages",
        state_class=SensorStateClass.TOTAL_INCREASING,
        always_available=True,
        value_fn=lambda data: data.outage_count,
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
        value_fn=lambda data: data.time_off_grid_seconds,
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


FLAG_SENSORS: tuple[PowerwallSensorEntityDescription[GatewaySnapshot], ...] = (
    PowerwallSensorEntityDescription(
        key="phase_detection_last_error",
        translation_key="phase_detection_last_error",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=list(GatewayMessage),
        exists_fn=_has_flags,
        available_fn=_has_flags,
        value_fn=lambda data: gateway_message(
            _flags(data).phase_detection_last_error, NORMAL_PHASE_DETECTION_MESSAGE
        ),
        attributes_fn=lambda data: {"message": _flags(data).phase_detection_last_error},
    ),
    PowerwallSensorEntityDescription(
        key="on_grid_check_error",
        translation_key="on_grid_check_error",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=list(GatewayMessage),
        exists_fn=_has_flags,
        available_fn=_has_flags,
        value_fn=lambda data: gateway_message(
            _flags(data).on_grid_check_error, NORMAL_ON_GRID_CHECK_MESSAGE
        ),
        attributes_fn=lambda data: {"message": _flags(data).on_grid_check_error},
    ),
)

BATTERY_LIST_SENSORS: tuple[PowerwallSensorEntityDescription[GatewaySnapshot], ...] = (
    PowerwallSensorEntityDescription(
        key="states",
        translation_key="states",
        entity_category=DIAGNOSTIC,
        exists_fn=_has_battery_list,
        available_fn=_has_battery_list,
        value_fn=lambda data: len(data.powerwalls.states or ()) if data.powerwalls else None,
        attributes_fn=lambda data: {
            "states": list(data.powerwalls.states or ()) if data.powerwalls else []
        },
    ),
    PowerwallSensorEntityDescription(
        key="sync_commissioning_diagnostic",
        translation_key="sync_commissioning_diagnostic",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=_options(CheckResult),
        value_fn=lambda data: _result(_run(data.sync, "commissioning_diagnostic")),
        exists_fn=lambda data: _run(data.sync, "commissioning_diagnostic") is not None,
        available_fn=_has_sync,
    ),
    PowerwallSensorEntityDescription(
        key="sync_update_diagnostic",
        translation_key="sync_update_diagnostic",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=_options(CheckResult),
        value_fn=lambda data: _result(_run(data.sync, "update_diagnostic")),
        exists_fn=lambda data: _run(data.sync, "update_diagnostic") is not None,
        available_fn=_has_sync,
    ),
    PowerwallSensorEntityDescription(
        key="sync_update_diagnostic_progress",
        translation_key="sync_update_diagnostic_progress",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        entity_category=DIAGNOSTIC,
        value_fn=lambda data: _progress(_run(data.sync, "update_diagnostic")),
        exists_fn=lambda data: _run(data.sync, "update_diagnostic") is not None,
        available_fn=_has_sync,
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


def _check_state(check: Check | None) -> str | None:
    return enum_state(check.result) if check is not None else None


def _check_attributes(check: Check | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {
        # What the gateway said; the state is what it means (a refused check is not a failure).
        "status": check.status,
        "message": check.message,
        "start_time": check.start_time.isoformat() if check.start_time else None,
        "end_time": check.end_time.isoformat() if check.end_time else None,
        "progress": check.progress_percent,
    }


def _check_value[T](
    read: Callable[[Check | None], T], find: Callable[[Any], Check | None], subject: Any
) -> T:
    return read(find(subject))


def check_sensors(
    prefix: str, owner: DiagnosticOwner, owner_fn: Callable[[Any], DiagnosticOwner | None]
) -> Iterator[PowerwallSensorEntityDescription[Any]]:
    """One sensor per check the owner's diagnostic runs report (disabled by default).

    ``owner_fn`` finds the owner (a battery, the synchronizer) in the entity's subject.
    """
    for key, run_key, run, name in check_keys(prefix, owner):

        def check(subject: Any, run: DiagnosticRun = run, name: str = name) -> Check | None:
            found = owner_fn(subject)
            return _find_check(run(found), name) if found is not None else None

        yield PowerwallSensorEntityDescription(
            key=key,
            translation_key=f"{run_key}_check",
            translation_placeholders={"check": name},
            device_class=SensorDeviceClass.ENUM,
            entity_category=DIAGNOSTIC,
            entity_registry_enabled_default=False,
            options=_options(CheckResult),
            available_fn=lambda subject: owner_fn(subject) is not None,
            value_fn=partial(_check_value, _check_state, check),
            attributes_fn=partial(_check_value, _check_attributes, check),
        )


class PowerwallSensor(PowerwallEntity, SensorEntity):
    """A sensor: its description's value of the entity's subject."""

    entity_description: PowerwallSensorEntityDescription[Any]
    # A check's details, a countdown and the gateway's text change often and mean
    # little in history.
    _unrecorded_attributes = frozenset(
        {"status", "message", "start_time", "end_time", "progress", "seconds_until_reconnect"}
    )

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """The description's value; text longer than a state may be is cut."""
        value = self.entity_description.value_fn(self.subject)
        if isinstance(value, str) and len(value) > MAX_LENGTH_STATE_STATE:
            value = value[: MAX_LENGTH_STATE_STATE - 1] + "…"
        return value

    @property
    @override
    def options(self) -> list[str] | None:
        """The known states, and a value new firmware sent that no one knows yet."""
        options = self.entity_description.options
        if options is None or not self.available:
            return options
        value = self.native_value
        return [*options, value] if isinstance(value, str) and value not in options else options

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The description's details of the value."""
        return self.entity_description.attributes_fn(self.subject)


def _sensors(coordinator: PowerwallCoordinator, data: GatewaySnapshot) -> Iterator[Entity]:
    """The sensors the snapshot supports, one per check included."""
    for description in (*GRID_SENSORS, *OUTAGE_SENSORS, *FLAG_SENSORS, *BATTERY_LIST_SENSORS):
        if description.exists_fn(data):
            yield PowerwallSensor(coordinator, description)
    if (sync := data.sync) is not None:
        for check in check_sensors("sync_", sync, _sync):
            yield PowerwallSensor(coordinator, check)
    for battery in data.batteries.values():
        battery_descriptions: Iterator[PowerwallSensorEntityDescription[Any]] = chain(
            BATTERY_SENSORS, check_sensors("", battery, _itself)
        )
        for battery_description in battery_descriptions:
            if battery_description.exists_fn(battery):
                yield PowerwallSensor(coordinator, battery_description, battery)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PowerwallGatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors: the grid's now, the details' with their first read."""
    coordinator = entry.runtime_data
    add_entities_as_they_appear(
        coordinator, async_add_entities, "sensor", partial(_sensors, coordinator)
    )
