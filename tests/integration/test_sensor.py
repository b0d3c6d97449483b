"""Sensors, as a user sees them: every entity snapshotted, and the behaviour behind them."""

from __future__ import annotations

from collections.abc import Iterator
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_OPTIONS, SensorDeviceClass
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_FRIENDLY_NAME,
    ATTR_UNIT_OF_MEASUREMENT,
    PERCENTAGE,
    EntityCategory,
    Platform,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.powerwall_gateway.api import GridStatusInfo, Powerwalls, PowerwallStatus
from custom_components.powerwall_gateway.const import DOMAIN

from .conftest import DIN, load_fixture, poll, state_of

SERIAL = "TG123456789V61"
# A battery is known by its gateway and its serial (two gateways may see the same one).
BATTERY_ID = f"{DIN}_{SERIAL}"
BATTERY = f"sensor.powerwall_2_{SERIAL.lower()}"
GRID_STATUS = "sensor.backup_gateway_grid_status"
STATES = "sensor.backup_gateway_active_states"
DIAGNOSTIC_KEYS = ("commissioning_diagnostic", "update_diagnostic")
CHECK_STATUSES = ["fail", "running", "not_run", "site_controller_running", "pass"]
GRID_STATUSES = [
    "system_grid_connected",
    "system_islanded_active",
    "system_islanded_ready",
    "system_transition_to_grid",
    "system_transition_to_island",
    "system_wait_for_user",
    "system_micro_grid_faulted",
]
GRID_STATES = ["grid_compliant", "grid_qualifying", "grid_uncompliant"]
# The gateway's text flags: entity id and the JSON key the text comes from.
MESSAGE_SENSORS = {
    "sensor.backup_gateway_phase_detection_status": "phase_detection_last_error",
    "sensor.backup_gateway_on_grid_check": "on_grid_check_error",
}
MESSAGE_STATES = ["none", "normal", "error"]
INTEGRATION = Path(__file__).parents[2] / "custom_components" / DOMAIN
LANGUAGES = sorted(path.stem for path in (INTEGRATION / "translations").glob("*.json"))
# Longer states push the entity names aside on the device page ("Commiss…").
MAX_SHORT_STATE = 30

VARIANTS = [
    "powerwalls.json",
    "powerwalls_sync_null.json",
    "powerwalls_unknown_enums.json",
    "powerwalls_states_strings.json",
    "powerwalls_no_din_msa_debug.json",
    "powerwalls_type_solarpowerwall.json",
]


@pytest.fixture(autouse=True)
def sensor_platform_only() -> Iterator[None]:
    """Set up only the sensor platform, so the registry holds sensors alone."""
    with patch("custom_components.powerwall_gateway.PLATFORMS", [Platform.SENSOR]):
        yield


