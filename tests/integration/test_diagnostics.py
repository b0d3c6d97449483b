"""The diagnostics download: what a bug report needs, and no secret or serial number."""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from pathlib import Path
import socket
from typing import Any
from unittest.mock import MagicMock, patch

from aiohttp import ThreadedResolver
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_EMAIL, CONF_HOST, CONF_MAC, CONF_PASSWORD
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from custom_components.powerwall_gateway.api import PowerwallConnectionError
from custom_components.powerwall_gateway.const import CONF_SESSION, DOMAIN
from simulator import GatewaySimulator
from simulator.pytest_plugin import SimulatorFactory

from .conftest import DIN, HOST, PASSWORD, SESSION, load_fixture, poll, simulator_entry

REDACTED = "**REDACTED**"
EMAIL = "owner@example.com"

# Values that change from run to run; their type is kept in the snapshot.
VOLATILE = path_type(
    {
        r"entry\.(entry_id|created_at|modified_at)": (str,),
        # The simulator's clock: its start and up time.
        r"gateway_info\.up_time_seconds": (str,),
        r"payloads\./api/status\.(start_time|up_time_seconds)": (str,),
    },
    regex=True,
)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """The shared snapshot fixture, with volatile values matched by type."""
    return snapshot.with_defaults(matcher=VOLATILE)


def assert_absent(diagnostics: dict[str, Any], secrets: dict[str, str]) -> None:
    """None of ``secrets`` (what -> value) appears anywhere in the download's JSON text."""
    text = json.dumps(diagnostics)
    leaked = {what: value for what, value in secrets.items() if value and value in text}
    assert not leaked, f"diagnostics leak {sorted(leaked)}"


def mock_secrets(payload: dict[str, Any]) -> dict[str, str]:
    secrets = {
        "password": PASSWORD,
        "email": EMAIL,
        "token": SESSION["token"],
        "AuthCookie": SESSION["AuthCookie"],
        "UserRecord": SESSION["UserRecord"],
        "entry DIN": DIN,
        "host": HOST,
        "certificate fingerprint": "ab" * 32,
        "payload DIN": payload["gateway_din"],
        # The gateway serial part of the DIN, in any spelling.
        "gateway serial": DIN.rsplit("--", 1)[1],
    }
    for index, battery in enumerate(payload["powerwalls"]):
        secrets[f"battery {index} serial"] = battery["PackageSerialNumber"]
    return secrets


