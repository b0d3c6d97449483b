"""The config flow: by hand, by DHCP discovery, re-authentication, reconfiguration, options."""

from __future__ import annotations

from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_DHCP,
    SOURCE_IGNORE,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
)
from homeassistant.const import CONF_EMAIL, CONF_HOST, CONF_MAC, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.translation import async_get_translations
import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, start_reauth_flow

from custom_components.powerwall_gateway.api import (
    GatewayInfo,
    PowerwallAuthenticationError,
    PowerwallBusyError,
    PowerwallCertificateError,
    PowerwallConnectionError,
    PowerwallError,
    PowerwallInvalidResponseError,
    PowerwallNotGatewayError,
    PowerwallRateLimitError,
    PowerwallTimeoutError,
    PowerwallUnsupportedError,
)
from custom_components.powerwall_gateway.clients import (
    CONF_CERTIFICATE_FINGERPRINT,
    COOLDOWNS,
)
from custom_components.powerwall_gateway.const import (
    CONF_GRID_INTERVAL,
    CONF_POWERWALLS_INTERVAL,
    CONF_SCAN_INTERVAL,
    CONF_SESSION,
    DOMAIN,
)
from simulator import GatewaySimulator, RateLimit
from simulator.pytest_plugin import SimulatorFactory

from .conftest import DIN, HOST, PASSWORD, SESSION, poll, simulator_entry

DHCP = DhcpServiceInfo(ip="192.168.1.77", hostname=DIN.lower(), macaddress="aabbccddeeff")
# The certificate the mocked client reports (see conftest.mock_client).
FINGERPRINT = "ab" * 32


def trust(hass: HomeAssistant, entry: MockConfigEntry, fingerprint: str = FINGERPRINT) -> None:
    """Make ``entry`` trust a certificate, as an entry created or set up now does."""
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_CERTIFICATE_FINGERPRINT: fingerprint}
    )


async def test_user_flow_against_simulator(
    hass: HomeAssistant, simulator: GatewaySimulator
) -> None:
    """A person types the address and password; the entry keeps the session it got."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: simulator.host, CONF_PASSWORD: simulator.password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Backup Gateway TG123456789A4M"
    assert result["result"].unique_id == simulator.din.upper()
    data = result["data"]
    assert data[CONF_HOST] == simulator.host
    assert data[CONF_PASSWORD] == simulator.password
    assert data[CONF_EMAIL] == ""
    assert set(data[CONF_SESSION]) >= {"token"}
    await hass.async_block_till_done()
    # Setting up right after the flow reuses the flow's session.
    assert simulator.logins == 1


@pytest.mark.parametrize(
    ("scenario", "error"),
    [("powerwall3", "unsupported"), ("busy", "busy"), ("html_error", "invalid_response")],
)
async def test_user_flow_gateway_errors(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory, scenario: str, error: str
) -> None:
    """A Powerwall 3, a busy site controller and garbage answers each get their own message."""
    sim = await gateway_simulator_factory(scenario=scenario)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_HOST: sim.host, CONF_PASSWORD: sim.password},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}


async def test_user_flow_wrong_password_then_right(
    hass: HomeAssistant, simulator: GatewaySimulator
) -> None:
    """A wrong password shows an error, keeps the host, and the next try succeeds."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_HOST: simulator.host, CONF_PASSWORD: "wrong"},
    )
    assert result["errors"] == {"base": "invalid_auth"}
    schema_keys = {str(key): key for key in result["data_schema"].schema}
    assert schema_keys[CONF_HOST].description == {"suggested_value": simulator.host}
    assert schema_keys[CONF_PASSWORD].description is None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: simulator.host, CONF_PASSWORD: simulator.password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_not_a_gateway(hass: HomeAssistant, mock_client: MagicMock) -> None:
    """Some other web server at the address is named as such."""
    mock_client.get_gateway_info.side_effect = PowerwallNotGatewayError("nope")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: HOST, CONF_PASSWORD: PASSWORD}
    )
    assert result["errors"] == {"base": "not_gateway"}


async def test_device_with_neither_api_status_nor_a_login_is_not_a_gateway(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """Go's "404 page not found" for /api/status and for the login too: some other web server."""
    mock_client.get_gateway_info.side_effect = PowerwallUnsupportedError("no /api/status")
    mock_client.login.side_effect = PowerwallUnsupportedError("no login")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: HOST, CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "not_gateway"}


