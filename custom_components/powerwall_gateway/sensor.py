"""Sensors: grid status and why off grid, outages, text flags, diagnostic results and checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
import re
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import MAX_LENGTH_STATE_STATE, PERCENTAGE, EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import slugify

from .api import Battery, Check, CheckResult, Diagnostic, GridState, GridStatus
from .api.site import (
    NORMAL_ON_GRID_CHECK_MESSAGE,
    NORMAL_PHASE_DETECTION_MESSAGE,
    GatewayMessage,
    OffGridReason,
    gateway_message,
)
from .coordinator import GatewaySnapshot, PowerwallCoordinator, PowerwallGatewayConfigEntry
from .devices import DiagnosticOwner, DiagnosticRun, check_keys
from .entity import PowerwallEntity, PowerwallEntityDescription, add_entities_as_they_appear

# Read-only entities fed by a coordinator: no limit needed.
PARALLEL_UPDATES = 0

DIAGNOSTIC = EntityCategory.DIAGNOSTIC
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def state_key(value: str) -> str:
    """The state of a gateway value: "SystemGridConnected" -> "system_grid_connected"."""
    return slugify(_CAMEL_RE.sub("_", value))


def enum_state(value: str | None) -> str | None:
    """The state of a gateway value, known or not; ``None`` stays unknown.

    A value new firmware invents is shown even when it is long (cut when the
    state is written), never dropped as an invalid state.
    """
    return state_key(value) if value else None


CHECK_RESULTS = [state_key(result) for result in CheckResult]


@dataclass(frozen=True, kw_only=True)
class PowerwallSensorEntityDescription[SubjectT](
    SensorEntityDescription, PowerwallEntityDescription[SubjectT]
):
    """A sensor reading one value of its subject (the snapshot, or a battery)."""

    value_fn: Callable[[SubjectT], StateType | datetime]
    attributes_fn: Callable[[SubjectT], dict[str, Any] | None] = lambda _: None


def _outage(data: GatewaySnapshot, which: str) -> Any:
    """A time or the duration (in seconds) of the last outage; ``None`` when unknown."""
    outage = data.last_outage
    if outage is None or which != "duration":
        return getattr(outage, which, None)
    return outage.duration.total_seconds() if outage.duration is not None else None


def _message(name: str, normal: str) -> PowerwallSensorEntityDescription[GatewaySnapshot]:
    """A text flag of the gateway: None, Normal (its usual words) or Error; the words attached."""
    return PowerwallSensorEntityDescription(
        key=name,
        translation_key=name,
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=list(GatewayMessage),
        exists_fn=GatewaySnapshot.has_flags,
        available_fn=GatewaySnapshot.has_flags,
        value_fn=lambda data: gateway_message(getattr(data.flags, name), normal),
        attributes_fn=lambda data: {"message": getattr(data.flags, name)},
    )


GATEWAY_SENSORS: tuple[PowerwallSensorEntityDescription[GatewaySnapshot], ...] = (
    PowerwallSensorEntityDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=SensorDeviceClass.ENUM,
        options=[state_key(status) for status in GridStatus],
        exists_fn=GatewaySnapshot.has_grid,
        available_fn=GatewaySnapshot.has_grid,
        value_fn=lambda data: enum_state(data.grid.grid_status) if data.grid else None,
    ),
    # Why the site is not (yet) back on grid: grid status, flags and batteries together.
    PowerwallSensorEntityDescription(
        key="off_grid_reason",
        translation_key="off_grid_reason",
        device_class=SensorDeviceClass.ENUM,
        options=list(OffGridReason),
        exists_fn=GatewaySnapshot.has_grid,
        available_fn=GatewaySnapshot.has_grid,
        value_fn=lambda data: data.off_grid_reason,
        attributes_fn=lambda data: {
            # Seconds left before the batteries reconnect, and the gateway's own words.
            "seconds_until_reconnect": data.seconds_until_reconnect,
            "message": data.flags.on_grid_check_error if data.flags is not None else None,
        },
    ),
    # The last outage, remembered across restarts. A start or end that happened
    # while Home Assistant was not running is unknown, never invented.
    PowerwallSensorEntityDescription(
        key="last_outage_start",
        translation_key="last_outage_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        always_available=True,
        value_fn=partial(_outage, which="started"),
        attributes_fn=lambda data: {"started_after": _outage(data, "started_after")},
    ),
    PowerwallSensorEntityDescription(
        key="last_outage_end",
        translation_key="last_outage_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        always_available=True,
        value_fn=partial(_outage, which="ended"),
        attributes_fn=lambda data: {"ended_after": _outage(data, "ended_after")},
    ),
    PowerwallSensorEntityDescription(
        key="last_outage_duration",
        translation_key="last_outage_duration",
        device_class=SensorDeviceClass.DURATION,
        # To the second, as the notification says it: the device page shows "50 s", "150 s".
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_display_precision=0,
        always_available=True,
        value_fn=partial(_outage, which="duration"),
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
    _message("phase_detection_last_error", NORMAL_PHASE_DETECTION_MESSAGE),
    _message("on_grid_check_error", NORMAL_ON_GRID_CHECK_MESSAGE),
    PowerwallSensorEntityDescription(
        key="states",
        translation_key="states",
        entity_category=DIAGNOSTIC,
        exists_fn=lambda data: data.powerwalls is not None,
        available_fn=lambda data: data.powerwalls is not None,
        value_fn=lambda data: len(data.powerwalls.states or ()) if data.powerwalls else None,
        attributes_fn=lambda data: {
            "states": list(data.powerwalls.states or ()) if data.powerwalls else []
        },
    ),
)


def _run_sensors(
    prefix: str, owner_fn: Callable[[Any], DiagnosticOwner | None]
) -> tuple[PowerwallSensorEntityDescription[Any], ...]:
    """The overall results of an owner's two runs, and its firmware update's progress.

    ``owner_fn`` finds the owner (a battery, the synchronizer) in the entity's
    subject. A run the firmware stops reporting leaves its sensors unknown.
    """

    def run(name: str) -> Callable[[Any], Diagnostic | None]:
        return lambda subject: getattr(owner_fn(subject), name, None)

    def described(key: str, run: Callable[[Any], Diagnostic | None], **kwargs: Any) -> Any:
        return PowerwallSensorEntityDescription(
            key=f"{prefix}{key}",
            translation_key=f"{prefix}{key}",
            entity_category=DIAGNOSTIC,
            exists_fn=lambda subject: run(subject) is not None,
            available_fn=lambda subject: owner_fn(subject) is not None,
            **kwargs,
        )

    results = tuple(
        described(
            name,
            run(name),
            device_class=SensorDeviceClass.ENUM,
            options=CHECK_RESULTS,
            value_fn=partial(_result, run(name)),
        )
        for name in ("commissioning_diagnostic", "update_diagnostic")
    )
    update = run("update_diagnostic")
    return (
        *results,
        described(
            "update_diagnostic_progress",
            update,
            native_unit_of_measurement=PERCENTAGE,
            suggested_display_precision=0,
            value_fn=partial(_progress, update),
        ),
    )


def _result(find: Callable[[Any], Diagnostic | None], subject: Any) -> str | None:
    """A diagnostic run's overall result: the worst of its checks."""
    return enum_state(diagnostic.result) if (diagnostic := find(subject)) else None