async def test_diagnostics_mock_client(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The mocked gateway's diagnostics: the entry, the payload and the coordinator state."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert diagnostics == snapshot


async def test_diagnostics_mock_client_content(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    """The payloads and the coordinator state are there, credentials only as redacted."""
    payload = load_fixture("powerwalls.json")
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)

    raw = diagnostics["payloads"]["/api/powerwalls"]
    assert raw["powerwalls"][0]["grid_state"] == payload["powerwalls"][0]["grid_state"]
    assert raw["powerwalls"][0]["PackageSerialNumber"] == "**SERIAL_1**"
    # The fixture's payload DIN differs from the one /api/status gives: two pseudonyms.
    assert raw["gateway_din"] == "**DIN_2**"
    assert raw["sync"] == json.loads(json.dumps(payload["sync"]))
    snapshot = diagnostics["snapshot"]
    assert snapshot["grid"]["grid_status"] == "SystemGridConnected"
    assert snapshot["off_grid_reason"] == "on_grid"
    assert snapshot["flags"]["phase_detection_not_available"] is True
    assert diagnostics["gateway_info"]["version"] == "24.36.2 46990655"
    assert diagnostics["gateway_info"]["din"] == "**DIN**"
    assert snapshot["powerwalls"]["powerwalls"][0]["package_serial_number"] == "**SERIAL_1**"
    assert diagnostics["coordinator"] == {
        "last_update_success": True,
        "last_exception": "None",
        "interval_seconds": {"grid": 10.0, "flags": 30.0, "batteries": 300.0},
        "failing": {},
        "flags_from_battery_list": False,
        "restricted": False,
    }
    assert diagnostics["client"] == {
        "logins": 1,
        "rate_limited_for_seconds": 0.0,
        "certificate_fingerprint": "**CERTIFICATE**",
    }
    entry_data = diagnostics["entry"]["data"]
    assert entry_data[CONF_PASSWORD] == REDACTED
    assert entry_data[CONF_EMAIL] == REDACTED
    assert entry_data[CONF_SESSION] == REDACTED
    assert diagnostics["entry"]["unique_id"] == "**DIN**"
    assert diagnostics["entry"]["title"] == REDACTED


async def test_diagnostics_mock_client_redacts_secrets(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    """No password, email, token, cookie or DIN anywhere in the download."""
    secrets = mock_secrets(load_fixture("powerwalls.json"))
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert_absent(diagnostics, {k: v for k, v in secrets.items() if not k.startswith("battery")})


async def test_diagnostics_mock_client_redacts_battery_serials(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    """No battery serial number anywhere in the download."""
    secrets = mock_secrets(load_fixture("powerwalls.json"))
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert_absent(diagnostics, {k: v for k, v in secrets.items() if k.startswith("battery")})


async def test_diagnostics_simulator(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    snapshot: SnapshotAssertion,
) -> None:
    """A real gateway conversation's diagnostics: every endpoint's last answer, redacted."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, sim_entry)
    assert diagnostics == snapshot


def simulator_secrets(sim: GatewaySimulator, entry: MockConfigEntry) -> dict[str, str]:
    session = entry.data[CONF_SESSION]
    # The entry keeps the session the simulator handed out at the first poll.
    assert session, "no session was stored"
    secrets = {
        "password": sim.password,
        "email": entry.data.get(CONF_EMAIL, ""),
        "DIN": sim.din,
        "DIN (upper case)": sim.din.upper(),
        "host": sim.host,
        "address": sim.bind_host,
        "certificate fingerprint": sim.fingerprint,
        **{f"session {key}": value for key, value in session.items()},
    }
    for index, serial in enumerate(sim.serials):
        secrets[f"battery {index} serial"] = serial
    return secrets


async def test_diagnostics_simulator_content(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
) -> None:
    """Every endpoint read is there, with the coordinator's view of the gateway."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, sim_entry)
    assert set(diagnostics["payloads"]) == {
        "/api/status",
        "/api/powerwalls",
        "/api/powerwalls/status",
        "/api/system_status/grid_status",
    }
    powerwalls = diagnostics["payloads"]["/api/powerwalls"]["powerwalls"]
    assert len(powerwalls) == len(simulator.serials) == 2
    assert [p["PackageSerialNumber"] for p in powerwalls] == ["**SERIAL_1**", "**SERIAL_2**"]
    assert diagnostics["payloads"]["/api/status"]["din"] == "**DIN**"
    assert [p["grid_state"] for p in diagnostics["snapshot"]["powerwalls"]["powerwalls"]] == [
        "Grid_Compliant",
        "Grid_Compliant",
    ]
    assert diagnostics["coordinator"]["last_update_success"] is True
    assert diagnostics["coordinator"]["failing"] == {}
    assert diagnostics["client"]["logins"] == simulator.logins == 1
    # The certificate the entry trusts is the one the client met.
    assert diagnostics["client"]["certificate_fingerprint"] == "**CERTIFICATE**"
    assert diagnostics["entry"]["data"]["certificate_fingerprint"] == "**CERTIFICATE**"
    assert diagnostics["entry"]["data"][CONF_HOST] == "**HOST**"
    assert diagnostics["entry"]["data"][CONF_SESSION] == REDACTED


@pytest.mark.parametrize("email", ["", EMAIL])
async def test_diagnostics_simulator_redacts_secrets(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: GatewaySimulator,
    email: str,
) -> None:
    """No password, email, session token or cookie, or DIN anywhere in the download."""
    entry = simulator_entry(simulator, **{CONF_EMAIL: email})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    secrets = simulator_secrets(simulator, entry)
    assert secrets["email"] == email
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert_absent(diagnostics, {k: v for k, v in secrets.items() if not k.startswith("battery")})
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_diagnostics_simulator_redacts_battery_serials(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
) -> None:
    """No battery serial number anywhere in the download."""
    secrets = simulator_secrets(simulator, sim_entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, sim_entry)
    assert_absent(diagnostics, {k: v for k, v in secrets.items() if k.startswith("battery")})


async def test_diagnostics_entry_not_loaded(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
) -> None:
    """A gateway that cannot be set up still gives a download: the entry and its state."""
    mock_client.get_grid_status.side_effect = PowerwallConnectionError("unreachable")
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    assert diagnostics["entry"]["domain"] == "powerwall_gateway"
    assert diagnostics["entry"]["data"][CONF_PASSWORD] == REDACTED
    assert diagnostics["entry"]["data"]["host"] == "**HOST**"
    # Why the gateway is not loaded is the first thing a bug report needs.
    assert "setup_retry" in json.dumps(diagnostics["state"])
    assert "payloads" not in diagnostics
    assert_absent(diagnostics, mock_secrets(load_fixture("powerwalls.json")))


async def set_up(
    hass: HomeAssistant, sim: GatewaySimulator, entry: MockConfigEntry | None = None
) -> MockConfigEntry:
    """An entry pointing at ``sim`` (``entry`` if given), set up as far as the gateway lets it."""
    entry = entry or simulator_entry(sim)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def unload_entries(hass: HomeAssistant) -> AsyncIterator[None]:
    """Unload every entry a test set up, before its simulator stops."""
    yield
    for entry in hass.config_entries.async_entries():
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_diagnostics_battery_pseudonyms_follow_the_battery_list(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway_simulator_factory: SimulatorFactory,
    unload_entries: None,
) -> None:
    """Each battery has its own pseudonym, the same in the payload and in the parsed list."""
    sim = await gateway_simulator_factory(batteries=3)
    entry = await set_up(hass, sim)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    pseudonyms = ["**SERIAL_1**", "**SERIAL_2**", "**SERIAL_3**"]
    payload = diagnostics["payloads"]["/api/powerwalls"]
    assert [b["PackageSerialNumber"] for b in payload["powerwalls"]] == pseudonyms
    assert [
        b["package_serial_number"] for b in diagnostics["snapshot"]["powerwalls"]["powerwalls"]
    ] == pseudonyms
    # The gateway is not a battery: its DIN has a pseudonym of its own, everywhere.
    assert payload["gateway_din"] == "**DIN**"
    assert diagnostics["snapshot"]["powerwalls"]["gateway_din"] == "**DIN**"
    assert diagnostics["payloads"]["/api/status"]["din"] == "**DIN**"
    assert diagnostics["gateway_info"]["din"] == "**DIN**"
    assert diagnostics["entry"]["unique_id"] == "**DIN**"


def gossiping_payload() -> dict[str, Any]:
    """A /api/powerwalls answer that names its serials, DIN and password in its texts.

    Its batteries are listed against their serials' order, and a text names a
    serial and the DIN in lower case.
    """
    payload = load_fixture("powerwalls.json")
    battery = payload["powerwalls"][0]
    payload["powerwalls"] = [
        {**battery, "PackageSerialNumber": "TG1234567890B2"},
        {**battery, "PackageSerialNumber": "TG1234567890A1"},
    ]
    payload["gateway_din"] = DIN
    payload["phase_detection_last_error"] = f"no phase on {DIN.lower()} for tg1234567890a1"
    payload["on_grid_check_error"] = f"customer login with {PASSWORD} refused"
    payload["sync"]["commissioning_diagnostic"]["checks"][0]["message"] = (
        f"Synchronizer of {DIN.rpartition('--')[2]} not reachable"
    )
    return payload


@pytest.fixture
async def gossiping_gateway(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway_simulator_factory: SimulatorFactory,
    tmp_path: Path,
    unload_entries: None,
) -> dict[str, Any]:
    """The diagnostics of a gateway, over HTTPS, whose answers quote its identities and secrets."""
    powerwalls = tmp_path / "powerwalls.json"
    powerwalls.write_text(json.dumps(gossiping_payload()))
    sim = await gateway_simulator_factory(password=PASSWORD, powerwalls_file=str(powerwalls))
    # /api/status gives the simulator's DIN, the one the payload names.
    assert sim.din == DIN
    entry = await set_up(hass, sim)
    assert entry.state is ConfigEntryState.LOADED
    return await get_diagnostics_for_config_entry(hass, hass_client, entry)


async def test_diagnostics_pseudonyms_in_order_of_the_battery_list(
    gossiping_gateway: dict[str, Any],
) -> None:
    """Serials are numbered as the gateway lists the batteries, not as they sort."""
    payload = gossiping_gateway["payloads"]["/api/powerwalls"]
    assert [b["PackageSerialNumber"] for b in payload["powerwalls"]] == [
        "**SERIAL_1**",
        "**SERIAL_2**",
    ]


async def test_diagnostics_pseudonyms_inside_texts(gossiping_gateway: dict[str, Any]) -> None:
    """A text naming the DIN, a serial (in any case) or the gateway serial names its pseudonym."""
    expected = "no phase on **DIN** for **SERIAL_2**"
    payload = gossiping_gateway["payloads"]["/api/powerwalls"]
    assert payload["phase_detection_last_error"] == expected
    snapshot = gossiping_gateway["snapshot"]
    assert snapshot["flags"]["phase_detection_last_error"] == expected
    assert snapshot["powerwalls"]["status"]["phase_detection_last_error"] == expected
    checks = snapshot["powerwalls"]["sync"]["commissioning_diagnostic"]["checks"]
    assert checks[0]["message"] == "Synchronizer of **GATEWAY_SERIAL** not reachable"


async def test_diagnostics_redacts_secrets_inside_texts(gossiping_gateway: dict[str, Any]) -> None:
    """A gateway answer quoting the password shows it redacted."""
    payload = gossiping_gateway["payloads"]["/api/powerwalls"]
    assert payload["on_grid_check_error"] == "customer login with **REDACTED** refused"
    assert_absent(
        gossiping_gateway,
        {
            "password": PASSWORD,
            "DIN": DIN,
            "DIN (lower case)": DIN.lower(),
            "gateway serial": DIN.rpartition("--")[2],
            "battery serial": "TG1234567890A1",
            "battery serial (lower case)": "tg1234567890a1",
        },
    )


async def test_diagnostics_setup_retry_reason_names_no_din(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway_simulator_factory: SimulatorFactory,
    unload_entries: None,
) -> None:
    """The reason an entry waits to set up, quoting the gateway's answer, shows the DIN's pseudonym."""
    sim = await gateway_simulator_factory()
    # An entry added while the gateway answered well: it knows the DIN.
    entry = simulator_entry(sim)
    # /api/status as a list: the client refuses it, quoting the answer.
    sim.replay_diagnostics({"payloads": {"/api/status": [{"din": DIN.lower()}]}})
    entry = await set_up(hass, sim, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert """'[{"din": "**DIN**"}]'""" in diagnostics["reason"]
    assert_absent(diagnostics, {"DIN": DIN, "DIN (lower case)": DIN.lower()})


def nested(depth: int) -> dict[str, Any]:
    """A JSON object nested ``depth`` levels deep."""
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"inner": value}
    return value


async def test_diagnostics_deeply_nested_answer(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway_simulator_factory: SimulatorFactory,
    tmp_path: Path,
    unload_entries: None,
) -> None:
    """An answer nested 5,000 deep downloads: the deep part cut short, the rest intact."""
    payload = load_fixture("powerwalls.json")
    payload["powerwalls"][0]["commissioning_diagnostic"]["checks"][0]["debug"] = nested(5000)
    powerwalls = tmp_path / "powerwalls.json"
    powerwalls.write_text(json.dumps(payload))
    sim = await gateway_simulator_factory(powerwalls_file=str(powerwalls))
    entry = await set_up(hass, sim)
    assert entry.state is ConfigEntryState.LOADED
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    battery = diagnostics["payloads"]["/api/powerwalls"]["powerwalls"][0]
    assert battery["grid_state"] == payload["powerwalls"][0]["grid_state"]
    debug = battery["commissioning_diagnostic"]["checks"][0]["debug"]
    while isinstance(debug, dict):
        debug = debug["inner"]
    assert debug == "**TOO_DEEP**"


@pytest.mark.parametrize("by_certificate", [False, True], ids=["serials", "certificate"])
async def test_diagnostics_gateway_without_din(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway_simulator_factory: SimulatorFactory,
    unload_entries: None,
    by_certificate: bool,
) -> None:
    """Older firmware without a DIN, found by DHCP: its id and MAC are redacted, batteries kept apart."""
    sim = await gateway_simulator_factory(scenario="no_din")
    mac = "aa:bb:cc:dd:ee:ff"
    # What the config flow derives now (the certificate) and what earlier releases
    # derived (from the battery serials) on such firmware.
    unique_id = (
        f"CERT-{sim.fingerprint[:16].upper()}" if by_certificate else "SERIALS-0123456789ABCDEF"
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Backup Gateway",
        unique_id=unique_id,
        data={CONF_HOST: sim.host, CONF_PASSWORD: sim.password, CONF_EMAIL: "", CONF_MAC: mac},
    )
    entry = await set_up(hass, sim, entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["entry"]["unique_id"] == REDACTED
    assert diagnostics["entry"]["data"][CONF_MAC] == REDACTED
    assert diagnostics["gateway_info"]["din"] is None
    assert diagnostics["snapshot"]["powerwalls"]["gateway_din"] is None
    powerwalls = diagnostics["snapshot"]["powerwalls"]["powerwalls"]
    assert [b["package_serial_number"] for b in powerwalls] == [
        "**SERIAL_1**",
        "**SERIAL_2**",
    ]
    assert_absent(
        diagnostics,
        {"MAC": mac, "MAC (upper case)": mac.upper(), "gateway id": unique_id},
    )


async def test_diagnostics_host_nowhere_after_a_failed_poll(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A poll that failed quoting the address leaves no address in the download."""
    mock_client.get_grid_status.side_effect = PowerwallConnectionError(
        f"Cannot connect to host {HOST}:443 ssl:default [Connection refused]"
    )
    await poll(hass, freezer, seconds=10)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert "**HOST**" in diagnostics["coordinator"]["failing"]["grid status"]
    assert diagnostics["entry"]["data"][CONF_HOST] == "**HOST**"
    assert_absent(diagnostics, {"host": HOST})


async def test_diagnostics_setup_retry_reason_names_no_host(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
) -> None:
    """The reason an entry waits to set up, quoting its address, shows the host's pseudonym."""
    mock_client.get_grid_status.side_effect = PowerwallConnectionError(
        f"Cannot connect to https://{HOST}/api/system_status/grid_status"
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    assert "https://**HOST**/api/system_status/grid_status" in diagnostics["reason"]
    assert_absent(diagnostics, {"host": HOST})


async def test_diagnostics_changed_certificate_has_a_pseudonym_of_its_own(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    mock_client: MagicMock,
) -> None:
    """The certificate the entry trusts and another the client met are told apart, not shown."""
    mock_client.certificate_fingerprint = "cd" * 32
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert diagnostics["entry"]["data"]["certificate_fingerprint"] == "**CERTIFICATE**"
    assert diagnostics["client"]["certificate_fingerprint"] == "**CERTIFICATE_2**"
    assert_absent(diagnostics, {"trusted": "ab" * 32, "met": "cd" * 32})


@pytest.mark.parametrize(
    ("password", "quoted"),
    [
        ("İstanbul2024", "İstanbul2024"),
        ("İstanbul2024", "İSTANBUL2024"),
        ("Straße99", "STRASSE99"),
        ("Straße99", "strasse99"),
    ],
)
async def test_diagnostics_redacts_a_password_in_any_case_form(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_client: MagicMock,
    password: str,
    quoted: str,
) -> None:
    """A password whose lower or upper case changes length is redacted wherever it is quoted."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Backup Gateway",
        unique_id=DIN,
        data={CONF_HOST: HOST, CONF_PASSWORD: password, CONF_EMAIL: "", CONF_SESSION: SESSION},
    )
    payload = load_fixture("powerwalls.json")
    payload["on_grid_check_error"] = f"login with {quoted}: refused"
    mock_client.last_payloads = {"/api/powerwalls": payload}
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    answer = diagnostics["payloads"]["/api/powerwalls"]["on_grid_check_error"]
    assert answer == "login with **REDACTED**: refused"
    assert diagnostics["entry"]["data"][CONF_PASSWORD] == REDACTED


@pytest.fixture
async def system_resolver() -> AsyncIterator[None]:
    """Host names resolved as the system does (``localhost`` is 127.0.0.1), in this test's loop.

    The test plugin's resolver belongs to the session's event loop, and Home
    Assistant's own asks mDNS, which must not leave loopback. IPv4 only: the
    test plugin lets sockets reach 127.0.0.1 alone.
    """
    resolver = ThreadedResolver()

    async def resolve(host: str, port: int = 0, family: int = 0) -> Any:
        return await resolver.resolve(host, port, socket.AF_INET)

    with patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        return_value=MagicMock(resolve=resolve, close=resolver.close, real_close=resolver.close),
    ):
        yield


async def test_diagnostics_host_name_entry_names_neither_the_name_nor_its_address(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    system_resolver: None,
    simulator: GatewaySimulator,
    unload_entries: None,
) -> None:
    """Added as ``localhost``: the address it resolves to, quoted by the reason setup waits, is the host too."""
    host = f"localhost:{simulator.port}"
    entry = simulator_entry(simulator, **{CONF_HOST: host})
    await simulator.stop()
    entry = await set_up(hass, simulator, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "127.0.0.1" in entry.reason
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert "**HOST**" in diagnostics["reason"]
    assert_absent(
        diagnostics,
        {"host": host, "name": "localhost", "address": "127.0.0.1", "IPv6 address": "::1"},
    )
