"""Who a gateway is: one entry per gateway, whatever it reports and however it is found.

Over real HTTPS with the simulator: a gateway without a DIN that gains one, two
gateways without a DIN that see the same batteries, and a Powerwall 3 whose
restricted local API has no /api/status at all.
"""

from __future__ import annotations

import hashlib

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_DHCP,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_MAC, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.setup import async_setup_component
from homeassistant.util import slugify
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.powerwall_gateway.clients import CONF_CERTIFICATE_FINGERPRINT
from custom_components.powerwall_gateway.const import DOMAIN
from simulator import GatewaySimulator
from simulator.pytest_plugin import SimulatorFactory

from .conftest import add_by_hand, poll, state_of

GATEWAY_ADDRESS = "192.168.1.50"
DHCP_ADDRESS = "192.168.1.77"
OTHER_DIN = "1232100-00-E--TG999999999XXX"
GRID_CONNECTED = "binary_sensor.backup_gateway_grid_connected"


def dhcp(address: str) -> DhcpServiceInfo:
    return DhcpServiceInfo(ip=address, hostname="teslapw_abc", macaddress="aabbccddeeff")


def entity_ids(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Entity id -> unique id of every entity of ``entry``."""
    registry = er.async_get(hass)
    return {
        entity.entity_id: entity.unique_id
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
    }


def grid_connected_of(host: str) -> str:
    """Grid connected of a gateway without a DIN, whose device is named with its address."""
    return f"binary_sensor.{slugify(f'Backup Gateway {host}')}_grid_connected"


def cert_identity(sim: GatewaySimulator) -> str:
    """The identity of a gateway without a DIN: the certificate it presented."""
    return f"CERT-{sim.fingerprint[:16].upper()}"


async def test_gateway_that_gains_a_din_keeps_one_entry(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    lan: dict[str, GatewaySimulator],
) -> None:
    """A firmware update makes the DIN appear: discovery offers nothing; the entry moves to it.

    Same address, same trusted certificate: the same gateway. Its entry reloads
    and takes the DIN in place, every entity id kept.
    """
    sim = lan[GATEWAY_ADDRESS] = await gateway_simulator_factory(scenario="no_din")
    entry = await add_by_hand(hass, GATEWAY_ADDRESS, sim.password)
    assert entry.unique_id is not None
    assert "--" not in entry.unique_id  # no DIN
    before = entity_ids(hass, entry)
    assert any(entity_id.startswith("sensor.powerwall_2_") for entity_id in before)
    sim.set_scenario("normal")  # the firmware update: now it reports its DIN
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(GATEWAY_ADDRESS)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()
    assert hass.config_entries.async_entries(DOMAIN) == [entry]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.unique_id == sim.din.upper()
    after = entity_ids(hass, entry)
    assert after.keys() == before.keys()
    assert all(unique_id.startswith(f"{entry.unique_id}_") for unique_id in after.values())


async def test_dhcp_does_not_offer_a_gateway_known_by_its_certificate_or_mac(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    lan: dict[str, GatewaySimulator],
) -> None:
    """The same DIN-less gateway seen at another address, or with a known MAC, is not new."""
    sim = lan[GATEWAY_ADDRESS] = lan[DHCP_ADDRESS] = await gateway_simulator_factory(
        scenario="no_din"
    )
    entry = await add_by_hand(hass, GATEWAY_ADDRESS, sim.password)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(DHCP_ADDRESS)
    )
    assert result["reason"] == "already_configured"
    # A working gateway keeps its address (it may be on Ethernet and Wi-Fi).
    assert entry.data[CONF_HOST] == GATEWAY_ADDRESS
    other = lan["192.168.1.78"] = await gateway_simulator_factory(scenario="no_din")
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_MAC: "aa:bb:cc:dd:ee:ff"}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp("192.168.1.78")
    )
    assert result["reason"] == "already_configured"
    assert other.logins == 0
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_reconfigure_to_another_configured_gateway_is_refused(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    lan: dict[str, GatewaySimulator],
) -> None:
    """A DIN-less entry cannot be pointed at a gateway that has an entry of its own.

    The flow names that entry, sends no password there, and changes nothing.
    """
    first = lan[GATEWAY_ADDRESS] = await gateway_simulator_factory(scenario="no_din")
    second = lan[DHCP_ADDRESS] = await gateway_simulator_factory()
    second.din = OTHER_DIN
    entry = await add_by_hand(hass, GATEWAY_ADDRESS, first.password)
    other = await add_by_hand(hass, DHCP_ADDRESS, second.password)
    second.clear_requests()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: DHCP_ADDRESS, CONF_PASSWORD: second.password}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "other_gateway_configured"
    assert result["description_placeholders"] == {"title": other.title}
    assert second.logins == 0
    assert entry.data[CONF_HOST] == GATEWAY_ADDRESS
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == first.fingerprint
    assert entry.unique_id == cert_identity(first)
    assert other.unique_id == OTHER_DIN


async def test_two_gateways_without_a_din_that_see_the_same_batteries_are_both_added(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """Two Backup Gateways of one site, on firmware without a DIN: two entries, both loaded."""
    first = await gateway_simulator_factory(scenario="no_din")
    second = await gateway_simulator_factory(scenario="no_din")
    assert first.serials == second.serials
    one = await add_by_hand(hass, first.host, first.password)
    two = await add_by_hand(hass, second.host, second.password)
    assert {one.unique_id, two.unique_id} == {cert_identity(first), cert_identity(second)}
    serial = first.serials[0].lower()
    compliance = [
        entity_id
        for entry in (one, two)
        for entity_id in entity_ids(hass, entry)
        if entity_id.startswith(f"sensor.powerwall_2_{serial}") and "grid_compliance" in entity_id
    ]
    assert len(compliance) == 2
    assert all(state_of(hass, entity_id).state != "unavailable" for entity_id in compliance)


async def test_powerwall3_is_added_from_the_form(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Only the login and the live endpoints answer: the certificate first, then the password.

    The entry goes by the certificate, shows the live grid status and an outage,
    and says once in a repair issue what the gateway does not offer.
    """
    sim = await gateway_simulator_factory(scenario="restricted_surface")
    entry = await add_by_hand(hass, sim.host, sim.password)
    assert entry.title == f"Backup Gateway {sim.host}"
    assert entry.unique_id == cert_identity(sim)
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == sim.fingerprint
    first = sim.requests[0]
    assert (first.path, first.authenticated, first.status) == ("/api/status", False, 404)
    grid_connected = state_of(hass, grid_connected_of(sim.host))
    assert grid_connected.state == "on"
    assert grid_connected.name == f"Backup Gateway {sim.host} Grid connected"
    assert issue_registry.async_get_issue(DOMAIN, f"restricted_api_{entry.entry_id}")
    sim.set_scenario("restricted_surface", grid_status="SystemIslandedActive")
    await poll(hass, freezer, seconds=10)
    assert state_of(hass, grid_connected_of(sim.host)).state == "off"


async def test_powerwall3_is_added_from_discovery_and_not_offered_again(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    lan: dict[str, GatewaySimulator],
) -> None:
    """DHCP finds a Powerwall 3: asked only for the password; once added, never offered again."""
    sim = lan[DHCP_ADDRESS] = await gateway_simulator_factory(scenario="restricted_surface")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(DHCP_ADDRESS)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert sim.logins == 0
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: sim.password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.unique_id == cert_identity(sim)
    assert entry.data[CONF_MAC] == "aa:bb:cc:dd:ee:ff"
    assert state_of(hass, grid_connected_of(DHCP_ADDRESS)).state == "on"
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(DHCP_ADDRESS)
    )
    assert result["reason"] == "already_configured"


