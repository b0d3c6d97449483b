"""Trust on first use: the gateway's certificate is pinned, and nothing goes to another one.

Everything here runs over real HTTPS against simulators, each with its own
self-signed certificate. An impostor is a simulator with another certificate,
answering where the gateway did (the same port, or the address DHCP reports)
and serving the gateway's DIN, which a real gateway hands to anyone.
"""

from __future__ import annotations

from http import HTTPStatus
import logging
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_DHCP,
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.powerwall_gateway.clients import CONF_CERTIFICATE_FINGERPRINT
from custom_components.powerwall_gateway.const import DOMAIN
from simulator import GatewaySimulator
from simulator.pytest_plugin import SimulatorFactory
from simulator.tls import generate_certificate

from .conftest import add_by_hand, poll, simulator_entry, state_of

GRID_STATUS = "sensor.backup_gateway_grid_status"
CHANGED = "does not trust, so nothing is sent to it"
GATEWAY_ADDRESS = "192.168.1.50"
DHCP_ADDRESS = "192.168.1.77"


def readable(fingerprint: str) -> str:
    """A fingerprint as the dialogs show it: colon-separated bytes, 8 to a row ("8B:B3:59:…")."""
    pairs = [fingerprint[i : i + 2].upper() for i in range(0, 64, 2)]
    return "\n".join(":".join(pairs[i : i + 8]) for i in range(0, 32, 8))


def logged(caplog: pytest.LogCaptureFixture, text: str) -> int:
    """How many lines at INFO or above mention ``text``."""
    return sum(
        1 for record in caplog.records if record.levelno >= logging.INFO and text in record.message
    )


def battery_entity(sim: GatewaySimulator) -> str:
    return f"sensor.powerwall_2_{sim.serials[0].lower()}_grid_compliance"


def issue_id(entry: MockConfigEntry) -> str:
    return f"certificate_changed_{entry.entry_id}"


def certificate_files(sim: GatewaySimulator, folder: Path) -> dict[str, str]:
    """``sim``'s certificate and key as files, to start another simulator with them."""
    folder.mkdir(exist_ok=True)
    (folder / "cert.pem").write_bytes(sim.certificate.cert_pem)
    (folder / "key.pem").write_bytes(sim.certificate.key_pem)
    return {"cert_file": str(folder / "cert.pem"), "key_file": str(folder / "key.pem")}


async def replace(
    factory: SimulatorFactory, running: GatewaySimulator, **kwargs: Any
) -> GatewaySimulator:
    """Stop ``running`` and start another simulator on its port.

    Without certificate files it has a certificate of its own: an impostor, or
    the gateway after a reset.
    """
    await running.stop()
    return await factory(port=running.port, **kwargs)


async def fix_flow(
    hass_client: ClientSessionGenerator, issue: str, user_input: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Open an issue's fix flow as the frontend does; submit ``user_input`` if given."""
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue}
    )
    assert response.status == HTTPStatus.OK
    result: dict[str, Any] = await response.json()
    if user_input is not None:
        response = await client.post(f"/api/repairs/issues/fix/{result['flow_id']}", json={})
        assert response.status == HTTPStatus.OK
        result = await response.json()
    return result


@pytest.fixture(autouse=True, scope="module")
def certificates_made_on_the_real_clock() -> None:
    """Make one certificate before any test here freezes the clock.

    These tests start simulators (each making a certificate) while the clock
    is frozen. ``cryptography`` keeps the datetime class it first meets: were
    that freezegun's, every later simulator outside a frozen clock would fail.
    """
    generate_certificate()


@pytest.fixture
async def repairs(hass: HomeAssistant) -> None:
    """Home Assistant's repairs, which run fix flows."""
    assert await async_setup_component(hass, "repairs", {})


