"""A site with two Backup Gateways that both report the same batteries (home-assistant/core#100065).

Each gateway shows the batteries it reports, on devices of its own, and
removing one gateway leaves the other's devices and entities as they were.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import GatewaySimulator

from .conftest import simulator_entry

SECOND_DIN = "1232100-00-E--TG987654321B2X"


def _registered(
    hass: HomeAssistant, entry: MockConfigEntry
) -> tuple[set[str], set[frozenset[tuple[str, str]]]]:
    """The entity ids (disabled ones included) and device identifiers of one entry."""
    entities = {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }
    devices = {
        frozenset(device.identifiers)
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    }
    return entities, devices


async def test_two_gateways_each_show_the_batteries_they_share(
    hass: HomeAssistant,
    simulator: GatewaySimulator,
    gateway_simulator_factory: Callable[..., Awaitable[GatewaySimulator]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Both gateways get a device per battery; deleting the second leaves the first whole."""
    second: Any = await gateway_simulator_factory()
    second.din = SECOND_DIN
    assert second.serials == simulator.serials  # the same batteries, seen from both
    entries = []
    for sim in (simulator, second):
        entry = simulator_entry(sim)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        entries.append(entry)
    first_entities, first_devices = _registered(hass, entries[0])
    second_entities, second_devices = _registered(hass, entries[1])
    assert "does not generate unique IDs" not in caplog.text
    # A gateway device and one device per battery each, and as many entities each.
    assert len(first_devices) == len(second_devices) == 1 + len(simulator.serials)
    assert len(first_entities) == len(second_entities)
    assert not first_entities & second_entities
    assert not first_devices & second_devices
    registry = er.async_get(hass)
    enabled = [e for e in (*first_entities, *second_entities) if not registry.async_get(e).disabled]
    assert len(enabled) < len(first_entities) + len(second_entities)  # the check sensors
    for entity_id in enabled:
        assert hass.states.get(entity_id) is not None, entity_id
    assert await hass.config_entries.async_remove(entries[1].entry_id)
    await hass.async_block_till_done()
    assert _registered(hass, entries[0]) == (first_entities, first_devices)
    await hass.config_entries.async_unload(entries[0].entry_id)
    await hass.async_block_till_done()
