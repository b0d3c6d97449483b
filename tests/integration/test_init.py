"""Setting a gateway up and down, against the simulator over real HTTPS."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powerwall_gateway import async_remove_config_entry_device
from custom_components.powerwall_gateway.const import CONF_SESSION, DOMAIN
from simulator import GatewaySimulator
from simulator.pytest_plugin import SimulatorFactory

from .conftest import poll, simulator_entry


async def test_setup_and_unload(
    hass: HomeAssistant, sim_entry: MockConfigEntry, simulator: GatewaySimulator
) -> None:
    """A gateway sets up with one login, and unloads cleanly."""
    assert sim_entry.state is ConfigEntryState.LOADED
    assert simulator.logins == 1
    assert hass.states.get("binary_sensor.backup_gateway_grid_connected").state == "on"
    assert await hass.config_entries.async_unload(sim_entry.entry_id)
    assert sim_entry.state is ConfigEntryState.NOT_LOADED


@pytest.mark.parametrize(
    ("version", "minor_version", "state"),
    [(2, 1, ConfigEntryState.MIGRATION_ERROR), (1, 4, ConfigEntryState.LOADED)],
)
async def test_entry_of_a_newer_release_is_left_alone(
    hass: HomeAssistant,
    simulator: GatewaySimulator,
    version: int,
    minor_version: int,
    state: ConfigEntryState,
) -> None:
    """A newer major version is not set up; a newer minor one loads. Neither is rewritten."""
    entry = simulator_entry(simulator)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, version=version, minor_version=minor_version)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is state
    assert (entry.version, entry.minor_version) == (version, minor_version)
    if state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(entry.entry_id)


async def test_session_survives_restart(
    hass: HomeAssistant, sim_entry: MockConfigEntry, simulator: GatewaySimulator
) -> None:
    """The stored session is reused after a restart: no second login."""
    assert sim_entry.data[CONF_SESSION]
    await hass.config_entries.async_reload(sim_entry.entry_id)
    await hass.async_block_till_done()
    assert sim_entry.state is ConfigEntryState.LOADED
    assert simulator.logins == 1


async def test_unreachable_gateway_retries_setup(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """A gateway that does not answer leaves the entry retrying, not failed."""
    sim = await gateway_simulator_factory()
    entry = simulator_entry(sim)
    await sim.stop()
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize("scenario", ["busy", "stopped", "conflict"])
async def test_busy_gateway_retries_setup(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory, scenario: str
) -> None:
    """503 "current config mode is busy" at start-up retries later instead of failing for good."""
    sim = await gateway_simulator_factory(scenario=scenario)
    entry = simulator_entry(sim)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_wrong_password_starts_reauth(
    hass: HomeAssistant, simulator: GatewaySimulator
) -> None:
    """A password the gateway rejects asks the user for a new one, after one login attempt."""
    entry = simulator_entry(simulator, password="wrong")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert simulator.logins == 1
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_powerwall3_is_not_supported(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """A device with no local API at all (no login) does not set up, and is not retried for ever."""
    sim = await gateway_simulator_factory(scenario="powerwall3")
    entry = simulator_entry(sim)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None
    assert "nothing to read" in entry.reason


async def test_devices(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """One gateway device and one device per battery, linked to the gateway."""
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, simulator.din.upper()), sim_entry.entry_id
    )
    assert gateway is not None
    assert gateway.manufacturer == "Tesla"
    assert gateway.sw_version == "24.36.2"
    assert gateway.serial_number == "TG123456789A4M"
    assert gateway.model_id == "1232100-00-E"
    for serial in simulator.serials:
        battery = device_registry.async_get_device_by_identifier(
            (DOMAIN, f"{sim_entry.unique_id}_{serial}"), sim_entry.entry_id
        )
        assert battery is not None
        assert battery.via_device_id == gateway.id
        assert battery.serial_number == serial
        assert battery.model == "Powerwall 2"


async def test_remove_device_only_when_gone(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A user may delete a battery device only once the gateway no longer lists it."""
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, simulator.din.upper()), sim_entry.entry_id
    )
    battery = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{sim_entry.unique_id}_{simulator.serials[0]}"), sim_entry.entry_id
    )
    gone = device_registry.async_get_or_create(
        config_entry_id=sim_entry.entry_id, identifiers={(DOMAIN, "TG000000000GONE")}
    )
    assert gateway is not None
    assert battery is not None
    assert not await async_remove_config_entry_device(hass, sim_entry, gateway)
    assert not await async_remove_config_entry_device(hass, sim_entry, battery)
    assert await async_remove_config_entry_device(hass, sim_entry, gone)


async def test_battery_deleted_by_the_user_comes_back(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A battery device the user deleted returns, entities and all, when the battery does."""
    serial = simulator.serials[1]
    simulator.remove_battery(serial)
    await poll(hass, freezer, seconds=300)
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{sim_entry.unique_id}_{serial}"), sim_entry.entry_id
    )
    assert device is not None
    assert await async_remove_config_entry_device(hass, sim_entry, device)
    device_registry.async_remove_device(device.id)
    await hass.async_block_till_done()
    unique_id = f"{sim_entry.unique_id}_{serial}_grid_state"
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, unique_id) is None
    simulator.set_scenario("normal", batteries=2)
    await poll(hass, freezer, seconds=300)
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, unique_id)


async def test_remove_device_of_an_entry_that_failed_to_set_up(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Battery devices of an entry that is not loaded can be deleted; its gateway cannot."""
    sim = await gateway_simulator_factory(scenario="busy")
    entry = simulator_entry(sim)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    battery = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "TG000000000OLD")}
    )
    gateway = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, sim.din.upper())}
    )
    assert await async_remove_config_entry_device(hass, entry, battery)
    assert not await async_remove_config_entry_device(hass, entry, gateway)