def expected_check_unique_ids(payload: dict[str, Any]) -> set[str]:
    """The unique id of every check sensor a payload should produce, read from the JSON."""
    owners: list[tuple[str, str, dict[str, Any]]] = [
        (f"{DIN}_{battery['PackageSerialNumber']}", "", battery)
        for battery in payload["powerwalls"]
    ]
    if payload.get("sync"):
        owners.append((DIN, "sync_", payload["sync"]))
    return {
        f"{owner}_{prefix}{key}_{slugify(check['name'])}"
        for owner, prefix, block in owners
        for key in DIAGNOSTIC_KEYS
        if block.get(key)
        for check in block[key]["checks"]
    }


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("powerwalls_fixture", VARIANTS)
async def test_all_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: ConfigEntry,
) -> None:
    """Every sensor of each payload variant: registry entry and state."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_check_sensors_disabled_by_default(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: ConfigEntry
) -> None:
    """One sensor per check exists, disabled by the integration; the rest are enabled."""
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    disabled = {
        e.unique_id for e in entries if e.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    assert disabled == expected_check_unique_ids(load_fixture("powerwalls.json"))
    assert len(disabled) == 13
    for entry in entries:
        if entry.unique_id in disabled:
            assert hass.states.get(entry.entity_id) is None
            assert entry.entity_category is EntityCategory.DIAGNOSTIC
        else:
            assert entry.disabled_by is None
            assert hass.states.get(entry.entity_id) is not None


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_check_sensor_state_and_attributes(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: ConfigEntry
) -> None:
    """An enabled check sensor shows the check's status, message, times and progress."""
    failed = state_of(hass, f"{BATTERY}_commissioning_can_connectivity")
    assert failed.state == "site_controller_running"
    assert failed.attributes["status"] == "fail"
    assert failed.attributes[ATTR_FRIENDLY_NAME] == (
        f"Powerwall 2 {SERIAL} Commissioning: CAN connectivity"
    )
    assert failed.attributes["message"].startswith(
        "Cannot perform this action with site controller running."
    )
    # The gateway's nanoseconds are cut to microseconds; the zone is kept.
    assert failed.attributes["start_time"] == "2023-07-30T01:48:19.355910-06:00"
    assert failed.attributes["end_time"] == "2023-07-30T01:48:19.355915-06:00"
    assert failed.attributes["progress"] is None
    assert failed.attributes[ATTR_OPTIONS] == CHECK_STATUSES

    not_run = state_of(hass, f"{BATTERY}_update_grid_code")
    assert not_run.state == "not_run"
    assert not_run.attributes["message"] is None
    assert not_run.attributes["start_time"] is None
    assert not_run.attributes["end_time"] is None
    assert not_run.attributes["progress"] == 0

    sync_check = state_of(hass, "sensor.backup_gateway_update_islanding_configuration_synchronizer")
    assert sync_check.state == "not_run"
    assert sync_check.attributes[ATTR_FRIENDLY_NAME] == (
        "Backup Gateway Update: Islanding configuration · Synchronizer"
    )
    entry = entity_registry.async_get(sync_check.entity_id)
    assert entry is not None
    assert entry.unique_id == f"{DIN}_sync_update_diagnostic_islanding_configuration"


