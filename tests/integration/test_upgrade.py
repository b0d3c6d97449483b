"""An install of an earlier release keeps its entity ids, and so its history and automations.

Battery devices and entities move to identities that include their gateway
(config entry version 1.2): the rest keeps its unique id as it was.

``registry_written_by_87922e5.json`` holds the entity and device registries
that release wrote for the simulator's gateway (two batteries), dumped from a
running Home Assistant: the storage this release finds on a user's disk.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powerwall_gateway.const import DOMAIN
from simulator import GatewaySimulator

from .conftest import load_fixture, poll, simulator_entry

OLD = load_fixture("registry_written_by_87922e5.json")
# Entities this release adds to every gateway.
NEW_ENTITIES = {"sensor.backup_gateway_grid_outages", "sensor.backup_gateway_time_off_grid"}


@pytest.fixture
def registry_written() -> dict[str, Any]:
    """The registries an earlier release wrote (a test parametrizes another one)."""
    return OLD


@pytest.fixture
def hass_storage(hass_storage: dict[str, Any], registry_written: dict[str, Any]) -> dict[str, Any]:
    """The registries on disk, as the earlier release left them."""
    for key, version, minor in (
        ("core.entity_registry", er.STORAGE_VERSION_MAJOR, er.STORAGE_VERSION_MINOR),
        ("core.device_registry", dr.STORAGE_VERSION_MAJOR, dr.STORAGE_VERSION_MINOR),
    ):
        hass_storage[key] = {
            "version": version,
            "minor_version": minor,
            "key": key,
            "data": registry_written[key],
        }
    return hass_storage


def _old_entities() -> dict[tuple[str, str], str]:
    """The earlier release's entities of the entry: (platform, unique id) to entity id."""
    return {
        (entity["entity_id"].split(".")[0], entity["unique_id"]): entity["entity_id"]
        for entity in OLD["core.entity_registry"]["entities"]
        if entity["config_entry_id"] == OLD["entry_id"]
    }


async def test_entity_ids_and_unique_ids_survive_the_update(
    hass: HomeAssistant,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Every entity keeps its entity id; a battery's unique id and device gain the gateway's id.

    Only the new sensors are added, and no entity id gains a suffix.
    """
    # Home Assistant's own loader reads the entities as at a start after the update
    # (the test harness has loaded the devices already, but not the entities).
    await entity_registry.async_load()
    assert len(er.async_entries_for_config_entry(entity_registry, OLD["entry_id"])) == 65
    # The simulator plays the same gateway: the DIN and battery serials of the registries.
    assert simulator.din == OLD["din"]
    base = simulator_entry(simulator)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=base.title,
        unique_id=OLD["unique_id"],
        data=dict(base.data),
        entry_id=OLD["entry_id"],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await poll(hass, freezer)
    now = {
        (entity.domain, entity.unique_id): entity.entity_id
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    old = _old_entities()
    assert len(old) == 65
    din = OLD["unique_id"]

    def migrated(unique_id: str) -> str:
        return unique_id if unique_id.startswith(din) else f"{din}_{unique_id}"

    assert {(platform, uid): now.get((platform, migrated(uid))) for platform, uid in old} == old
    assert set(now.values()) - set(old.values()) == NEW_ENTITIES
    assert sum(not uid.startswith(din) for _, uid in old) == 36  # the two batteries' entities
    assert entry.minor_version == 3
    battery_devices = {
        ident
        for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        for _, ident in device.identifiers
        if ident != din
    }
    assert battery_devices == {f"{din}_{serial}" for serial in simulator.serials}
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


BEFORE_ONE_COORDINATOR = load_fixture("registry_written_by_cccae7c.json")


@pytest.mark.parametrize("registry_written", [BEFORE_ONE_COORDINATOR])
async def test_an_install_of_the_three_coordinator_release_keeps_every_id(
    hass: HomeAssistant,
    registry_written: dict[str, Any],
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The release before one coordinator (cccae7c) wrote these registries: nothing moves.

    Every entity keeps its unique id and entity id, though entity names changed
    since; no entity is added or lost, and the devices keep their identifiers.
    """
    written = registry_written
    await entity_registry.async_load()
    entry_id = written["entry_id"]

    def ids() -> dict[tuple[str, str], str]:
        return {
            (entity.domain, entity.unique_id): entity.entity_id
            for entity in er.async_entries_for_config_entry(entity_registry, entry_id)
        }

    def devices() -> set[frozenset[tuple[str, str]]]:
        return {
            frozenset(device.identifiers)
            for device in dr.async_entries_for_config_entry(device_registry, entry_id)
        }

    before, devices_before = ids(), devices()
    assert len(before) == 67
    assert len(devices_before) == 3
    base = simulator_entry(simulator)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=base.title,
        unique_id=written["unique_id"],
        data=dict(base.data),
        entry_id=entry_id,
        minor_version=2,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await poll(hass, freezer, 300)
    assert ids() == before
    assert devices() == devices_before
    assert hass.states.get("binary_sensor.backup_gateway_bubble_shedding") is not None
    # Config entry 1.3: the last outage's duration in seconds, as on a new install.
    assert entry.minor_version == 3
    duration = hass.states.get("sensor.backup_gateway_last_outage_duration")
    assert duration is not None
    assert duration.attributes["unit_of_measurement"] == "s"
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
