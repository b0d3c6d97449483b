"""Sensors: grid state and status, diagnostic results and checks, progress, text flags."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial
from itertools import chain
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import MAX_LENGTH_STATE_STATE, PERCENTAGE, EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
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
    GridStatusInfo,
    Powerwalls,
    PowerwallStatus,
    Sync,
)
from .const import LOGGER
from .coordinator import (
    BatteryData,
    PowerwallBatteryCoordinator,
    PowerwallGatewayConfigEntry,
    PowerwallGatewayData,
)
from .devices import MissingReads, proves_absence
from .entity import (
    BatteryEntity,
    GridEntity,
    OutagesEntity,
    PowerwallEntity,
    PowerwallsEntity,
    StatusEntity,
    SyncEntity,
    add_entities_as_batteries_appear,
    enum_state,
    state_key,
)
from .outages import Outage, OutageTracker

# Read-only entities fed by coordinators: no limit needed.
PARALLEL_UPDATES = 0

DIAGNOSTIC = EntityCategory.DIAGNOSTIC


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


def _options(values: type[GridState | GridStatus | CheckResult]) -> list[str]:
    return [state_key(value) for value in values]


def _result(diagnostic: Diagnostic | None) -> str | None:
    """A diagnostic run's overall result: the worst of its checks."""
    return enum_state(diagnostic.result) if diagnostic is not None else None


def _progress(diagnostic: Diagnostic | None) -> float | None:
    return diagnostic.progress_percent if diagnostic is not None else None


GRID_SENSORS: tuple[PowerwallSensorEntityDescription[GridStatusInfo], ...] = (
    PowerwallSensorEntityDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=SensorDeviceClass.ENUM,
        options=_options(GridStatus),
        value_fn=lambda grid: enum_state(grid.grid_status),
    ),
)


def _outage_time(outage: Outage | None, which: str) -> datetime | None:
    return getattr(outage, which) if outage is not None else None


def _outage_duration(outage: Outage | None) -> float | None:
    duration = outage.duration if outage is not None else None
    return duration.total_seconds() if duration is not None else None


# The last outage, remembered across restarts. A start or end that happened
# while Home Assistant was not running is unknown, never invented.
OUTAGE_SENSORS: tuple[PowerwallSensorEntityDescription[OutageTracker], ...] = (
    PowerwallSensorEntityDescription(
        key="last_outage_start",
        translation_key="last_outage_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda outages: _outage_time(outages.last, "started"),
        attributes_fn=lambda outages: {
            "started_after": _outage_time(outages.last, "started_after")
        },
    ),
    PowerwallSensorEntityDescription(
        key="last_outage_end",
        translation_key="last_outage_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda outages: _outage_time(outages.last, "ended"),
        attributes_fn=lambda outages: {"ended_after": _outage_time(outages.last, "ended_after")},
    ),
    PowerwallSensorEntityDescription(
        key="last_outage_duration",
        translation_key="last_outage_duration",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        value_fn=lambda outages: _outage_duration(outages.last),
    ),
)


class OffGridReason(StrEnum):
    """Why the site is not (yet) on grid, in words a homeowner understands."""

    ON_GRID = "on_grid"
    GOING_OFF_GRID = "going_off_grid"
    ISLANDED = "islanded"
    DETECTING_PHASES = "detecting_phases"
    VALIDATING_GRID_CODE = "validating_grid_code"
    QUALIFYING = "qualifying"
    WAITING_FOR_STABLE_GRID = "waiting_for_stable_grid"
    GATEWAY_MESSAGE = "gateway_message"
    RECONNECTING = "reconnecting"
    WAITING_FOR_USER = "waiting_for_user"


def seconds_until_reconnect(batteries: Iterable[Battery]) -> float | None:
    """The longest reconnection timer of the batteries, while one is counting down."""
    timers = [t for b in batteries if (t := b.grid_reconnection_time_seconds)]
    return max(timers) if timers else None