async def test_certificate_change_sends_nothing_and_asks_the_user(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
    repairs: None,
) -> None:
    """Another certificate at the gateway's address: nothing sent, a repair issue, the user decides.

    The pinned check runs at the TLS handshake, before any request: the
    impostor receives no request at all, so no login, password or session.
    Closing the fix flow keeps refusing; submitting it trusts the new
    certificate, and the entry comes back.
    """
    gateway = await gateway_simulator_factory()
    entry = await add_by_hand(hass, gateway.host, gateway.password)
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == gateway.fingerprint
    assert state_of(hass, GRID_STATUS).state == "system_grid_connected"

    impostor = await replace(gateway_simulator_factory, gateway)
    assert impostor.fingerprint != gateway.fingerprint
    caplog.clear()
    for _ in range(3):
        await poll(hass, freezer)
    assert impostor.requests == []
    assert state_of(hass, GRID_STATUS).state == STATE_UNAVAILABLE
    # The live grid status and the flags: one warning says it all.
    assert state_of(hass, "binary_sensor.backup_gateway_updating").state == STATE_UNAVAILABLE
    assert logged(caplog, CHANGED) == 1
    issue = issue_registry.async_get_issue(DOMAIN, issue_id(entry))
    assert issue is not None
    assert issue.is_fixable
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders == {
        "host": gateway.host,
        "expected": readable(gateway.fingerprint),
        "actual": readable(impostor.fingerprint),
    }
    # The battery details too, at their next read, without another line: until
    # then they keep their last values, as the repair dialog says.
    assert state_of(hass, battery_entity(gateway)).state == "grid_compliant"
    await poll(hass, freezer, seconds=300)
    assert state_of(hass, battery_entity(gateway)).state == STATE_UNAVAILABLE
    assert impostor.requests == []
    assert logged(caplog, CHANGED) == 1

    # Declined: the dialog shows both fingerprints and is closed; nothing changes.
    shown = await fix_flow(hass_client, issue_id(entry))
    assert shown["type"] == FlowResultType.FORM
    assert shown["step_id"] == "confirm"
    assert shown["description_placeholders"] == issue.translation_placeholders
    response = await (await hass_client()).delete(f"/api/repairs/issues/fix/{shown['flow_id']}")
    assert response.status == HTTPStatus.OK
    await poll(hass, freezer)
    assert impostor.requests == []
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == gateway.fingerprint
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is not None

    # Accepted: the new certificate is trusted, the entry reloads and logs in once.
    result = await fix_flow(hass_client, issue_id(entry), {})
    assert result["type"] == FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == impostor.fingerprint
    assert entry.state is ConfigEntryState.LOADED
    assert state_of(hass, GRID_STATUS).state == "system_grid_connected"
    assert state_of(hass, battery_entity(gateway)).state == "grid_compliant"
    assert impostor.logins == 1
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is None


async def test_the_simulators_certificate_change_scenario(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    repairs: None,
) -> None:
    """`control certificate second`, then `certificate first`: the change and the way back.

    The simulator keeps running (the integration's pooled connection included):
    the other certificate still reaches nothing, and the first one back recovers.
    """
    gateway = await gateway_simulator_factory()
    entry = await add_by_hand(hass, gateway.host, gateway.password)
    first = gateway.fingerprint
    gateway.use_certificate("second")
    gateway.clear_requests()
    for _ in range(2):
        await poll(hass, freezer)
    assert gateway.requests == []
    assert state_of(hass, GRID_STATUS).state == STATE_UNAVAILABLE
    issue = issue_registry.async_get_issue(DOMAIN, issue_id(entry))
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["expected"] == readable(first)
    assert issue.translation_placeholders["actual"] == readable(gateway.fingerprint)

    gateway.use_certificate("first")
    await poll(hass, freezer)
    assert state_of(hass, GRID_STATUS).state == "system_grid_connected"
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is None


async def test_trusted_gateway_back_clears_the_certificate_issue(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
    repairs: None,
    tmp_path: Path,
) -> None:
    """An impostor that goes away again: the gateway is followed again, and the issue goes.

    A fix dialog still open then trusts nothing: that would shut the gateway out.
    """
    gateway = await gateway_simulator_factory()
    entry = await add_by_hand(hass, gateway.host, gateway.password)
    impostor = await replace(gateway_simulator_factory, gateway)
    for _ in range(2):
        await poll(hass, freezer)
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is not None
    shown = await fix_flow(hass_client, issue_id(entry))
    another = await replace(gateway_simulator_factory, impostor)
    await poll(hass, freezer)
    assert another.requests == []  # yet another device: still refused
    await replace(gateway_simulator_factory, another, **certificate_files(gateway, tmp_path))
    await poll(hass, freezer)
    assert state_of(hass, GRID_STATUS).state == "system_grid_connected"
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is None
    response = await (await hass_client()).post(
        f"/api/repairs/issues/fix/{shown['flow_id']}", json={}
    )
    assert (await response.json())["reason"] == "resolved"
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == gateway.fingerprint