async def test_enabling_a_check_sensor_shows_it_after_reload(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: ConfigEntry
) -> None:
    """A user enabling a check sensor gets its state once the entry reloads."""
    entity_id = f"{BATTERY}_commissioning_enable_switch"
    assert hass.states.get(entity_id) is None
    entity_registry.async_update_entity(entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    state = state_of(hass, entity_id)
    assert state.state == "site_controller_running"
    assert set(state.attributes) >= {"status", "message", "start_time", "end_time", "progress"}


async def test_names_from_translations(hass: HomeAssistant, init_integration: ConfigEntry) -> None:
    """Friendly names are the device name plus the translated entity name."""
    expected = {
        GRID_STATUS: "Backup Gateway Grid status",
        "sensor.backup_gateway_phase_detection_status": "Backup Gateway Phase detection status",
        "sensor.backup_gateway_on_grid_check": "Backup Gateway On-grid check",
        STATES: "Backup Gateway Active states",
        "sensor.backup_gateway_commissioning_diagnostic_synchronizer": (
            "Backup Gateway Commissioning diagnostic · Synchronizer"
        ),
        "sensor.backup_gateway_firmware_update_progress_synchronizer": (
            "Backup Gateway Firmware update progress · Synchronizer"
        ),
        f"{BATTERY}_grid_compliance": f"Powerwall 2 {SERIAL} Grid compliance",
        f"{BATTERY}_reconnection_countdown": f"Powerwall 2 {SERIAL} Reconnection countdown",
        f"{BATTERY}_commissioning_diagnostic": f"Powerwall 2 {SERIAL} Commissioning diagnostic",
        f"{BATTERY}_update_diagnostic": f"Powerwall 2 {SERIAL} Update diagnostic",
        f"{BATTERY}_firmware_update_progress": f"Powerwall 2 {SERIAL} Firmware update progress",
    }
    assert {
        entity_id: state_of(hass, entity_id).attributes[ATTR_FRIENDLY_NAME]
        for entity_id in expected
    } == expected


async def test_unique_ids(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: ConfigEntry
) -> None:
    """Unique ids are ``<owner>_<JSON key>``: the DIN for the gateway, the serial for a battery."""
    expected = {
        GRID_STATUS: f"{DIN}_grid_status",
        STATES: f"{DIN}_states",
        "sensor.backup_gateway_on_grid_check": f"{DIN}_on_grid_check_error",
        "sensor.backup_gateway_update_diagnostic_synchronizer": f"{DIN}_sync_update_diagnostic",
        "sensor.backup_gateway_firmware_update_progress_synchronizer": (
            f"{DIN}_sync_update_diagnostic_progress"
        ),
        f"{BATTERY}_grid_compliance": f"{BATTERY_ID}_grid_state",
        f"{BATTERY}_reconnection_countdown": f"{BATTERY_ID}_grid_reconnection_time_seconds",
        f"{BATTERY}_commissioning_diagnostic": f"{BATTERY_ID}_commissioning_diagnostic",
        f"{BATTERY}_firmware_update_progress": f"{BATTERY_ID}_update_diagnostic_progress",
    }
    actual = {}
    for entity_id in expected:
        entry = entity_registry.async_get(entity_id)
        assert entry is not None, entity_id
        actual[entity_id] = entry.unique_id
    assert actual == expected
    # Every unique id belongs to the gateway or to the one battery.
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    assert all(e.unique_id.startswith((f"{DIN}_", f"{BATTERY_ID}_")) for e in entries)
    assert len({e.unique_id for e in entries}) == len(entries)


async def test_enum_options(hass: HomeAssistant, init_integration: ConfigEntry) -> None:
    """The enum sensors list every known value, in the order the translations give them."""
    grid_status = state_of(hass, GRID_STATUS)
    assert grid_status.state == "system_grid_connected"
    assert grid_status.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.ENUM
    assert grid_status.attributes[ATTR_OPTIONS] == GRID_STATUSES

    grid_state = state_of(hass, f"{BATTERY}_grid_compliance")
    assert grid_state.state == "grid_uncompliant"
    assert grid_state.attributes[ATTR_OPTIONS] == GRID_STATES

    for entity_id in (
        f"{BATTERY}_commissioning_diagnostic",
        f"{BATTERY}_update_diagnostic",
        "sensor.backup_gateway_commissioning_diagnostic_synchronizer",
        "sensor.backup_gateway_update_diagnostic_synchronizer",
    ):
        assert state_of(hass, entity_id).attributes[ATTR_OPTIONS] == CHECK_STATUSES, entity_id


async def test_diagnostic_result_is_worst_check(
    hass: HomeAssistant, init_integration: ConfigEntry
) -> None:
    """A run's result is its worst check.

    The documented payload is a healthy running system: its commissioning checks
    "fail" only because the gateway refuses to run them while the site controller
    runs. That is not a failure, and the result says what it is.
    """
    assert state_of(hass, f"{BATTERY}_commissioning_diagnostic").state == (
        "site_controller_running"
    )
    assert state_of(hass, f"{BATTERY}_update_diagnostic").state == "not_run"
    assert state_of(hass, "sensor.backup_gateway_commissioning_diagnostic_synchronizer").state == (
        "site_controller_running"
    )
    progress = state_of(hass, f"{BATTERY}_firmware_update_progress")
    assert float(progress.state) == 0
    assert progress.attributes[ATTR_UNIT_OF_MEASUREMENT] == PERCENTAGE


@pytest.mark.parametrize("powerwalls_fixture", ["powerwalls_unknown_enums.json"])
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_unknown_enum_values_are_shown(
    hass: HomeAssistant, init_integration: ConfigEntry
) -> None:
    """A value the integration does not know is the state, and is added to the options."""
    battery = f"sensor.powerwallx_{SERIAL.lower()}"
    grid_state = state_of(hass, f"{battery}_grid_compliance")
    assert grid_state.state == "grid_mystery"
    assert grid_state.attributes[ATTR_OPTIONS] == [*GRID_STATES, "grid_mystery"]

    check = state_of(hass, f"{battery}_commissioning_can_connectivity")
    assert check.state == "skipped"
    assert check.attributes[ATTR_OPTIONS] == [*CHECK_STATUSES, "skipped"]
    # The other checks were refused while the site controller runs, which is not a
    # failure: the unknown status is the worst, and the run's result.
    commissioning = state_of(hass, f"{battery}_commissioning_diagnostic")
    assert commissioning.state == "skipped"
    assert commissioning.attributes[ATTR_OPTIONS] == [*CHECK_STATUSES, "skipped"]

    # The synchronizer's "Pending" is worse than "not_run", so it is the run's result.
    sync_result = state_of(hass, "sensor.backup_gateway_update_diagnostic_synchronizer")
    assert sync_result.state == "pending"
    assert sync_result.attributes[ATTR_OPTIONS] == [*CHECK_STATUSES, "pending"]


async def test_unknown_grid_status_is_shown(
    hass: HomeAssistant, mock_client: MagicMock, init_integration: ConfigEntry
) -> None:
    """An unknown live grid status is shown as it is, not as unknown."""
    assert state_of(hass, GRID_STATUS).state == "system_grid_connected"
    mock_client.get_grid_status.return_value = GridStatusInfo.from_json(
        load_fixture("grid_status_unknown.json")
    )
    await init_integration.runtime_data.async_refresh()
    await hass.async_block_till_done()
    state = state_of(hass, GRID_STATUS)
    assert state.state == "system_mystery_state"
    assert state.attributes[ATTR_OPTIONS] == [*GRID_STATUSES, "system_mystery_state"]


@pytest.mark.parametrize(
    ("powerwalls_fixture", "count", "states"),
    [
        ("powerwalls.json", "0", []),
        ("powerwalls_states_strings.json", "2", ["grid_qualifying", "updating"]),
    ],
)
async def test_states_sensor(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    init_integration: ConfigEntry,
    count: str,
    states: list[str],
) -> None:
    """The gateway states sensor counts the ``states`` list and lists it as an attribute."""
    state = state_of(hass, STATES)
    assert state.state == count
    assert state.attributes["states"] == states
    entry = entity_registry.async_get(STATES)
    assert entry is not None
    assert entry.entity_category is EntityCategory.DIAGNOSTIC


async def test_healthy_gateway_messages_read_normal(
    hass: HomeAssistant, init_integration: ConfigEntry
) -> None:
    """A running site's usual texts read "normal"; the gateway's words stay in ``message``."""
    status = load_fixture("powerwalls_status.json")
    for entity_id, key in MESSAGE_SENSORS.items():
        state = state_of(hass, entity_id)
        assert state.state == "normal", entity_id
        assert state.attributes["message"] == status[key]
        assert state.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.ENUM
        assert state.attributes[ATTR_OPTIONS] == MESSAGE_STATES


@pytest.mark.parametrize(
    ("phase_detection", "on_grid_check", "expected"),
    [
        (None, None, "none"),
        ("", " ", "none"),
        (
            "No Phase  Information",
            "Run SiteManager flag enabled, SITEMANAGER process is running",
            "normal",
        ),
        ("phase detection failed: no voltage measured on L2", "Voltage out of range", "error"),
    ],
)
async def test_gateway_messages_say_what_they_mean(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: ConfigEntry,
    phase_detection: str | None,
    on_grid_check: str | None,
    expected: str,
) -> None:
    """No text, the usual texts (any case or spacing) and any other text: three short states."""
    mock_client.get_status.return_value = PowerwallStatus(
        phase_detection_last_error=phase_detection, on_grid_check_error=on_grid_check
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    texts = {
        "phase_detection_last_error": phase_detection,
        "on_grid_check_error": on_grid_check,
    }
    for entity_id, key in MESSAGE_SENSORS.items():
        state = state_of(hass, entity_id)
        assert state.state == expected, entity_id
        assert state.attributes["message"] == texts[key]


def test_gateway_message_icons_alert_only_on_an_error() -> None:
    """Neutral icons for no message and the usual one, an alert for an error."""
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))["entity"]["sensor"]
    for key in MESSAGE_SENSORS.values():
        icon = icons[key]
        shown = {
            state: icon.get("state", {}).get(state, icon["default"]) for state in MESSAGE_STATES
        }
        assert [state for state, name in shown.items() if "alert" in name] == ["error"], shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_result_and_message_states_are_short(language: str) -> None:
    """States short enough to leave the entity names readable on the device page."""
    translations = json.loads(
        (INTEGRATION / "translations" / f"{language}.json").read_text(encoding="utf-8")
    )
    long_states = [
        f"{key}.{state}: {text}"
        for key, sensor in translations["entity"]["sensor"].items()
        if key.endswith(("diagnostic", "_check")) or key in MESSAGE_SENSORS.values()
        for state, text in sensor.get("state", {}).items()
        if len(text) > MAX_SHORT_STATE
    ]
    assert long_states == []