@pytest.mark.parametrize(
    ("exception", "error"),
    [
        (PowerwallConnectionError("refused"), "cannot_connect"),
        (PowerwallTimeoutError("slow"), "cannot_connect"),
        (PowerwallAuthenticationError("bad"), "invalid_auth"),
        (PowerwallBusyError("busy", status=503), "busy"),
        (PowerwallUnsupportedError("pw3"), "unsupported"),
        # The certificate changed between the identity read and the login: nothing sent.
        (PowerwallCertificateError("changed", expected="ab", actual="cd"), "certificate_changed"),
        (PowerwallInvalidResponseError("html"), "invalid_response"),
        (PowerwallError("odd"), "unknown"),
    ],
)
async def test_user_flow_login_errors(
    hass: HomeAssistant, mock_client: MagicMock, exception: Exception, error: str
) -> None:
    """Each failure of the login gets its own message, and the flow recovers from it."""
    mock_client.login.side_effect = exception
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: HOST, CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    mock_client.login.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SESSION] == SESSION


async def test_user_flow_rate_limited_waits(hass: HomeAssistant, mock_client: MagicMock) -> None:
    """A rate-limited login says how long to wait, and the flow does not ask again before."""
    mock_client.login.side_effect = PowerwallRateLimitError("429", retry_after=290)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: HOST, CONF_PASSWORD: PASSWORD}
    )
    assert result["errors"] == {"base": "rate_limited"}
    assert result["description_placeholders"]["minutes"] == "5"
    mock_client.login.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PASSWORD: PASSWORD}
    )
    assert result["errors"] == {"base": "rate_limited"}
    assert mock_client.login.call_count == 1


@pytest.mark.parametrize("host", ["", "gateway/path", "host:99999", "two words"])
async def test_user_flow_invalid_host(
    hass: HomeAssistant, mock_client: MagicMock, host: str
) -> None:
    """An address that cannot be a host is refused before anything is sent."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: host, CONF_PASSWORD: PASSWORD}
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    mock_client.get_gateway_info.assert_not_called()


async def test_invalid_host_reads_in_german_only(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """The message names what a host may hold in the form's language, no English inside."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_HOST: "not a host!", CONF_PASSWORD: PASSWORD},
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    german = await async_get_translations(hass, "de", "config", {DOMAIN})
    message = german[f"component.{DOMAIN}.config.error.invalid_host"]
    assert message.format(**(result["description_placeholders"] or {})) == (
        "Das ist weder eine IP-Adresse noch ein Hostname. Gib nur die Adresse des Gateways"
        " ein, wahlweise mit Port (zum Beispiel 192.168.1.50 oder 192.168.1.50:443): ohne"
        " Leerzeichen, ohne https:// und ohne Pfad."
    )


async def test_user_flow_already_configured(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """The same gateway cannot be added twice; its address is updated instead."""
    mock_config_entry.add_to_hass(hass)
    trust(hass, mock_config_entry)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_HOST: "192.168.1.99", CONF_PASSWORD: PASSWORD},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert mock_config_entry.data[CONF_HOST] == "192.168.1.99"
    mock_client.login.assert_not_called()


async def test_user_flow_without_din(hass: HomeAssistant, mock_client: MagicMock) -> None:
    """Older firmware without a DIN still gets a stable unique id."""
    mock_client.get_gateway_info.return_value = GatewayInfo(version="20.49.0")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: HOST, CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == "1234567-00-E--TG123456789A4M"


async def test_gateway_without_din_is_titled_by_its_address(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """Older firmware reports no DIN: the entry is named by the address its owner typed.

    Its identity is the certificate it presented, which no one recognises in a title.
    """
    sim = await gateway_simulator_factory(scenario="no_din")
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_HOST: sim.host, CONF_PASSWORD: sim.password},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Backup Gateway {sim.host}"
    assert result["result"].unique_id == f"CERT-{sim.fingerprint[:16].upper()}"