async def test_entry_whose_gateway_restricts_its_api_keeps_loading(
    hass: HomeAssistant, sim_entry: MockConfigEntry, simulator: GatewaySimulator
) -> None:
    """A firmware update takes /api/status away: setup confirms the gateway by its login."""
    identity = sim_entry.unique_id
    simulator.set_scenario("restricted_surface")
    assert await hass.config_entries.async_reload(sim_entry.entry_id)
    await hass.async_block_till_done()
    assert sim_entry.state is ConfigEntryState.LOADED
    assert sim_entry.unique_id == identity
    assert state_of(hass, GRID_CONNECTED).state == "on"


async def test_entry_known_by_its_batteries_keeps_its_identity_and_is_recognised(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    lan: dict[str, GatewaySimulator],
) -> None:
    """An entry of the last release, known by a hash of its battery serials, keeps loading.

    Its entities keep their ids; the certificate it pinned at its first setup
    lets the form and discovery recognise its gateway.
    """
    sim = lan[GATEWAY_ADDRESS] = lan[DHCP_ADDRESS] = await gateway_simulator_factory(
        scenario="no_din"
    )
    serials = ",".join(sorted(sim.serials))
    old = "SERIALS-" + hashlib.sha256(serials.encode()).hexdigest()[:16].upper()
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=old,
        data={CONF_HOST: GATEWAY_ADDRESS, CONF_PASSWORD: sim.password},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    before = entity_ids(hass, entry)
    assert all(unique_id.startswith(f"{old}_") for unique_id in before.values())
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == sim.fingerprint
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.unique_id == old
    assert entity_ids(hass, entry) == before
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(DHCP_ADDRESS)
    )
    assert result["reason"] == "already_configured"
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_HOST: DHCP_ADDRESS, CONF_PASSWORD: sim.password},
    )
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_two_powerwall3_gateways_are_told_apart(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """Two gateways without a DIN: their devices and their outage statistics named apart."""
    sims = [await gateway_simulator_factory(scenario="restricted_surface") for _ in range(2)]
    for sim in sims:
        await add_by_hand(hass, sim.host, sim.password)
    devices = list(dr.async_get(hass).devices)
    assert sorted(device.name for device in devices) == sorted(
        f"Backup Gateway {sim.host}" for sim in sims
    )
    outages = sorted(
        state.name for state in hass.states.async_all("sensor") if "grid_outages" in state.entity_id
    )
    assert outages == sorted(f"Backup Gateway {sim.host} Grid outages" for sim in sims)


async def test_restricted_api_issue_is_acknowledged_once_and_for_all(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
) -> None:
    """What a Powerwall 3 lacks is said once: "Understood" removes it, also after a reload."""
    assert await async_setup_component(hass, "repairs", {})
    sim = await gateway_simulator_factory(scenario="restricted_surface")
    entry = await add_by_hand(hass, sim.host, sim.password)
    issue_id = f"restricted_api_{entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    shown = await response.json()
    assert (shown["type"], shown["step_id"]) == ("form", "confirm")
    assert shown["description_placeholders"] == {"host": sim.host}
    response = await client.post(f"/api/repairs/issues/fix/{shown['flow_id']}", json={})
    assert (await response.json())["type"] == "create_entry"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