async def test_device_classes_and_categories(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: ConfigEntry
) -> None:
    """Live grid values are primary; run results and progress are diagnostic."""
    reconnection = state_of(hass, f"{BATTERY}_reconnection_countdown")
    assert reconnection.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.DURATION
    assert reconnection.attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfTime.SECONDS
    assert float(reconnection.state) == 0

    categories = {
        entity_id: entity.entity_category
        for entity_id in (
            GRID_STATUS,
            f"{BATTERY}_grid_compliance",
            f"{BATTERY}_reconnection_countdown",
            f"{BATTERY}_commissioning_diagnostic",
            f"{BATTERY}_firmware_update_progress",
            "sensor.backup_gateway_phase_detection_status",
            "sensor.backup_gateway_firmware_update_progress_synchronizer",
        )
        if (entity := entity_registry.async_get(entity_id)) is not None
    }
    assert categories == {
        GRID_STATUS: None,
        f"{BATTERY}_grid_compliance": None,
        f"{BATTERY}_reconnection_countdown": None,
        f"{BATTERY}_commissioning_diagnostic": EntityCategory.DIAGNOSTIC,
        f"{BATTERY}_firmware_update_progress": EntityCategory.DIAGNOSTIC,
        "sensor.backup_gateway_phase_detection_status": EntityCategory.DIAGNOSTIC,
        "sensor.backup_gateway_firmware_update_progress_synchronizer": EntityCategory.DIAGNOSTIC,
    }


