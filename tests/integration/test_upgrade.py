"""An install of an earlier release keeps its entity ids, and so its history and automations.

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
def hass_storage(hass_storage: dict[str, Any]) -> dict[str, Any]:
    """The registries on disk before Home Assistant starts, as the earlier release left them."""
    for key, version, minor in (
        ("core.entity_registry", er.STORAGE_VERSION_MAJOR, er.STORAGE_VERSION_MINOR),
        ("core.device_registry", dr.STORAGE_VERSION_MAJOR, dr.STORAGE_VERSION_MINOR),
    ):
        hass_storage[key] = {
            "version": version,
            "minor_version": minor,
            "key": key,
            "data": OLD[key],
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
) -> None:
    """Every entity keeps its entity id and unique id; only the new sensors are added."""
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
    assert {key: now.get(key) for key in old} == old
    assert set(now.values()) - set(old.values()) == NEW_ENTITIES
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