async def test_dhcp_discovery_asks_for_password(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """A discovered gateway is confirmed with its password; none is guessed."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"] == {"host": "192.168.1.77"}
    mock_client.login.assert_not_called()
    mock_client.login.side_effect = PowerwallAuthenticationError("bad")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    mock_client.login.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "192.168.1.77"
    assert result["data"][CONF_MAC] == "aa:bb:cc:dd:ee:ff"


async def test_dhcp_known_gateway_moves(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A known gateway that lost contact is followed to its new address, without a question."""
    mock_config_entry.add_to_hass(hass)
    trust(hass, mock_config_entry)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert mock_config_entry.data[CONF_HOST] == "192.168.1.77"
    assert mock_config_entry.data[CONF_MAC] == "aa:bb:cc:dd:ee:ff"
    mock_client.login.assert_not_called()


async def test_dhcp_working_gateway_keeps_its_address(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: MagicMock
) -> None:
    """A gateway that answers where it is (say on Ethernet) is not moved to its Wi-Fi address."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    assert result["reason"] == "already_configured"
    assert init_integration.data[CONF_HOST] == HOST


async def test_dhcp_keeps_a_host_name_the_user_typed(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """A host name the user chose is never replaced by an address."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=DIN, data={CONF_HOST: "powerwall.lan", CONF_PASSWORD: PASSWORD}
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "powerwall.lan"


async def test_dhcp_device_claiming_a_gateway_hostname(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A device with a gateway's hostname but another DIN does not take over its entry."""
    mock_config_entry.add_to_hass(hass)
    mock_client.get_gateway_info.return_value = GatewayInfo(din="1232100-00-E--TG999999999XXX")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    assert result["step_id"] == "discovery_confirm"
    assert mock_config_entry.data[CONF_HOST] == HOST


async def test_dhcp_known_gateway_other_hostname(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A "teslapw_" hostname is matched by the DIN the gateway reports."""
    mock_config_entry.add_to_hass(hass)
    trust(hass, mock_config_entry)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip="192.168.1.78", hostname="teslapw_abc", macaddress="aabbccddeeff"),
    )
    assert result["reason"] == "already_configured"
    assert mock_config_entry.data[CONF_HOST] == "192.168.1.78"


async def test_dhcp_gateway_without_din_gets_the_same_identity_as_by_hand(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """Older firmware without a DIN: the discovery goes by MAC until the password is confirmed.

    The entry then has the identity the manual form derives, not one from a host name
    any device can claim.
    """
    mock_client.get_gateway_info.return_value = GatewayInfo(version="20.49.0")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    assert result["step_id"] == "discovery_confirm"
    flow = hass.config_entries.flow.async_get(result["flow_id"])
    assert flow["context"]["unique_id"] == "MAC-aa:bb:cc:dd:ee:ff"
    assert flow["context"]["title_placeholders"] == {"name": "192.168.1.77"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == "1234567-00-E--TG123456789A4M"


async def test_dhcp_gateway_without_din_at_a_known_address(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """A DIN-less gateway already set up at the discovered address is not offered again."""
    MockConfigEntry(
        domain=DOMAIN,
        unique_id="SERIALS-0123456789ABCDEF",
        data={CONF_HOST: "192.168.1.77", CONF_PASSWORD: PASSWORD},
    ).add_to_hass(hass)
    mock_client.get_gateway_info.return_value = GatewayInfo(version="20.49.0")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    mock_client.login.assert_not_called()


@pytest.mark.parametrize(
    ("exception", "reason"),
    [
        (PowerwallNotGatewayError("web server"), "not_gateway"),
        (PowerwallConnectionError("refused"), "cannot_connect"),
    ],
)
async def test_dhcp_not_a_gateway(
    hass: HomeAssistant, mock_client: MagicMock, exception: Exception, reason: str
) -> None:
    """A discovered device that is not a reachable gateway is dropped quietly."""
    mock_client.get_gateway_info.side_effect = exception
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def test_reauth(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A new password is checked and stored, and the entry reloads."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["host"] == HOST
    mock_client.login.side_effect = PowerwallAuthenticationError("bad")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    mock_client.login.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-password"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_PASSWORD] == "new-password"
    await hass.async_block_till_done()  # the reload the flow scheduled


async def test_reauth_other_gateway(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A password that opens a different gateway is refused."""
    mock_config_entry.add_to_hass(hass)
    mock_client.get_gateway_info.return_value = GatewayInfo(din="1232100-00-E--TG999999999XXX")
    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-password"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_gateway"
    assert mock_config_entry.data[CONF_PASSWORD] == PASSWORD


async def test_reauth_entry_without_din(hass: HomeAssistant, mock_client: MagicMock) -> None:
    """An entry identified by battery serials (no DIN) still re-authenticates after a battery swap."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="SERIALS-0123456789ABCDEF",
        data={CONF_HOST: HOST, CONF_PASSWORD: PASSWORD},
    )
    entry.add_to_hass(hass)
    mock_client.get_gateway_info.return_value = GatewayInfo(version="20.49.0")
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-password"}
    )
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == "new-password"
    await hass.async_block_till_done()  # the reload the flow scheduled


async def test_reconfigure(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """The address and password can change; the form starts from the current ones."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    schema_keys = {str(key): key for key in result["data_schema"].schema}
    assert schema_keys[CONF_HOST].description == {"suggested_value": HOST}
    mock_client.get_gateway_info.side_effect = PowerwallConnectionError("refused")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.60", CONF_PASSWORD: "new"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    mock_client.get_gateway_info.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.60", CONF_PASSWORD: "new"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_HOST] == "192.168.1.60"
    assert mock_config_entry.data[CONF_PASSWORD] == "new"
    await hass.async_block_till_done()  # the reload the flow scheduled


async def test_reconfigure_other_gateway(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Pointing an entry at a different gateway is refused."""
    mock_config_entry.add_to_hass(hass)
    mock_client.get_gateway_info.return_value = GatewayInfo(din="1232100-00-E--TG999999999XXX")
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.60", CONF_PASSWORD: "new"}
    )
    assert result["reason"] == "wrong_gateway"
    assert mock_config_entry.data[CONF_HOST] == HOST


async def test_options(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: MagicMock
) -> None:
    """The polling intervals can be changed, and the entry reloads with them."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_GRID_INTERVAL: 5.0, CONF_SCAN_INTERVAL: 15.0, CONF_POWERWALLS_INTERVAL: 600.0},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == {
        CONF_GRID_INTERVAL: 5,
        CONF_SCAN_INTERVAL: 15,
        CONF_POWERWALLS_INTERVAL: 600,
    }
    coordinator = init_integration.runtime_data
    assert coordinator.update_interval.total_seconds() == 5
    assert coordinator.flag_reads.interval.total_seconds() == 15
    assert coordinator.battery_reads.interval.total_seconds() == 600


BOUNDS = {
    CONF_GRID_INTERVAL: (5, 300),
    CONF_SCAN_INTERVAL: (10, 300),
    CONF_POWERWALLS_INTERVAL: (60, 3600),
}
WITHIN = {CONF_GRID_INTERVAL: 10, CONF_SCAN_INTERVAL: 30, CONF_POWERWALLS_INTERVAL: 600}


async def test_options_are_whole_seconds_boxes_with_bounds(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The form shows each interval as a box of whole seconds that knows its bounds."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    # What the frontend receives, as Home Assistant's flow view serialises it.
    fields = vol.to_field_list(result["data_schema"], custom_serializer=cv.custom_serializer)
    assert {field["name"]: field["selector"] for field in fields} == {
        field: {
            "number": {
                "min": low,
                "max": high,
                "step": 1,
                "unit_of_measurement": "s",
                "mode": "box",
            }
        }
        for field, (low, high) in BOUNDS.items()
    }


async def test_options_store_whole_seconds(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """What the form sends (numbers, or text) is stored as whole seconds."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_GRID_INTERVAL: "5", CONF_SCAN_INTERVAL: 15.0, CONF_POWERWALLS_INTERVAL: 3600},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == {
        CONF_GRID_INTERVAL: 5,
        CONF_SCAN_INTERVAL: 15,
        CONF_POWERWALLS_INTERVAL: 3600,
    }
    assert {type(value) for value in init_integration.options.values()} == {int}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (CONF_GRID_INTERVAL, 2),
        (CONF_GRID_INTERVAL, 301),
        (CONF_SCAN_INTERVAL, 9),
        (CONF_SCAN_INTERVAL, 301),
        (CONF_POWERWALLS_INTERVAL, 59),
        (CONF_POWERWALLS_INTERVAL, 3601),
        (CONF_GRID_INTERVAL, 10.5),
    ],
)
async def test_options_out_of_bounds(
    hass: HomeAssistant, init_integration: MockConfigEntry, field: str, value: float
) -> None:
    """An interval outside the safe bounds gets a translated error at its own field.

    The form keeps what was typed, and a value within the bounds then goes through.
    """
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**WITHIN, field: value}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: f"{field}_out_of_range"}
    low, high = BOUNDS[field]
    assert result["description_placeholders"][f"{field}_min"] == str(low)
    assert result["description_placeholders"][f"{field}_max"] == str(high)
    schema_keys = {str(key): key for key in result["data_schema"].schema}
    assert schema_keys[field].description == {"suggested_value": value}
    result = await hass.config_entries.options.async_configure(result["flow_id"], WITHIN)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == WITHIN


async def test_options_errors_name_each_field(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Every field out of bounds has its own error, in English and the other languages."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_GRID_INTERVAL: 2, CONF_SCAN_INTERVAL: 2, CONF_POWERWALLS_INTERVAL: 2},
    )
    assert result["errors"] == {field: f"{field}_out_of_range" for field in BOUNDS}
    english = await async_get_translations(hass, "en", "options", {DOMAIN})
    message = english[f"component.{DOMAIN}.options.error.grid_interval_out_of_range"]
    assert message.format(**result["description_placeholders"]) == (
        "Enter a whole number of seconds from 5 to 300."
    )


async def test_reconfigure_host_keeps_the_password(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Moving the gateway to a new address does not need the password again."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.61"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_HOST] == "192.168.1.61"
    assert mock_config_entry.data[CONF_PASSWORD] == PASSWORD
    await hass.async_block_till_done()  # the reload the flow scheduled


async def test_reconfigure_with_an_emptied_password_keeps_it(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A cleared password field means "keep it", not "log in with nothing"."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.62", CONF_PASSWORD: ""}
    )
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_PASSWORD] == PASSWORD
    await hass.async_block_till_done()  # the reload the flow scheduled


async def test_reauth_waits_out_the_entrys_rate_limit(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Re-authenticating does not ask a gateway that still rate-limits this entry."""
    mock_config_entry.add_to_hass(hass)
    hass.data[COOLDOWNS] = {HOST: hass.loop.time() + 600}
    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-password"}
    )
    assert result["errors"] == {"base": "rate_limited"}
    assert result["description_placeholders"]["minutes"] == "10"
    mock_client.get_gateway_info.assert_not_called()
    mock_client.login.assert_not_called()


async def test_dhcp_ignored_gateway_is_left_alone(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """A gateway the user chose to ignore is not offered again (and nothing breaks)."""
    MockConfigEntry(domain=DOMAIN, unique_id=DIN, source=SOURCE_IGNORE, data={}).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("stored", "moves"),
    [
        ("192.168.1.50:8443", True),
        ("[fe80::1]:443", True),
        ("[fe80::1]", True),
        ("gateway.lan:8443", False),
    ],
)
async def test_dhcp_moves_only_entries_that_store_an_address(
    hass: HomeAssistant, mock_client: MagicMock, stored: str, moves: bool
) -> None:
    """Addresses with ports and IPv6 addresses are followed; host names are kept."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DIN,
        data={
            CONF_HOST: stored,
            CONF_PASSWORD: PASSWORD,
            CONF_CERTIFICATE_FINGERPRINT: FINGERPRINT,
        },
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == ("192.168.1.77" if moves else stored)


OTHER_DIN = "1232100-00-E--TG999999999XXX"
# The confirmation that the gateway's new certificate is to be trusted: a ticked box.
TRUST = {"trust_certificate": True}


async def test_flows_record_the_certificate_that_took_the_password(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """Adding, re-authenticating and reconfiguring each store the certificate the user confirmed."""
    gateway = await gateway_simulator_factory()
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_HOST: gateway.host, CONF_PASSWORD: gateway.password},
    )
    entry = result["result"]
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == gateway.fingerprint
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)
    # The gateway, reset: a new certificate at a new address, confirmed by reconfiguring.
    reset = await gateway_simulator_factory()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    # The stored password does not go to a new certificate by itself...
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: reset.host}
    )
    assert result["errors"] == {CONF_PASSWORD: "confirm_new_certificate"}
    assert reset.logins == 0
    # ...the person types it, and confirms the new certificate.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: reset.host, CONF_PASSWORD: reset.password}
    )
    assert result["step_id"] == "confirm_certificate"
    assert reset.logins == 0
    result = await hass.config_entries.flow.async_configure(result["flow_id"], TRUST)
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == reset.fingerprint
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)
    # Reset again, with a new password: re-authentication confirms the certificate too.
    await reset.stop()
    again = await gateway_simulator_factory(password="new-password", port=reset.port)
    result = await start_reauth_flow(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-password"}
    )
    assert result["step_id"] == "confirm_certificate"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], TRUST)
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_CERTIFICATE_FINGERPRINT] == again.fingerprint
    await hass.async_block_till_done()  # the reload the flow scheduled


async def test_dhcp_discovery_records_the_certificate(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """A discovered gateway confirmed with its password trusts the certificate it presented."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    assert result["data"][CONF_CERTIFICATE_FINGERPRINT] == FINGERPRINT


async def test_user_flow_keeps_an_entry_that_trusts_another_certificate(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """Typing a new address for a set-up gateway moves it only if it presents its certificate.

    Otherwise the flow says so (reconfigure the entry), not "already set up".
    """
    mock_config_entry.add_to_hass(hass)
    trust(hass, mock_config_entry, "cd" * 32)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_HOST: "192.168.1.99", CONF_PASSWORD: PASSWORD},
    )
    assert result["reason"] == "untrusted_certificate"
    assert mock_config_entry.data[CONF_HOST] == HOST
    mock_client.login.assert_not_called()


@pytest.mark.parametrize("stored", [None, "cd" * 32])
async def test_dhcp_does_not_move_an_entry_to_an_untrusted_certificate(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_config_entry: MockConfigEntry,
    stored: str | None,
) -> None:
    """Without the trusted certificate (or with none recorded yet), the entry stays put."""
    mock_config_entry.add_to_hass(hass)
    if stored is not None:
        trust(hass, mock_config_entry, stored)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=DHCP
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "untrusted_certificate"
    assert mock_config_entry.data[CONF_HOST] == HOST
    mock_client.login.assert_not_called()


async def test_rate_limit_met_in_a_flow_holds_the_next_flow(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """A 429 answered to one flow's login: a new flow for that gateway sends nothing at all."""
    sim = await gateway_simulator_factory(login_limit=RateLimit(0, 3600), retry_after=300)
    data = {CONF_HOST: sim.host, CONF_PASSWORD: sim.password}
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=data
    )
    assert result["errors"] == {"base": "rate_limited"}
    assert sim.logins == 1
    hass.config_entries.flow.async_abort(result["flow_id"])
    sent = len(sim.requests)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=data
    )
    assert result["errors"] == {"base": "rate_limited"}
    assert result["description_placeholders"]["minutes"] == "5"
    assert len(sim.requests) == sent


async def test_rate_limit_met_in_a_flow_holds_the_entrys_polls(
    hass: HomeAssistant,
    gateway_simulator_factory: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 429 answered to a reconfigure flow's login: the running entry waits it out too."""
    sim = await gateway_simulator_factory(login_limit=RateLimit(1, 3600), retry_after=120)
    entry = simulator_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: sim.host, CONF_PASSWORD: sim.password}
    )
    assert result["errors"] == {"base": "rate_limited"}
    sent = len(sim.requests)
    await poll(hass, freezer)  # 30 s into the 120 s cooldown
    await poll(hass, freezer)
    assert len(sim.requests) == sent
    await poll(hass, freezer, seconds=61)  # past it
    assert len(sim.requests) > sent


