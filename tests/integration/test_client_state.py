"""What the entry keeps of its client between polls and restarts: session, backoff, cookies."""

from __future__ import annotations

from unittest.mock import MagicMock

from aiohttp import DummyCookieJar
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powerwall_gateway.api import PowerwallTimeoutError
from custom_components.powerwall_gateway.clients import SESSION
from custom_components.powerwall_gateway.const import (
    CONF_LOGIN_BACKOFF_UNTIL,
    CONF_SESSION,
)
from simulator import GatewaySimulator

from .conftest import poll, simulator_entry


async def test_session_renewed_by_a_failing_poll_is_saved(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A poll that logs in again and then meets garbage still keeps the new session."""
    old = sim_entry.data[CONF_SESSION]
    simulator.expire_sessions()
    simulator.set_scenario("html_error")
    await poll(hass, freezer, seconds=10)
    assert simulator.logins == 2
    assert sim_entry.data[CONF_SESSION] != old
    # A restart then costs no login.
    simulator.set_scenario("normal")
    await hass.config_entries.async_reload(sim_entry.entry_id)
    await hass.async_block_till_done()
    assert simulator.logins == 2


async def test_restart_during_a_login_backoff_does_not_log_in_at_once(
    hass: HomeAssistant,
    mock_client: MagicMock,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failed login's backoff is kept in the entry, and given to the client after a restart."""
    mock_client.login_backoff_for = 120.0
    mock_client.get_grid_status.side_effect = PowerwallTimeoutError("login timed out")
    await poll(hass, freezer, seconds=10)
    until = init_integration.data[CONF_LOGIN_BACKOFF_UNTIL]
    assert until == pytest.approx(dt_util.utcnow().timestamp() + 120, abs=1)
    mock_client.get_grid_status.side_effect = None
    mock_client.login_backoff_for = 0.0
    mock_client.hold_off_login.reset_mock()
    freezer.tick(30)
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    waits = [call.args[0] for call in mock_client.hold_off_login.call_args_list]
    assert max(waits) == pytest.approx(90, abs=1)
    # Once logins work again, nothing is kept.
    await poll(hass, freezer, seconds=10)
    assert CONF_LOGIN_BACKOFF_UNTIL not in init_integration.data


@pytest.mark.parametrize(
    ("stored_wait", "logins"),
    [
        (1_800, 0),  # the longest backoff there is: honoured
        (10 * 24 * 3600, 1),  # ten days (a clock that was ahead): discarded
    ],
)
async def test_stored_login_backoff_is_never_longer_than_the_longest_backoff(
    hass: HomeAssistant,
    simulator: GatewaySimulator,
    caplog: pytest.LogCaptureFixture,
    stored_wait: int,
    logins: int,
) -> None:
    """A stored backoff beyond 1,800 s cannot lock the entry out: it is dropped and logged."""
    entry = simulator_entry(
        simulator, **{CONF_LOGIN_BACKOFF_UNTIL: dt_util.utcnow().timestamp() + stored_wait}
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert simulator.logins == logins
    assert (entry.state is ConfigEntryState.LOADED) is bool(logins)
    assert ("Ignoring a stored login backoff" in caplog.text) is bool(logins)
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_gateway_cookies_stay_out_of_home_assistants_shared_session(
    hass: HomeAssistant, sim_entry: MockConfigEntry, simulator: GatewaySimulator
) -> None:
    """The integration talks to gateways through a session of its own, without a cookie jar.

    Home Assistant's shared session has one process-wide jar: for a gateway
    reached by host name, its cookies would override the client's own session
    and ride along on other integrations' requests to that host.
    """
    session = hass.data[SESSION]
    assert session is not async_get_clientsession(hass, verify_ssl=False)
    assert isinstance(session.cookie_jar, DummyCookieJar)
    assert simulator.logins == 1  # the gateway did set its cookies
    assert len(session.cookie_jar) == 0