@pytest.mark.parametrize("powerwalls_fixture", ["powerwalls_sync_null.json"])
async def test_no_synchronizer_no_sync_sensors(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: ConfigEntry
) -> None:
    """Without a ``sync`` block there is no synchronizer sensor; the rest are there."""
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    unique_ids = {e.unique_id for e in entries}
    assert not any(uid.startswith(f"{DIN}_sync_") for uid in unique_ids)
    assert {f"{DIN}_grid_status", f"{DIN}_states", f"{BATTERY_ID}_grid_state"} <= unique_ids
    assert state_of(hass, f"{BATTERY}_grid_compliance").state == "grid_uncompliant"


@pytest.mark.parametrize(
    ("powerwalls_fixture", "model"),
    [("powerwalls.json", "Powerwall 2"), ("powerwalls_type_solarpowerwall.json", "Powerwall+")],
)
async def test_battery_device(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    init_integration: ConfigEntry,
    model: str,
) -> None:
    """Each battery has a device named after its model (from ``type``) and serial."""
    entry_id = init_integration.entry_id
    gateway = device_registry.async_get_device_by_identifier((DOMAIN, DIN), entry_id)
    battery = device_registry.async_get_device_by_identifier((DOMAIN, BATTERY_ID), entry_id)
    assert gateway is not None
    assert battery is not None
    assert gateway.name == "Backup Gateway"
    assert battery.name == f"{model} {SERIAL}"
    assert battery.model == model
    assert battery.serial_number == SERIAL
    assert battery.via_device_id == gateway.id
    grid_state = entity_registry.async_get_entity_id(
        Platform.SENSOR, DOMAIN, f"{BATTERY_ID}_grid_state"
    )
    assert grid_state is not None
    entry = entity_registry.async_get(grid_state)
    assert entry is not None
    assert entry.device_id == battery.id
    assert state_of(hass, grid_state).attributes[ATTR_FRIENDLY_NAME] == (
        f"{model} {SERIAL} Grid compliance"
    )


