"""Fixtures for the integration tests.

Two ways to feed the integration: the gateway simulator over real HTTPS (what a
user meets), or a mocked client built from the JSON fixtures (for exact error
paths and snapshots).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
import json
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock, PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_EMAIL, CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.powerwall_gateway import clients
from custom_components.powerwall_gateway.api import (
    GatewayInfo,
    GridStatusInfo,
    PowerwallClient,
    Powerwalls,
)
from custom_components.powerwall_gateway.api.models import (
    parse_status,
)
from custom_components.powerwall_gateway.const import CONF_SESSION, DOMAIN
from simulator import GatewaySimulator

FIXTURES = Path(__file__).parent.parent / "fixtures"
DIN = "1232100-00-E--TG123456789A4M"
HOST = "192.168.1.50"
PASSWORD = "gateway-password"
SESSION = {"token": "secret-token", "AuthCookie": "secret-cookie", "UserRecord": "secret-record"}


def load_fixture(name: str) -> Any:
    """A JSON payload from tests/fixtures."""
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's serializer, stored in ``snapshots/``.

    syrupy's own ``snapshot`` fixture shadows the one of the Home Assistant
    plugin here, so the extension is chosen explicitly.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Register every entity enabled, the disabled-by-default check sensors included."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 30) -> None:
    """Move the clock on by ``seconds`` and let Home Assistant run the polls then due.

    Home Assistant's own timers run them: the live poll every status interval,
    the battery list at its interval or when the live poll asks for it.
    """
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def read_everything(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Poll the gateway now, the flags and the battery list included, as at setup."""
    coordinator = entry.runtime_data
    for reads in (coordinator.flag_reads, coordinator.battery_reads):
        reads.due_at = None
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)


def state_of(hass: HomeAssistant, entity_id: str) -> State:
    """The state of an entity that must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} has no state"
    return state


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components."""


@pytest.fixture
def powerwalls_fixture() -> str:
    """The /api/powerwalls payload the mocked client answers with."""
    return "powerwalls.json"


@pytest.fixture
def mock_client(powerwalls_fixture: str) -> Iterator[MagicMock]:
    """A mocked PowerwallClient answering with the fixture payloads."""
    powerwalls_payload = load_fixture(powerwalls_fixture)
    with (
        patch(
            "custom_components.powerwall_gateway.clients.PowerwallClient", autospec=True
        ) as client_class,
    ):
        client = client_class.return_value
        client.host = HOST
        client.login_count = 1
        client.rate_limited_for = 0.0
        client.login_backoff_for = 0.0
        client.certificate_fingerprint = "ab" * 32
        client.last_payloads = {"/api/powerwalls": powerwalls_payload}
        client.get_gateway_info = AsyncMock(
            return_value=GatewayInfo.from_json(load_fixture("status.json"))
        )
        client.get_status = AsyncMock(
            return_value=parse_status(load_fixture("powerwalls_status.json"))
        )
        client.get_grid_status = AsyncMock(
            return_value=GridStatusInfo.from_json(load_fixture("grid_status.json"))
        )
        client.get_powerwalls = AsyncMock(return_value=Powerwalls.from_json(powerwalls_payload))
        client.login = AsyncMock()
        client.export_session = MagicMock(return_value=SESSION)
        yield client


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """A config entry for the gateway at HOST."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Backup Gateway TG123456789A4M",
        unique_id=DIN,
        data={
            CONF_HOST: HOST,
            CONF_PASSWORD: PASSWORD,
            CONF_EMAIL: "owner@example.com",
            CONF_SESSION: SESSION,
        },
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> MockConfigEntry:
    """The integration set up with the mocked client.

    The clock is frozen first, so the polls Home Assistant schedules at setup
    run when a test moves the clock on by their interval (see ``poll``).
    """
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture
async def simulator(gateway_simulator: GatewaySimulator) -> GatewaySimulator:
    """The gateway simulator (normal scenario, two batteries)."""
    return gateway_simulator


def simulator_entry(sim: GatewaySimulator, **data: Any) -> MockConfigEntry:
    """A config entry pointing at the simulator."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Backup Gateway",
        unique_id=sim.din.upper(),
        data={CONF_HOST: sim.host, CONF_PASSWORD: sim.password, CONF_EMAIL: "", **data},
    )


@pytest.fixture
async def sim_entry(
    hass: HomeAssistant, simulator: GatewaySimulator, freezer: FrozenDateTimeFactory
) -> AsyncIterator[MockConfigEntry]:
    """The integration set up against the simulator, under a frozen clock (see ``poll``)."""
    entry = simulator_entry(simulator)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def add_by_hand(hass: HomeAssistant, host: str, password: str) -> MockConfigEntry:
    """Add a gateway through the user flow, as a person does; return its loaded entry."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data={CONF_HOST: host, CONF_PASSWORD: password}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture
def lan(monkeypatch: pytest.MonkeyPatch) -> dict[str, GatewaySimulator]:
    """LAN addresses (as DHCP reports them), each answered by a simulator on loopback.

    Every client the integration builds sends its requests to the simulator of
    its address; an address without one fails the test, so nothing ever
    leaves loopback.
    """
    routes: dict[str, GatewaySimulator] = {}

    class RoutedClient(PowerwallClient):
        def __init__(self, host: str, *args: Any, **kwargs: Any) -> None:
            super().__init__(host, *args, **kwargs)
            self.base_url = f"https://{routes[self.host].host}"

    monkeypatch.setattr(clients, "PowerwallClient", RoutedClient)
    return routes
