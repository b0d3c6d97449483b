"""A diagnostics download, replayed in the simulator, rebuilds the owner's devices and entities.

This is what a bug report is for: a developer feeds the owner's download to
``scripts/simulator --diagnostics FILE`` and sees the owner's gateway, with
pseudonyms where the serial numbers and the DIN were.
"""

from __future__ import annotations

from http import HTTPStatus
import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.powerwall_gateway.const import DOMAIN
from simulator import GatewaySimulator
from simulator.pytest_plugin import SimulatorFactory


async def add_gateway(hass: HomeAssistant, sim: GatewaySimulator) -> ConfigEntry:
    """Add the gateway from the UI with its address and password, as its owner does."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: sim.host, CONF_PASSWORD: sim.password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry: ConfigEntry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    return entry


def device_tree(hass: HomeAssistant, entry: ConfigEntry, names: dict[str, str]) -> dict[str, Any]:
    """The entry's devices and entities as a user sees them, with ``names`` renamed.

    Each device by its identifier: its name, model, the device it is linked
    to, and the keys of its entities (their unique ids without the device's
    prefix), disabled ones included.
    """

    def rename(text: str) -> str:
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, names[name])
        return text

    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    entries = dr.async_entries_for_config_entry(devices, entry.entry_id)
    identifier = {
        device.id: next(ident for domain, ident in device.identifiers if domain == DOMAIN)
        for device in entries
    }
    return {
        rename(identifier[device.id]): {
            "name": rename(device.name or ""),
            "model": device.model,
            "via": rename(identifier[device.via_device_id]) if device.via_device_id else None,
            "entities": sorted(
                entity.unique_id.removeprefix(f"{identifier[device.id]}_")
                for entity in er.async_entries_for_device(
                    entities, device.id, include_disabled_entities=True
                )
            ),
        }
        for device in entries
    }


def entity_states(hass: HomeAssistant, entry: ConfigEntry, names: dict[str, str]) -> dict[str, str]:
    """The state of every enabled entity of the entry, by platform and unique id, ``names`` renamed."""
    states: dict[str, str] = {}
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        unique_id = entity.unique_id
        for name in sorted(names, key=len, reverse=True):
            unique_id = unique_id.replace(name, names[name])
        if (state := hass.states.get(entity.entity_id)) is not None:
            states[f"{entity.domain} {unique_id}"] = state.state
    return states


@pytest.mark.parametrize(
    ("scenario", "batteries", "pseudonyms"),
    [
        ("normal", 3, ["**SERIAL_1**", "**SERIAL_2**", "**SERIAL_3**"]),
        # Two batteries reporting one serial, as in a real public payload: one device.
        ("duplicate_serials", 2, ["**SERIAL_1**", "**SERIAL_1**"]),
        # A battery reporting the DIN as its serial: the same collision replays.
        ("serial_equals_din", 2, ["**DIN**", "**SERIAL_1**"]),
    ],
)
async def test_diagnostics_download_replays_the_owners_gateway(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway_simulator_factory: SimulatorFactory,
    tmp_path: Path,
    scenario: str,
    batteries: int,
    pseudonyms: list[str],
) -> None:
    """Set up, download diagnostics, replay the download, set up again: the same devices."""
    owners = await gateway_simulator_factory(batteries=batteries, scenario=scenario)
    assert owners.din
    entry = await add_gateway(hass, owners)

    assert await async_setup_component(hass, "diagnostics", {})
    client = await hass_client()
    response = await client.get(f"/api/diagnostics/config_entry/{entry.entry_id}")
    assert response.status == HTTPStatus.OK
    download = tmp_path / "config_entry-powerwall_gateway.json"
    download.write_bytes(await response.read())

    # The file as Home Assistant hands it to the owner; what it calls the batteries and gateway.
    payloads = json.loads(download.read_text())["data"]["payloads"]
    listed = payloads["/api/powerwalls"]["powerwalls"]
    assert [battery["PackageSerialNumber"] for battery in listed] == pseudonyms
    assert payloads["/api/status"]["din"] == "**DIN**"
    names = dict(zip(owners.serials, pseudonyms, strict=True)) | {owners.din.upper(): "**DIN**"}
    expected_tree = device_tree(hass, entry, names)
    expected_states = entity_states(hass, entry, names)
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    replay = await gateway_simulator_factory(diagnostics_file=str(download))
    replayed = await add_gateway(hass, replay)

    tree = device_tree(hass, replayed, {})
    assert tree == expected_tree
    linked = [device["via"] for device in tree.values() if device["via"] is not None]
    assert linked == ["**DIN**"] * len(set(pseudonyms))
    assert entity_states(hass, replayed, {}) == expected_states
    assert await hass.config_entries.async_unload(replayed.entry_id)
