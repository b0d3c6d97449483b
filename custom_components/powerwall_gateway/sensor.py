"""Sensors: grid state and status, diagnostic results and checks, progress, text flags."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import chain
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
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
    CheckStatus,
    Diagnostic,
    GridState,
    GridStatus,
    Powerwalls,
    PowerwallStatus,
    Sync,
)
from .coordinator import LiveData, PowerwallBatteryCoordinator, PowerwallGatewayConfigEntry
from .entity import (
    BatteryEntity,
    GatewayEntity,
    PowerwallEntity,
    PowerwallsEntity,
    StatusEntity,
    SyncEntity,
    add_entities_as_batteries_appear,
    enum_state,
    state_key,
)

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


def _options(values: type[GridState | GridStatus | CheckStatus]) -> list[str]:
    return [state_key(value) for value in values]


def _result(diagnostic: Diagnostic | None) -> str | None:
    """A diagnostic run's overall result: the worst of its checks."""
    return enum_state(diagnostic.result) if diagnostic is not None else None


def _progress(diagnostic: Diagnostic | None) -> float | None:
    return diagnostic.progress_percent if diagnostic is not None else None


GATEWAY_SENSORS: tuple[PowerwallSensorEntityDescription[LiveData], ...] = (
    PowerwallSensorEntityDescription(
        key="grid_status",
        translation_key="grid_status",
        device_class=SensorDeviceClass.ENUM,
        options=_options(GridStatus),
        value_fn=lambda data: enum_state(data.grid.grid_status),
    ),
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
        options=_options(CheckStatus),
        value_fn=lambda sync: _result(sync.commissioning_diagnostic),
        exists_fn=lambda sync: sync.commissioning_diagnostic is not None,
    ),
    PowerwallSensorEntityDescription(
        key="sync_update_diagnostic",
        translation_key="sync_update_diagnostic",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=_options(CheckStatus),
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
        options=_options(CheckStatus),
        value_fn=lambda battery: _result(battery.commissioning_diagnostic),
        exists_fn=lambda battery: battery.commissioning_diagnostic is not None,
    ),
    PowerwallSensorEntityDescription(
        key="update_diagnostic",
        translation_key="update_diagnostic",
        device_class=SensorDeviceClass.ENUM,
        entity_category=DIAGNOSTIC,
        options=_options(CheckStatus),
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
    return enum_state(check.status) if check is not None else None


def _check_attributes(
    run: DiagnosticRun, name: str, owner: DiagnosticOwner
) -> dict[str, Any] | None:
    if (check := _find_check(run(owner), name)) is None:
        return None
    return {
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
                options=_options(CheckStatus),
                value_fn=partial(_check_state, run, check.name),
                attributes_fn=partial(_check_attributes, run, check.name),
            )


class PowerwallSensor[SubjectT](PowerwallEntity[Any, SubjectT], SensorEntity):
    """A sensor: its description's value of the entity's subject."""

    entity_description: PowerwallSensorEntityDescription[SubjectT]

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """The value; unknown when the subject is gone."""
        if (subject := self.subject) is None:
            return None
        return self.entity_description.value_fn(subject)

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
        if (subject := self.subject) is None:
            return None
        return self.entity_description.attributes_fn(subject)


class GatewaySensor(PowerwallSensor[LiveData], GatewayEntity):
    """A value of the gateway's live data."""


class StatusSensor(PowerwallSensor[PowerwallStatus], StatusEntity):
    """A text flag of the gateway."""


class StatesSensor(PowerwallSensor[Powerwalls], PowerwallsEntity):
    """The gateway's ``states`` list, from the battery list."""


class SyncSensor(PowerwallSensor[Sync], SyncEntity):
    """A value of the gateway's synchronizer."""


class BatterySensor(PowerwallSensor[Battery], BatteryEntity):
    """A value of one battery."""


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
    live = entry.runtime_data.live
    async_add_entities(
        [
            *(GatewaySensor(live, description) for description in GATEWAY_SENSORS),
            # A restricted gateway offers no flags at all: no entities that could never work.
            *(
                StatusSensor(live, description)
                for description in STATUS_SENSORS
                if live.data.status is not None
            ),
        ]
    )
    add_entities_as_batteries_appear(entry, async_add_entities, "sensor", _battery_list_sensors)