def off_grid_reason(
    grid: GridStatusInfo, status: PowerwallStatus | None, batteries: Iterable[Battery]
) -> OffGridReason | None:
    """Why the site is where it is: what the gateway is doing first, then its grid status."""
    grid_status = grid.grid_status
    if not isinstance(grid_status, GridStatus):
        return None  # an unknown status: the grid status sensor shows it as it is
    if grid_status is GridStatus.SYSTEM_GRID_CONNECTED:
        return OffGridReason.ON_GRID
    if grid_status is GridStatus.SYSTEM_WAIT_FOR_USER:
        return OffGridReason.WAITING_FOR_USER
    if grid_status is GridStatus.SYSTEM_TRANSITION_TO_ISLAND:
        return OffGridReason.GOING_OFF_GRID
    batteries = list(batteries)
    if status is not None and status.running_phase_detection:
        return OffGridReason.DETECTING_PHASES
    if status is not None and status.grid_code_validating:
        return OffGridReason.VALIDATING_GRID_CODE
    if (status is not None and status.grid_qualifying) or any(
        b.grid_state is GridState.GRID_QUALIFYING for b in batteries
    ):
        return OffGridReason.QUALIFYING
    if seconds_until_reconnect(batteries) is not None:
        return OffGridReason.WAITING_FOR_STABLE_GRID
    if grid_status is GridStatus.SYSTEM_TRANSITION_TO_GRID:
        return OffGridReason.RECONNECTING
    if grid_status is GridStatus.SYSTEM_ISLANDED_READY:
        # Ready to go back, and not going: the gateway's own check says why, if anything.
        if status is not None and status.on_grid_check_error:
            return OffGridReason.GATEWAY_MESSAGE
        return OffGridReason.WAITING_FOR_STABLE_GRID
    return OffGridReason.ISLANDED


OFF_GRID_REASON = SensorEntityDescription(
    key="off_grid_reason",
    translation_key="off_grid_reason",
    device_class=SensorDeviceClass.ENUM,
    options=list(OffGridReason),
)

STATUS_SENSORS: tuple[PowerwallSensorEntityDescription[PowerwallStatus], ...] = (
    PowerwallSensorEntityDescription(
        key="phase_detection_last_error",
        translation_key="phase_detection_last_error",
        entity_category=DIAGNOSTIC,
        value_fn=lambda status: _text(status.phase_detection_last_error),
    ),
    PowerwallSensorEntityDescription(
        key="on_grid_check_error",
        translation_key="on_grid_check_error",
        entity_category=DIAGNOSTIC,
        value_fn=lambda status: _text(status.on_grid_check_error),
    ),
)

STATES_SENSOR = PowerwallSensorEntityDescription[Powerwalls](
    key="states",
    translation_key="states",
    entity_category=DIAGNOSTIC,
    value_fn=lambda powerwalls: len(powerwalls.states or ()),
    attributes_fn=lambda powerwalls: {"states": list(powerwalls.states or ())},
)

