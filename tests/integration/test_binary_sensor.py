"""Binary sensors, as a user sees them: every entity snapshotted, and the behaviour behind them."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_FRIENDLY_NAME,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
    EntityCategory,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.powerwall_gateway.api import (
    GridStatusInfo,
    Powerwalls,
)
from custom_components.powerwall_gateway.api.models import (
    parse_status,
)

from .conftest import DIN, load_fixture, poll, read_everything, state_of

SERIAL = "TG123456789V61"
# A battery is known by its gateway and its serial (two gateways may see the same one).
BATTERY_ID = f"{DIN}_{SERIAL}"
BATTERY = f"binary_sensor.powerwall_2_{SERIAL.lower()}"
GRID_CONNECTED = "binary_sensor.backup_gateway_grid_connected"

VARIANTS = [
    "powerwalls.json",
    "powerwalls_sync_null.json",
    "powerwalls_unknown_enums.json",
    "powerwalls_states_strings.json",
    "powerwalls_no_din_msa_debug.json",
    "powerwalls_type_solarpowerwall.json",
]

# entity id -> (unique id, friendly name, device class, entity category)
GATEWAY_ENTITIES: dict[str, tuple[str, str, str | None, EntityCategory | None]] = {
    GRID_CONNECTED: (
        f"{DIN}_grid_status",
        "Backup Gateway Grid connected",
        BinarySensorDeviceClass.CONNECTIVITY,
        None,
    ),
    "binary_sensor.backup_gateway_updating": (
        f"{DIN}_updating",
        "Backup Gateway Updating",
        BinarySensorDeviceClass.RUNNING,
        None,
    ),
    "binary_sensor.backup_gateway_enumerating": (
        f"{DIN}_enumerating",
        "Backup Gateway Enumerating",
        BinarySensorDeviceClass.RUNNING,
        None,
    ),
    "binary_sensor.backup_gateway_checking_if_off_grid": (
        f"{DIN}_checking_if_offgrid",
        "Backup Gateway Checking if off grid",
        BinarySensorDeviceClass.RUNNING,
        None,
    ),
    "binary_sensor.backup_gateway_phase_detection_running": (
        f"{DIN}_running_phase_detection",
        "Backup Gateway Phase detection running",
        BinarySensorDeviceClass.RUNNING,
        None,
    ),
    "binary_sensor.backup_gateway_grid_qualifying": (
        f"{DIN}_grid_qualifying",
        "Backup Gateway Grid qualifying",
        BinarySensorDeviceClass.RUNNING,
        None,
    ),
    "binary_sensor.backup_gateway_grid_code_validating": (
        f"{DIN}_grid_code_validating",
        "Backup Gateway Grid code validating",
        BinarySensorDeviceClass.RUNNING,
        None,
    ),
    "binary_sensor.backup_gateway_off_grid_load_shedding": (
        f"{DIN}_bubble_shedding",
        "Backup Gateway Off-grid load shedding",
        None,
        None,
    ),
    "binary_sensor.backup_gateway_phase_detection_ready": (
        f"{DIN}_phase_detection_not_available",
        "Backup Gateway Phase detection ready",
        None,
        EntityCategory.DIAGNOSTIC,
    ),
    "binary_sensor.backup_gateway_updating_synchronizer": (
        f"{DIN}_sync_updating",
        "Backup Gateway Updating · Synchronizer",
        BinarySensorDeviceClass.RUNNING,
        None,
    ),
    "binary_sensor.backup_gateway_commissioning_alert_synchronizer": (
        f"{DIN}_sync_commissioning_diagnostic_alert",
        "Backup Gateway Commissioning alert · Synchronizer",
        BinarySensorDeviceClass.PROBLEM,
        EntityCategory.DIAGNOSTIC,
    ),
    "binary_sensor.backup_gateway_firmware_update_alert_synchronizer": (
        f"{DIN}_sync_update_diagnostic_alert",
        "Backup Gateway Firmware update alert · Synchronizer",
        BinarySensorDeviceClass.PROBLEM,
        EntityCategory.DIAGNOSTIC,
    ),
}
BATTERY_ENTITIES: dict[str, tuple[str, str, str | None, EntityCategory | None]] = {
    f"{BATTERY}_updating": (
        f"{BATTERY_ID}_updating",
        f"Powerwall 2 {SERIAL} Updating",
        BinarySensorDeviceClass.RUNNING,
        None,
    ),
    f"{BATTERY}_under_phase_detection": (
        f"{BATTERY_ID}_under_phase_detection",
        f"Powerwall 2 {SERIAL} Under phase detection",
        BinarySensorDeviceClass.RUNNING,
        None,
    ),
    f"{BATTERY}_configured": (
        f"{BATTERY_ID}_in_config",
        f"Powerwall 2 {SERIAL} Configured",
        None,
        EntityCategory.DIAGNOSTIC,
    ),
    f"{BATTERY}_commissioning_alert": (
        f"{BATTERY_ID}_commissioning_diagnostic_alert",
        f"Powerwall 2 {SERIAL} Commissioning alert",
        BinarySensorDeviceClass.PROBLEM,
        EntityCategory.DIAGNOSTIC,
    ),
    f"{BATTERY}_firmware_update_alert": (
        f"{BATTERY_ID}_update_diagnostic_alert",
        f"Powerwall 2 {SERIAL} Firmware update alert",
        BinarySensorDeviceClass.PROBLEM,
        EntityCategory.DIAGNOSTIC,
    ),
}
ALL_ENTITIES = {**GATEWAY_ENTITIES, **BATTERY_ENTITIES}


@pytest.fixture(autouse=True)
def binary_sensor_platform_only() -> Iterator[None]:
    """Set up only the binary sensor platform, so the registry holds binary sensors alone."""
    with patch("custom_components.powerwall_gateway.PLATFORMS", [Platform.BINARY_SENSOR]):
        yield


async def refresh(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Read the gateway's live grid status and flags now."""
    await read_everything(hass, entry)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("powerwalls_fixture", VARIANTS)