async def test_certificate_change_at_setup_retries_with_the_issue(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
    repairs: None,
) -> None:
    """A mismatch met at start-up: setup retries (sending nothing), the issue fixes it."""
    gateway = await gateway_simulator_factory()
    entry = await add_by_hand(hass, gateway.host, gateway.password)
    assert await hass.config_entries.async_unload(entry.entry_id)
    impostor = await replace(gateway_simulator_factory, gateway)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert impostor.requests == []
    issue = issue_registry.async_get_issue(DOMAIN, issue_id(entry))
    assert issue is not None
    assert issue.translation_placeholders["actual"] == readable(impostor.fingerprint)
    await poll(hass, freezer, seconds=90)  # a setup retry: still nothing sent
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert impostor.requests == []
    result = await fix_flow(hass_client, issue_id(entry), {})
    assert result["type"] == FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert state_of(hass, GRID_STATUS).state == "system_grid_connected"


async def test_entry_without_a_certificate_trusts_the_first_one_it_sees(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An entry set up before certificates were recorded is protected from its next setup on."""
    gateway = await gateway_simulator_factory()
    entry = simulator_entry(gateway)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == gateway.fingerprint
    impostor = await replace(gateway_simulator_factory, gateway)
    for _ in range(2):
        await poll(hass, freezer)
    assert impostor.requests == []
    assert state_of(hass, GRID_STATUS).state == STATE_UNAVAILABLE


async def test_fix_flow_of_a_removed_entry_changes_nothing(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
    repairs: None,
) -> None:
    """Deleting the gateway while its fix flow is open: the flow ends, the issue is gone."""
    gateway = await gateway_simulator_factory()
    entry = await add_by_hand(hass, gateway.host, gateway.password)
    await replace(gateway_simulator_factory, gateway)
    await poll(hass, freezer)
    shown = await fix_flow(hass_client, issue_id(entry))
    await hass.config_entries.async_remove(entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry)) is None
    response = await (await hass_client()).post(
        f"/api/repairs/issues/fix/{shown['flow_id']}", json={}
    )
    result = await response.json()
    assert result["type"] == FlowResultType.ABORT
    assert result["reason"] == "resolved"


# ---------------------------------------------------------------- DHCP takeover


def dhcp(hostname: str) -> DhcpServiceInfo:
    return DhcpServiceInfo(ip=DHCP_ADDRESS, hostname=hostname, macaddress="aabbccddeeff")


async def gateway_gone(
    hass: HomeAssistant,
    factory: SimulatorFactory,
    lan: dict[str, GatewaySimulator],
    freezer: FrozenDateTimeFactory,
) -> tuple[MockConfigEntry, GatewaySimulator]:
    """A gateway set up at GATEWAY_ADDRESS that has just gone off the network."""
    gateway = lan[GATEWAY_ADDRESS] = await factory()
    entry = await add_by_hand(hass, GATEWAY_ADDRESS, gateway.password)
    await gateway.stop()
    await poll(hass, freezer)
    assert state_of(hass, GRID_STATUS).state == STATE_UNAVAILABLE
    return entry, gateway


async def test_dhcp_impostor_with_the_gateways_din_takes_nothing(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    lan: dict[str, GatewaySimulator],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A device claiming the gateway's host name and DIN, with another certificate, gets nothing.

    The entry stays where it is; the device is asked who it is (no password,
    no session) and then never again; nothing is offered to the user.
    """
    entry, gateway = await gateway_gone(hass, gateway_simulator_factory, lan, freezer)
    impostor = lan[DHCP_ADDRESS] = await gateway_simulator_factory()
    assert impostor.din == gateway.din
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(gateway.din.lower())
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "untrusted_certificate"
    assert entry.data[CONF_HOST] == GATEWAY_ADDRESS
    assert "does not present the certificate trusted for it" in caplog.text
    for _ in range(3):
        await poll(hass, freezer)
    await poll(hass, freezer, seconds=300)
    assert [(r.method, r.path, r.authenticated) for r in impostor.requests] == [
        ("GET", "/api/status", False)
    ]
    assert impostor.logins == 0
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_dhcp_follows_the_gateway_that_presents_its_certificate(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    lan: dict[str, GatewaySimulator],
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
) -> None:
    """The same gateway at a new address (same certificate) is followed, with its session."""
    entry, gateway = await gateway_gone(hass, gateway_simulator_factory, lan, freezer)
    moved = lan[DHCP_ADDRESS] = await gateway_simulator_factory(
        **certificate_files(gateway, tmp_path)
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(gateway.din.lower())
    )
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()
    assert entry.data[CONF_HOST] == DHCP_ADDRESS
    assert entry.state is ConfigEntryState.LOADED
    assert state_of(hass, GRID_STATUS).state == "system_grid_connected"
    assert moved.logins == 1  # a new simulator knows no session: the one login it costs


async def test_dhcp_device_without_din_never_matches_an_entry(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    lan: dict[str, GatewaySimulator],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A device with the gateway's host name but no DIN is only offered as a new gateway."""
    entry, gateway = await gateway_gone(hass, gateway_simulator_factory, lan, freezer)
    impostor = lan[DHCP_ADDRESS] = await gateway_simulator_factory()
    impostor.din = ""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=dhcp(gateway.din.lower())
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    flow = hass.config_entries.flow.async_get(result["flow_id"])
    assert flow["context"]["unique_id"] == "MAC-aa:bb:cc:dd:ee:ff"
    assert entry.data[CONF_HOST] == GATEWAY_ADDRESS
    assert impostor.logins == 0


async def test_user_typed_address_of_an_impostor_does_not_move_the_entry(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    lan: dict[str, GatewaySimulator],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Adding "the same gateway" at another address moves the entry only if it is the same one.

    A device reporting the entry's DIN with another certificate is not called
    "already set up": the form says the certificate is not the trusted one and
    to reconfigure the entry, and the log has a warning saying the same.
    """
    caplog.set_level(logging.WARNING)
    entry, _ = await gateway_gone(hass, gateway_simulator_factory, lan, freezer)
    impostor = lan[DHCP_ADDRESS] = await gateway_simulator_factory()
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_HOST: DHCP_ADDRESS, CONF_PASSWORD: impostor.password},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "untrusted_certificate"
    assert entry.data[CONF_HOST] == GATEWAY_ADDRESS
    assert impostor.logins == 0
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components")
        and r.levelno == logging.WARNING
        and "certificate" in r.getMessage()
    ]
    assert warnings == [
        (
            f"The device at {DHCP_ADDRESS} says it is the gateway set up at {GATEWAY_ADDRESS},"
            " but does not present the certificate trusted for it; the entry stays where it is."
            " If the gateway was replaced or reset, reconfigure the entry with its new address"
        )
    ]


# ------------------------------------------- re-authentication and reconfiguration

TYPED_PASSWORD = "typed-password"
# The confirmation that the gateway's new certificate is to be trusted: a ticked box.
TRUST = {"trust_certificate": True}


async def type_password(
    hass: HomeAssistant, entry: MockConfigEntry, flow: str, password: str
) -> dict[str, Any]:
    """Open the entry's re-authentication or reconfiguration and type ``password`` in it."""
    source = SOURCE_REAUTH if flow == "reauth" else SOURCE_RECONFIGURE
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": source, "entry_id": entry.entry_id}
    )
    user_input = {CONF_PASSWORD: password}
    if flow == "reconfigure":
        user_input[CONF_HOST] = entry.data[CONF_HOST]
    done: dict[str, Any] = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    return done


async def gateway_replaced(
    hass: HomeAssistant, factory: SimulatorFactory, **kwargs: Any
) -> tuple[MockConfigEntry, GatewaySimulator, GatewaySimulator]:
    """An entry that trusts its gateway's certificate; another device answers in its place."""
    gateway = await factory(**kwargs)
    entry = await add_by_hand(hass, gateway.host, gateway.password)
    assert await hass.config_entries.async_unload(entry.entry_id)
    other = await replace(factory, gateway, password=TYPED_PASSWORD, **kwargs)
    return entry, gateway, other


@pytest.mark.parametrize("flow", ["reauth", "reconfigure"])
@pytest.mark.parametrize("reports_din", [False, True], ids=["no_din", "gateway_din"])
async def test_entry_flows_send_no_password_to_another_certificate(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory, flow: str, reports_din: bool
) -> None:
    """An impostor at the gateway's address gets no login in re-authentication or reconfiguration.

    Reporting no DIN for an entry known by its DIN, it is another device: the
    flow ends. Reporting the gateway's DIN, which anyone can read and serve, it
    still presents another certificate: the person sees both fingerprints and
    decides. Either way it is asked only who it is, and the pin stays.
    """
    entry, gateway, impostor = await gateway_replaced(hass, gateway_simulator_factory)
    if not reports_din:
        impostor.din = ""
    result = await type_password(hass, entry, flow, TYPED_PASSWORD)
    if reports_din:
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "confirm_certificate"
        placeholders = result["description_placeholders"]
        assert placeholders["host"] == gateway.host
        assert placeholders["expected"] == readable(gateway.fingerprint)
        assert placeholders["actual"] == readable(impostor.fingerprint)
    else:
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "wrong_gateway"
    assert [(r.method, r.path, r.authenticated) for r in impostor.requests] == [
        ("GET", "/api/status", False)
    ]
    assert impostor.logins == 0
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == gateway.fingerprint
    assert entry.data[CONF_PASSWORD] == gateway.password


@pytest.mark.parametrize("flow", ["reauth", "reconfigure"])
async def test_entry_flows_trust_a_new_certificate_once_confirmed(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory, flow: str
) -> None:
    """A reset gateway (new certificate, new password) is trusted after the person confirms it."""
    entry, gateway, reset = await gateway_replaced(hass, gateway_simulator_factory)
    result = await type_password(hass, entry, flow, TYPED_PASSWORD)
    assert result["step_id"] == "confirm_certificate"
    # Submitted without the box ticked: asked again, nothing sent.
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "confirm_certificate"
    assert result["errors"] == {"trust_certificate": "trust_not_confirmed"}
    assert reset.logins == 0
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == gateway.fingerprint
    result = await hass.config_entries.flow.async_configure(result["flow_id"], TRUST)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == f"{flow}_successful"
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == reset.fingerprint
    assert entry.data[CONF_PASSWORD] == TYPED_PASSWORD
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert state_of(hass, GRID_STATUS).state == "system_grid_connected"
    assert reset.logins == 1  # the setup reuses the flow's session


async def test_confirmed_certificate_and_a_wrong_password(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """A wrong password after the confirmation: asked again, the certificate not asked again."""
    entry, gateway, reset = await gateway_replaced(hass, gateway_simulator_factory)
    result = await type_password(hass, entry, "reauth", "wrong")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], TRUST)
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {"base": "invalid_auth"}
    assert result["description_placeholders"]["host"] == gateway.host
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == gateway.fingerprint
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: TYPED_PASSWORD}
    )
    assert result["reason"] == "reauth_successful"
    assert reset.logins == 2
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == reset.fingerprint