def _progress(find: Callable[[Any], Diagnostic | None], subject: Any) -> float | None:
    return diagnostic.progress_percent if (diagnostic := find(subject)) else None


def _sync(data: GatewaySnapshot) -> DiagnosticOwner | None:
    return data.sync


def _itself(battery: Battery) -> DiagnosticOwner:
    return battery


SYNC_SENSORS = _run_sensors("sync_", _sync)

BATTERY_SENSORS: tuple[PowerwallSensorEntityDescription[Battery], ...] = (
    PowerwallSensorEntityDescription(
        key="grid_state",
        translation_key="grid_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state_key(state) for state in GridState],
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
    *_run_sensors("", _itself),
)


def _check_attributes(find: Callable[[Any], Check | None], subject: Any) -> dict[str, Any] | None:
    if (check := find(subject)) is None:
        return None
    return {
        # What the gateway said; the state is what it means (a refused check is not a failure).
        "status": check.status,
        "message": check.message,
        "start_time": check.start_time.isoformat() if check.start_time else None,
        "end_time": check.end_time.isoformat() if check.end_time else None,
        "progress": check.progress_percent,
    }


def check_sensors(
    prefix: str, owner: DiagnosticOwner, owner_fn: Callable[[Any], DiagnosticOwner | None]
) -> Iterator[PowerwallSensorEntityDescription[Any]]:
    """One sensor per check the owner's diagnostic runs report (disabled by default).

    ``owner_fn`` finds the owner (a battery, the synchronizer) in the entity's subject.
    """
    for key, run_key, run, name in check_keys(prefix, owner):
        check = partial(_find_check, owner_fn, run, name)
        yield PowerwallSensorEntityDescription(
            key=key,
            translation_key=f"{run_key}_check",
            translation_placeholders={"check": name},
            device_class=SensorDeviceClass.ENUM,
            entity_category=DIAGNOSTIC,
            entity_registry_enabled_default=False,
            options=CHECK_RESULTS,
            available_fn=lambda subject: owner_fn(subject) is not None,
            value_fn=partial(_check_state, check),
            attributes_fn=partial(_check_attributes, check),
        )


def _find_check(
    owner_fn: Callable[[Any], DiagnosticOwner | None],
    run: DiagnosticRun,
    name: str,
    subject: Any,
) -> Check | None:
    """The check called ``name`` in a run of the owner found in ``subject``."""
    owner = owner_fn(subject)
    diagnostic = run(owner) if owner is not None else None
    if diagnostic is None:
        return None
    return next((check for check in diagnostic.checks if check.name == name), None)


def _check_state(check: Callable[[Any], Check | None], subject: Any) -> str | None:
    return enum_state(found.result) if (found := check(subject)) is not None else None


class PowerwallSensor(PowerwallEntity, SensorEntity):
    """A sensor: its description's value of the entity's subject."""

    entity_description: PowerwallSensorEntityDescription[Any]
    # A check's details, a countdown and the gateway's text change often and mean
    # little in history.
    _unrecorded_attributes = frozenset(
        {"status", "message", "start_time", "end_time", "progress", "seconds_until_reconnect"}
    )

    @override
    async def async_added_to_hass(self) -> None:
        self._read()
        await super().async_added_to_hass()

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._read()
        super()._handle_coordinator_update()

    def _read(self) -> None:
        """Take the value, its options and its details once for the state write that follows.

        Text longer than a state may be is cut, and an enum's options gain a
        value new firmware sent that no one knows yet.
        """
        description = self.entity_description
        subject = self.subject
        if subject is None or not description.available_fn(subject):
            self._attr_native_value, self._attr_extra_state_attributes = None, {}
            return
        value = description.value_fn(subject)
        if isinstance(value, str) and len(value) > MAX_LENGTH_STATE_STATE:
            value = value[: MAX_LENGTH_STATE_STATE - 1] + "…"
        options = description.options
        if options is not None and isinstance(value, str) and value not in options:
            options = [*options, value]
        self._attr_native_value, self._attr_options = value, options
        self._attr_extra_state_attributes = description.attributes_fn(subject) or {}


def _sensors(coordinator: PowerwallCoordinator, data: GatewaySnapshot) -> Iterator[Entity]:
    """The sensors the snapshot supports, one per check included."""
    for description in (*GATEWAY_SENSORS, *SYNC_SENSORS):
        if description.exists_fn(data):
            yield PowerwallSensor(coordinator, description)
    if (sync := data.sync) is not None:
        for check in check_sensors("sync_", sync, _sync):
            yield PowerwallSensor(coordinator, check)
    for battery in data.batteries.values():
        for battery_description in (*BATTERY_SENSORS, *check_sensors("", battery, _itself)):
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