SYNC_SENSORS: tuple[PowerwallSensorEntityDescription[Sync], ...] = (
    PowerwallSensorEntityDescription(
        key="sync_commissioning_diagnostic",
        translation_key="sync_commissioning_diagnostic",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=_options(CheckResult),
        value_fn=lambda sync: _result(sync.commissioning_diagnostic),
        exists_fn=lambda sync: sync.commissioning_diagnostic is not None,
    ),
    PowerwallSensorEntityDescription(
        key="sync_update_diagnostic",
        translation_key="sync_update_diagnostic",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=_options(CheckResult),
        value_fn=lambda sync: _result(sync.update_diagnostic),
        exists_fn=lambda sync: sync.update_diagnostic is not None,
    ),
    PowerwallSensorEntityDescription(
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

# The diagnostic runs whose checks get a sensor each: the run's key, and how to
# find the run in a battery or in the synchronizer.
type DiagnosticOwner = Battery | Sync
type DiagnosticRun = Callable[[DiagnosticOwner], Diagnostic | None]
DIAGNOSTIC_RUNS: tuple[tuple[str, DiagnosticRun], ...] = (
    ("commissioning_diagnostic", lambda owner: owner.commissioning_diagnostic),
    ("update_diagnostic", lambda owner: owner.update_diagnostic),
)


def check_key(run_key: str, name: str) -> str:
    """The key of a check's sensor: ``<run>_<slug of the check's name>``.

    A check called "Progress" must not take the run's progress sensor's key.
    """
    key = f"{run_key}_{slugify(name)}"
    return f"{key}_check" if key == f"{run_key}_progress" else key


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
    prefix: str, owner: OwnerT
) -> Iterator[PowerwallSensorEntityDescription[OwnerT]]:
    """One sensor per check the owner's diagnostic runs report (disabled by default)."""
    for run_key, run in DIAGNOSTIC_RUNS:
        if (diagnostic := run(owner)) is None:
            continue
        keys: set[str] = set()
        for check in diagnostic.checks:
            key = check_key(f"{prefix}{run_key}", check.name)
            # "Grid code" and "grid-code" would share an entity: the first one wins.
            if key in keys:
                continue
            keys.add(key)
            yield PowerwallSensorEntityDescription[OwnerT](
                key=key,
                translation_key=f"{prefix}{run_key}_check",
                translation_placeholders={"check": check.name},
                device_class=SensorDeviceClass.ENUM,
                entity_category=DIAGNOSTIC,
                entity_registry_enabled_default=False,
                options=_options(CheckResult),
                value_fn=partial(_check_state, run, check.name),
                attributes_fn=partial(_check_attributes, run, check.name),
            )


class PowerwallSensor[SubjectT](PowerwallEntity[Any, SubjectT], SensorEntity):
    """A sensor: its description's value of the entity's subject."""

    entity_description: PowerwallSensorEntityDescription[SubjectT]
    # A check's details change with every run and mean little in history.
    _unrecorded_attributes = frozenset({"status", "message", "start_time", "end_time", "progress"})

    @override
    async def async_added_to_hass(self) -> None:
        self._read_subject()
        await super().async_added_to_hass()

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._read_subject()
        super()._handle_coordinator_update()

    def _read_subject(self) -> None:
        """Read the value and its details once per update; a state write only reads them.

        An enum's options gain a value new firmware sent that no one knows yet.
        """
        description = self.entity_description
        subject = self.subject
        value = description.value_fn(subject) if subject is not None else None
        options = description.options
        if options is not None and isinstance(value, str) and value not in options:
            options = [*options, value]
        self._attr_native_value = value
        self._attr_options = options
        attributes = description.attributes_fn(subject) if subject is not None else None
        self._attr_extra_state_attributes = attributes or {}


class GridSensor(PowerwallSensor[GridStatusInfo], GridEntity):
    """A value of the live grid status."""


class OutageSensor(PowerwallSensor[OutageTracker], OutagesEntity):
    """A fact about the last outage."""


class OffGridReasonSensor(GridEntity, SensorEntity):
    """Why the site is not (yet) back on grid: grid status, flags and batteries together."""

    # A countdown and the gateway's text change often and mean little in history.
    _unrecorded_attributes = frozenset({"seconds_until_reconnect", "message"})

    def __init__(self, runtime: PowerwallGatewayData) -> None:
        """Follow all three coordinators of one gateway."""
        super().__init__(runtime.grid, OFF_GRID_REASON)
        self._runtime = runtime

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        for coordinator in (self._runtime.status, self._runtime.batteries):
            self.async_on_remove(coordinator.async_add_listener(self._handle_coordinator_update))

    def _batteries(self) -> list[Battery]:
        return list(self._runtime.batteries.data.batteries.values())

    @property
    @override
    def native_value(self) -> str | None:
        """The reason, from the latest reads of the three coordinators."""
        status = self._runtime.status.data.status
        reason = off_grid_reason(self.coordinator.data, status, self._batteries())
        return reason.value if reason is not None else None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Seconds left before the batteries reconnect, and the gateway's own words."""
        status = self._runtime.status.data.status
        return {
            "seconds_until_reconnect": seconds_until_reconnect(self._batteries()),
            "message": _text(status.on_grid_check_error) if status is not None else None,
        }


class StatusSensor(PowerwallSensor[PowerwallStatus], StatusEntity):
    """A text flag of the gateway."""


class StatesSensor(PowerwallSensor[Powerwalls], PowerwallsEntity):
    """The gateway's ``states`` list, from the battery list."""


class SyncSensor(PowerwallSensor[Sync], SyncEntity):
    """A value of the gateway's synchronizer."""


class BatterySensor(PowerwallSensor[Battery], BatteryEntity):
    """A value of one battery."""


CHECK_TRANSLATION_KEYS = frozenset(
    f"{prefix}{run_key}_check" for prefix in ("", "sync_") for run_key, _ in DIAGNOSTIC_RUNS
)


class StaleCheckSensors:
    """Remove the sensors of checks a diagnostic run no longer reports, as for batteries.

    A check missing from STALE_DEVICE_READS full reads in a row loses its sensor
    (firmware renamed or dropped it); a list that is empty, cut, garbled or read
    while the gateway enumerates proves nothing, and neither does a battery or a
    run that is absent altogether.
    """

    def __init__(self, coordinator: PowerwallBatteryCoordinator) -> None:
        """Watch the check sensors of one entry."""
        self._coordinator = coordinator
        self._missing = MissingReads()

    @callback
    def battery_list_read(self, data: BatteryData) -> None:
        """Count one full read; remove the sensors of checks gone long enough."""
        powerwalls = data.powerwalls
        # A list cut to the parse bounds may have dropped checks: it proves nothing either.
        if powerwalls is None or not proves_absence(powerwalls) or powerwalls.truncated:
            return
        gateway_id = self._coordinator.gateway.gateway_id
        owners: list[tuple[str, str, DiagnosticOwner]] = [
            (battery_id, "", battery) for battery_id, battery in data.batteries.items()
        ]
        if powerwalls.sync is not None:
            owners.append((gateway_id, "sync_", powerwalls.sync))
        current: set[str] = set()
        runs: list[str] = []  # unique-id prefixes of the runs this read reports checks for
        for owner_id, prefix, owner in owners:
            current.update(f"{owner_id}_{d.key}" for d in check_sensors(prefix, owner))
            runs += [
                f"{owner_id}_{prefix}{run_key}_"
                for run_key, run in DIAGNOSTIC_RUNS
                if (diagnostic := run(owner)) is not None and diagnostic.checks
            ]
        registry = er.async_get(self._coordinator.hass)
        missing = {
            entry.unique_id: entry.entity_id
            for entry in er.async_entries_for_config_entry(
                registry, self._coordinator.config_entry.entry_id
            )
            if entry.domain == "sensor"
            and entry.translation_key in CHECK_TRANSLATION_KEYS
            and entry.unique_id not in current
            and entry.unique_id.startswith(tuple(runs))
        }
        for uid in self._missing.gone(missing):
            LOGGER.info("Removing %s: the gateway no longer reports its check", missing[uid])
            registry.async_remove(missing[uid])


def _battery_list_sensors(coordinator: PowerwallBatteryCoordinator) -> Iterator[Entity]:
    """The sensors the latest battery list supports, one per check included."""
    if (powerwalls := coordinator.data.powerwalls) is None:
        return
    yield StatesSensor(coordinator, STATES_SENSOR)
    if (sync := powerwalls.sync) is not None:
        sync_descriptions: Iterable[PowerwallSensorEntityDescription[Sync]] = chain(
            SYNC_SENSORS, check_sensors("sync_", sync)
        )
        for sync_description in sync_descriptions:
            if sync_description.exists_fn(sync):
                yield SyncSensor(coordinator, sync_description)
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
    """Set up the sensors, and add new ones as batteries and checks appear."""
    runtime = entry.runtime_data
    async_add_entities(
        [
            *(GridSensor(runtime.grid, description) for description in GRID_SENSORS),
            *(OutageSensor(runtime.grid, description) for description in OUTAGE_SENSORS),
            OffGridReasonSensor(runtime),
            # A restricted gateway offers no flags at all: no entities that could never work.
            *(
                StatusSensor(runtime.status, description)
                for description in STATUS_SENSORS
                if runtime.status.data.status is not None
            ),
        ]
    )
    add_entities_as_batteries_appear(entry, async_add_entities, "sensor", _battery_list_sensors)
    listeners = runtime.batteries.read_listeners
    listeners.append(StaleCheckSensors(runtime.batteries).battery_list_read)
    entry.async_on_unload(listeners.clear)