async def test_reauth_against_another_gateway_sends_no_password(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """Another gateway now at the entry's address is told apart by its DIN, before any login."""
    other = await gateway_simulator_factory()
    other.din = OTHER_DIN
    entry = simulator_entry(other)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, unique_id=DIN)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: other.password}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_gateway"
    assert other.logins == 0
    assert [(r.method, r.path) for r in other.requests] == [("GET", "/api/status")]


async def test_reconfigure_to_another_gateway_sends_no_password(
    hass: HomeAssistant, gateway_simulator_factory: SimulatorFactory
) -> None:
    """Reconfiguring an entry to another gateway's address sends it no password."""
    gateway = await gateway_simulator_factory()
    other = await gateway_simulator_factory()
    other.din = OTHER_DIN
    entry = simulator_entry(gateway)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: other.host}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_gateway"
    assert other.logins == 0
    assert [(r.method, r.path) for r in other.requests] == [("GET", "/api/status")]
    assert entry.data[CONF_HOST] == gateway.host


async def test_reauth_sends_nothing_to_a_device_without_a_certificate(
    hass: HomeAssistant, mock_client: MagicMock, mock_config_entry: MockConfigEntry
) -> None:
    """A device at a pinned entry's address that showed no certificate has none to confirm."""
    mock_config_entry.add_to_hass(hass)
    trust(hass, mock_config_entry)
    mock_client.certificate_fingerprint = None
    result = await mock_config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "new-password"}
    )
    assert result["errors"] == {CONF_PASSWORD: "confirm_new_certificate"}
    mock_client.login.assert_not_called()
    assert mock_config_entry.data[CONF_CERTIFICATE_FINGERPRINT] == FINGERPRINT