async def test_reconfigure_confirmed_certificate_and_a_wrong_password(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """The reconfigure form comes back with the address typed, and the password empty."""
    entry, gateway, _ = await gateway_replaced(hass, gateway_simulator_factory)
    result = await type_password(hass, entry, "reconfigure", "wrong")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], TRUST)
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "invalid_auth"}
    schema_keys = {str(key): key for key in result["data_schema"].schema}
    assert schema_keys[CONF_HOST].description == {"suggested_value": gateway.host}
    assert schema_keys[CONF_PASSWORD].description is None
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == gateway.fingerprint


async def test_gateway_without_din_confirms_a_new_certificate_too(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """Older firmware has no DIN to tell devices apart: the certificate still decides."""
    entry, gateway, other = await gateway_replaced(
        hass, gateway_simulator_factory, scenario="no_din"
    )
    assert entry.unique_id is not None
    assert entry.unique_id.startswith("CERT-")
    result = await type_password(hass, entry, "reauth", TYPED_PASSWORD)
    assert result["step_id"] == "confirm_certificate"
    assert other.logins == 0
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == gateway.fingerprint


async def test_certificate_change_is_logged_once_per_change_in_words(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    repairs: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two changes, each seen by several polls and a setup retry: one line each, no fingerprints."""
    gateway = await gateway_simulator_factory()
    entry = await add_by_hand(hass, gateway.host, gateway.password)
    fingerprints = {gateway.fingerprint}
    caplog.clear()
    for _ in range(2):
        gateway.use_certificate("second")
        fingerprints.add(gateway.fingerprint)
        for _ in range(3):
            await poll(hass, freezer)
        await hass.config_entries.async_reload(entry.entry_id)
        await poll(hass, freezer)  # a setup retry
        assert entry.state is ConfigEntryState.SETUP_RETRY
        gateway.use_certificate("first")
        for _ in range(2):
            await poll(hass, freezer)
        assert entry.state is ConfigEntryState.LOADED
    changes = [r for r in caplog.records if "does not trust" in r.getMessage()]
    said = (
        f"The gateway at {gateway.host} presents a certificate Home Assistant does not"
        " trust, so nothing is sent to it. If you replaced or reset the gateway, trust its"
        " new certificate in Settings > System > Repairs; if not, another device may be"
        " answering at its address"
    )
    assert [(r.levelno, r.getMessage()) for r in changes] == 2 * [(logging.WARNING, said)]
    ours = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("custom_components.powerwall_gateway")
    ]
    assert len(ours) == 2, ours
    for record in caplog.records:
        text = record.getMessage()
        assert not any(fingerprint in text for fingerprint in fingerprints), text