def unknown_value_warnings(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if "does not know" in r.getMessage()]


@pytest.mark.parametrize("powerwalls_fixture", ["powerwalls_unknown_enums.json"])
async def test_unknown_battery_values_are_logged_once(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: ConfigEntry,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each battery value the integration does not know is logged once, not at every poll."""
    # The first poll ran while the fixture set the integration up.
    logged = unknown_value_warnings(caplog.get_records("setup"))
    for value in ("Grid_Mystery", "skipped"):
        assert sum(repr(value) in message for message in logged) == 1, (value, logged)
    # A later poll that reads the batteries again logs nothing new.
    await poll(hass, freezer, seconds=300)
    assert mock_client.get_powerwalls.await_count == 2
    assert unknown_value_warnings(caplog.records) == []


@pytest.mark.parametrize("powerwalls_fixture", ["powerwalls_unknown_enums.json"])
async def test_unknown_sync_check_status_is_logged(
    hass: HomeAssistant, init_integration: ConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """The synchronizer's unknown check status ("Pending") is logged like a battery's."""
    assert state_of(hass, "sensor.backup_gateway_update_diagnostic_synchronizer").state == "pending"
    logged = unknown_value_warnings(caplog.get_records("setup"))
    assert any("'Pending'" in message for message in logged), logged


async def setup_with_extra_update_check(
    hass: HomeAssistant,
    mock_client: MagicMock,
    entry: ConfigEntry,
    *,
    name: str,
    status: str,
) -> None:
    """Set up with the seed payload plus one more firmware-update check on its battery."""
    payload = load_fixture("powerwalls.json")
    checks = payload["powerwalls"][0]["update_diagnostic"]["checks"]
    checks.append({**checks[-1], "name": name, "status": status})
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(payload)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_checks_whose_names_share_a_key_get_one_entity(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: ConfigEntry,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
    entity_registry_enabled_by_default: None,
) -> None:
    """Two checks that differ only in punctuation would collide; the first one wins."""
    await setup_with_extra_update_check(
        hass, mock_client, mock_config_entry, name="grid-code", status="fail"
    )
    unique_ids = [
        entry.unique_id
        for entry in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
    ]
    assert unique_ids.count(f"{BATTERY_ID}_update_diagnostic_grid_code") == 1
    assert len(unique_ids) == len(set(unique_ids))
    assert "does not generate unique IDs" not in caplog.text
    assert hass.states.get(f"{BATTERY}_update_grid_code").state == "not_run"


async def test_diagnostic_dropped_by_new_firmware_leaves_its_sensors_unknown(
    hass: HomeAssistant,
    mock_client: MagicMock,
    entity_registry_enabled_by_default: None,
    init_integration: ConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A battery whose firmware stops reporting a diagnostic keeps its sensors, unknown."""
    check = f"{BATTERY}_update_grid_code"
    assert state_of(hass, check).state == "not_run"
    payload = load_fixture("powerwalls.json")
    payload["powerwalls"][0]["update_diagnostic"] = None
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(payload)
    await poll(hass, freezer, seconds=300)  # the battery list is due again
    assert state_of(hass, check).state == "unknown"
    assert state_of(hass, f"{BATTERY}_update_diagnostic").state == "unknown"
    assert state_of(hass, f"{BATTERY}_grid_compliance").state == "grid_uncompliant"


async def test_battery_missing_from_an_incomplete_list_goes_unavailable(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: ConfigEntry,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A battery entry the gateway garbles makes that battery unavailable, and keeps its device.

    The read that garbles it first is taken for a flaky answer: the battery keeps
    its last values, and the list is read again 30 s later.
    """
    payload = load_fixture("powerwalls.json")
    del payload["powerwalls"][0]["PackageSerialNumber"]
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(payload)
    await poll(hass, freezer, seconds=300)  # the battery list is due again
    assert state_of(hass, f"{BATTERY}_grid_compliance").state == "grid_uncompliant"
    reads = mock_client.get_powerwalls.await_count
    await poll(hass, freezer, seconds=30)
    assert mock_client.get_powerwalls.await_count == reads + 1
    state = state_of(hass, f"{BATTERY}_grid_compliance")
    assert state.state == "unavailable"
    assert state.attributes[ATTR_OPTIONS] == GRID_STATES
    assert state_of(hass, GRID_STATUS).state == "system_grid_connected"
    assert device_registry.async_get_device_by_identifier(
        (DOMAIN, BATTERY_ID), init_integration.entry_id
    )


async def test_long_gateway_text_is_kept_whole_in_the_message(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: ConfigEntry
) -> None:
    """Gateway text longer than a state may be: a short state, and the whole text to read."""
    text = "grid frequency out of range " * 30
    mock_client.get_status.return_value = PowerwallStatus(on_grid_check_error=text)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    state = state_of(hass, "sensor.backup_gateway_on_grid_check")
    assert state.state == "error"
    assert state.attributes["message"] == text


async def test_check_called_progress_keeps_the_progress_sensor(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: ConfigEntry,
    entity_registry: er.EntityRegistry,
    entity_registry_enabled_by_default: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A check named "Progress" gets its own entity beside the update progress sensor."""
    await setup_with_extra_update_check(
        hass, mock_client, mock_config_entry, name="Progress", status="running"
    )
    assert "does not generate unique IDs" not in caplog.text
    assert state_of(hass, f"{BATTERY}_firmware_update_progress").state == "0.0"
    check = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{BATTERY_ID}_update_diagnostic_progress_check"
    )
    assert check is not None
    assert state_of(hass, check).state == "running"


async def test_long_unknown_value_is_shown_cut_to_a_valid_state(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: ConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A long value new firmware invents is shown (cut to 255 characters), never dropped."""
    payload = load_fixture("powerwalls.json")
    payload["powerwalls"][0]["grid_state"] = "GridMystery" * 23  # 253 characters
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(payload)
    await poll(hass, freezer, seconds=300)
    state = state_of(hass, f"{BATTERY}_grid_compliance")
    assert len(state.state) == 255
    assert state.state.startswith("grid_mystery_grid_mystery")
    assert state.state in state.attributes[ATTR_OPTIONS]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_renamed_checks_lose_their_sensors_after_two_reads(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: ConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A check firmware renamed gets a new sensor; the old one goes after two reads."""
    old = f"{BATTERY_ID}_commissioning_diagnostic_can_connectivity"
    new = f"{BATTERY_ID}_commissioning_diagnostic_can_bus"
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, old)
    payload = load_fixture("powerwalls.json")
    payload["powerwalls"][0]["commissioning_diagnostic"]["checks"][0]["name"] = "CAN bus"
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(payload)
    await poll(hass, freezer, seconds=300)
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, new)
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, old)
    await poll(hass, freezer, seconds=300)
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, old) is None
    # The other checks, and the other battery's, are untouched.
    assert entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{BATTERY_ID}_commissioning_diagnostic_enable_switch"
    )
    # A check that returns gets its sensor back.
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(load_fixture("powerwalls.json"))
    await poll(hass, freezer, seconds=300)
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, old)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_check_sensors_stay_when_a_run_reports_no_checks(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: ConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A run listed without checks (checks: null) proves nothing: its sensors stay."""
    payload = load_fixture("powerwalls.json")
    payload["powerwalls"][0]["commissioning_diagnostic"]["checks"] = None
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(payload)
    for _ in range(3):
        await poll(hass, freezer, seconds=300)
    assert entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{BATTERY_ID}_commissioning_diagnostic_can_connectivity"
    )