async def test_all_binary_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: ConfigEntry,
) -> None:
    """Every binary sensor of each payload variant: registry entry and state."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_entity_set(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: ConfigEntry
) -> None:
    """Exactly the documented binary sensors exist, all enabled by default."""
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    assert {e.entity_id for e in entries} == set(ALL_ENTITIES)
    assert all(e.disabled_by is None for e in entries)


async def test_names_unique_ids_classes_categories(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: ConfigEntry
) -> None:
    """Translated names, ``<owner>_<JSON key>`` unique ids, device classes and categories."""
    actual = {}
    for entity_id in ALL_ENTITIES:
        entry = entity_registry.async_get(entity_id)
        assert entry is not None, entity_id
        state = state_of(hass, entity_id)
        actual[entity_id] = (
            entry.unique_id,
            state.attributes[ATTR_FRIENDLY_NAME],
            state.attributes.get(ATTR_DEVICE_CLASS),
            entry.entity_category,
        )
    assert actual == ALL_ENTITIES


async def test_states_follow_the_payloads(
    hass: HomeAssistant, init_integration: ConfigEntry
) -> None:
    """Each flag shows the value the gateway reported."""
    status = load_fixture("powerwalls_status.json")
    battery = load_fixture("powerwalls.json")["powerwalls"][0]

    def on_off(value: bool) -> str:
        return STATE_ON if value else STATE_OFF

    expected = {
        GRID_CONNECTED: STATE_ON,
        "binary_sensor.backup_gateway_updating": on_off(status["updating"]),
        "binary_sensor.backup_gateway_grid_qualifying": on_off(status["grid_qualifying"]),
        "binary_sensor.backup_gateway_phase_detection_ready": on_off(
            status["phase_detection_not_available"]
        ),
        f"{BATTERY}_configured": on_off(battery["in_config"]),
        f"{BATTERY}_updating": on_off(battery["updating"]),
        f"{BATTERY}_commissioning_alert": on_off(battery["commissioning_diagnostic"]["alert"]),
    }
    assert {entity_id: state_of(hass, entity_id).state for entity_id in expected} == expected
    # The fixture has the "not available" flag on and the rest off: a mix-up would show.
    assert expected["binary_sensor.backup_gateway_phase_detection_ready"] == STATE_ON
    assert expected[f"{BATTERY}_configured"] == STATE_ON


@pytest.mark.parametrize(
    ("grid_fixture", "expected"),
    [
        ("grid_status_islanded.json", STATE_OFF),
        ("grid_status_unknown.json", STATE_UNKNOWN),
        ("grid_status.json", STATE_ON),
    ],
)
async def test_grid_connected_follows_live_grid_status(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: ConfigEntry,
    grid_fixture: str,
    expected: str,
) -> None:
    """Islanded is off; a grid status no one knows is unknown rather than a guess."""
    mock_client.get_grid_status.return_value = GridStatusInfo.from_json(
        load_fixture("grid_status_islanded.json")
    )
    await refresh(hass, init_integration)
    assert state_of(hass, GRID_CONNECTED).state == STATE_OFF
    mock_client.get_grid_status.return_value = GridStatusInfo.from_json(load_fixture(grid_fixture))
    await refresh(hass, init_integration)
    assert state_of(hass, GRID_CONNECTED).state == expected


async def test_status_flag_turns_on(
    hass: HomeAssistant, mock_client: MagicMock, init_integration: ConfigEntry
) -> None:
    """A gateway flag turning on shows at the next poll, and only on its own entity."""
    flag = "binary_sensor.backup_gateway_grid_qualifying"
    assert state_of(hass, flag).state == STATE_OFF
    status = load_fixture("powerwalls_status.json") | {"grid_qualifying": True}
    mock_client.get_status.return_value = parse_status(status)
    await refresh(hass, init_integration)
    assert state_of(hass, flag).state == STATE_ON
    assert state_of(hass, "binary_sensor.backup_gateway_grid_code_validating").state == STATE_OFF
    assert state_of(hass, "binary_sensor.backup_gateway_updating").state == STATE_OFF


async def test_alert_turns_on(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: ConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A diagnostic run's alert flag shows once the battery details are read again."""
    alert = f"{BATTERY}_firmware_update_alert"
    sync_alert = "binary_sensor.backup_gateway_commissioning_alert_synchronizer"
    assert state_of(hass, alert).state == STATE_OFF
    assert state_of(hass, sync_alert).state == STATE_OFF
    payload = load_fixture("powerwalls.json")
    payload["powerwalls"][0]["update_diagnostic"]["alert"] = True
    payload["sync"]["commissioning_diagnostic"]["alert"] = True
    mock_client.get_powerwalls.return_value = Powerwalls.from_json(payload)
    # The battery details are read every 5 minutes while the gateway is idle.
    await poll(hass, freezer, seconds=300)
    assert state_of(hass, alert).state == STATE_ON
    assert state_of(hass, sync_alert).state == STATE_ON
    assert state_of(hass, f"{BATTERY}_commissioning_alert").state == STATE_OFF


@pytest.mark.parametrize("powerwalls_fixture", ["powerwalls_sync_null.json"])
async def test_no_synchronizer_no_sync_binary_sensors(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: ConfigEntry
) -> None:
    """Without a ``sync`` block there is no synchronizer binary sensor; the rest are there."""
    entries = er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
    sync = {e for e in GATEWAY_ENTITIES if "synchronizer" in e}
    assert len(sync) == 3
    assert {e.entity_id for e in entries} == set(ALL_ENTITIES) - sync
