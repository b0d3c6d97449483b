"""The bundled automation blueprint, run by a real automation against the gateway."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.powerwall_gateway.api import GridStatusInfo, PowerwallConnectionError
from simulator import GatewaySimulator

from .conftest import load_fixture, poll

EVENT = "event.backup_gateway_grid"

BLUEPRINT = (
    Path(__file__).parent.parent.parent
    / "blueprints"
    / "automation"
    / "powerwall_gateway"
    / "grid_outage_notify.yaml"
)


def blueprint_inputs() -> dict[str, Any]:
    """The blueprint's inputs, as the automation editor reads them."""
    return dict(load_yaml_dict(str(BLUEPRINT))["blueprint"]["input"])


def _offered_by(hass: HomeAssistant, selector: dict[str, Any]) -> list[str]:
    """The entities an entity selector offers, filtered as the frontend's entity picker does.

    The filter keys of the pinned release's EntitySelector (homeassistant/helpers/
    selector.py): a filter matches an entity when every key it has does; any one
    filter is enough. A key this does not know fails, rather than offering too much.
    """
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    filters = selector.get("filter", [])
    legacy = {
        key: selector[key] for key in ("integration", "domain", "device_class") if key in selector
    }
    filters = [*filters, legacy] if legacy else filters
    assert set(selector) <= {"filter", "include_entities", "exclude_entities", *legacy}, selector

    def listed(value: str | list[str]) -> list[str]:
        return [value] if isinstance(value, str) else value

    def matches(entry: er.RegistryEntry, entity_filter: dict[str, Any]) -> bool:
        state = hass.states.get(entry.entity_id)
        attributes = state.attributes if state is not None else {}
        device = devices.async_get(entry.device_id) if entry.device_id else None
        for key, value in entity_filter.items():
            if key == "integration":
                found: bool = entry.platform == value
            elif key == "domain":
                found = entry.domain in listed(value)
            elif key == "device_class":
                found = attributes.get("device_class") in listed(value)
            elif key == "unit_of_measurement":
                found = attributes.get("unit_of_measurement") in listed(value)
            elif key == "device":
                found = device is not None and all(
                    getattr(device, name) == wanted
                    for name, wanted in value.items()
                    if name != "integration"
                )
                if found and "integration" in value:
                    assert device is not None
                    found = any(
                        (config_entry := hass.config_entries.async_get_entry(entry_id)) is not None
                        and config_entry.domain == value["integration"]
                        for entry_id in device.config_entries
                    )
            else:
                raise AssertionError(f"unknown entity filter key {key!r}")
            if not found:
                return False
        return True

    include = selector.get("include_entities")
    exclude = selector.get("exclude_entities", [])
    return sorted(
        entry.entity_id
        for entry in entities.entities.values()
        if (not filters or any(matches(entry, f) for f in filters))
        and (include is None or entry.entity_id in include)
        and entry.entity_id not in exclude
    )


# The one entity each of the blueprint's entity pickers is for.
PICKED = {
    "grid_event": "event.backup_gateway_grid",
    "off_grid_reason": "sensor.backup_gateway_off_grid_reason",
}


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_blueprint_pickers_offer_only_the_entity_they_ask_for(
    hass: HomeAssistant, sim_entry: MockConfigEntry
) -> None:
    """Every entity of the gateway registered, diagnostics too: each picker lists one."""
    assert len(er.async_entries_for_config_entry(er.async_get(hass), sim_entry.entry_id)) > 20
    pickers = {
        name: spec["selector"]["entity"]
        for name, spec in blueprint_inputs().items()
        if "entity" in spec["selector"]
    }
    assert pickers
    offered = {name: _offered_by(hass, selector) for name, selector in pickers.items()}
    assert offered == {name: [PICKED[name]] for name in pickers}


def copy_blueprint(target: Path) -> None:
    """Put the blueprint where Home Assistant looks for it."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(BLUEPRINT, target / BLUEPRINT.name)


async def use_blueprint(hass: HomeAssistant, **inputs: Any) -> list[ServiceCall]:
    """An automation from the blueprint, sending its message to a test service."""
    target = Path(hass.config.path("blueprints", "automation", "powerwall_gateway"))
    await hass.async_add_executor_job(copy_blueprint, target)
    calls = async_mock_service(hass, "test", "notify")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": f"powerwall_gateway/{BLUEPRINT.name}",
                    "input": {
                        "grid_event": "event.backup_gateway_grid",
                        "actions": [
                            {
                                "action": "test.notify",
                                "data": {"message": "{{ message }}", "kind": "{{ kind }}"},
                            }
                        ],
                        **inputs,
                    },
                }
            }
        },
    )
    await hass.async_block_till_done()
    return calls


async def test_blueprint_tells_of_an_outage_and_its_end(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Grid lost, then grid back with how long it was out; nothing at a reload."""
    calls = await use_blueprint(hass)
    simulator.set_scenario("grid_outage", outage=600, reconnect=60)
    await poll(hass, freezer, seconds=10)
    assert [call.data for call in calls] == [
        {"message": "Grid outage: the Powerwalls are powering the house.", "kind": "grid_lost"}
    ]
    # A reload restores the event's state: no second notification. (The clock
    # moves on first: under a frozen clock an event fired in the very instant of
    # the reload could not be told from one fired by it.)
    freezer.tick(timedelta(seconds=1))
    await hass.config_entries.async_reload(sim_entry.entry_id)
    await hass.async_block_till_done()
    assert len(calls) == 1
    for _ in range(80):  # the simulator's clock keeps pace: the outage ends within them
        simulator.advance(10)
        await poll(hass, freezer, seconds=10)
        if len(calls) == 2:
            break
    assert [call.data["kind"] for call in calls] == ["grid_lost", "grid_restored"]
    assert calls[1].data["message"] == "The grid is back after 11 minutes 1 second."


async def test_blueprint_tells_when_the_powerwall_waits_for_the_user(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Off grid waiting for the user: the message says what to do."""
    calls = await use_blueprint(hass)
    mock_client.get_grid_status.return_value = GridStatusInfo.from_json(
        {"grid_status": "SystemWaitForUser", "grid_services_active": False}
    )
    await poll(hass, freezer, seconds=10)
    messages = {call.data["kind"]: call.data["message"] for call in calls}
    assert len(calls) == 2
    assert messages["waiting_for_user"] == (
        "The Powerwall is off grid and waits for you to reconnect it from the Tesla app."
    )
    assert "grid_lost" in messages


WAITING = GridStatusInfo.from_json(
    {"grid_status": "SystemWaitForUser", "grid_services_active": False}
)


async def test_blueprint_finds_the_off_grid_reason_of_the_chosen_gateway_only(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Another device's sensor that waits for the user tells nothing; the gateway's own does."""
    calls = await use_blueprint(hass)
    hass.states.async_set(
        "sensor.other_site_off_grid_reason",
        "on_grid",
        {"device_class": "enum", "options": ["on_grid", "waiting_for_user"]},
    )
    hass.states.async_set(
        "sensor.other_site_off_grid_reason",
        "waiting_for_user",
        {"device_class": "enum", "options": ["on_grid", "waiting_for_user"]},
    )
    await hass.async_block_till_done()
    assert calls == []
    mock_client.get_grid_status.return_value = WAITING
    await poll(hass, freezer, seconds=10)
    assert sorted(call.data["kind"] for call in calls) == ["grid_lost", "waiting_for_user"]


async def test_blueprint_automation_made_with_the_old_reason_picker_still_runs(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An automation saved when the blueprint had an Off-grid reason input keeps working."""
    calls = await use_blueprint(hass, off_grid_reason="sensor.backup_gateway_off_grid_reason")
    assert [state.state for state in hass.states.async_all("automation")] == ["on"]
    mock_client.get_grid_status.return_value = WAITING
    await poll(hass, freezer, seconds=10)
    assert sorted(call.data["kind"] for call in calls) == ["grid_lost", "waiting_for_user"]


def islanded() -> GridStatusInfo:
    """The live grid status of a site on its batteries."""
    return GridStatusInfo.from_json(load_fixture("grid_status_islanded.json"))


async def test_blueprint_tells_of_an_outage_seen_while_the_entry_reloads(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The grid goes while the entry reloads: grid_lost fired at setup is told once."""
    calls = await use_blueprint(hass)
    freezer.tick(timedelta(seconds=5))
    mock_client.get_grid_status.return_value = islanded()
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert [call.data["kind"] for call in calls] == ["grid_lost"]
    await poll(hass, freezer, seconds=10)
    assert len(calls) == 1


async def test_blueprint_tells_of_an_outage_seen_when_a_setup_retry_succeeds(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The gateway does not answer a setup; the retry finds the grid gone: told once."""
    calls = await use_blueprint(hass)
    await hass.config_entries.async_unload(init_integration.entry_id)
    mock_client.get_gateway_info.side_effect = PowerwallConnectionError("no answer")
    await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.SETUP_RETRY
    mock_client.get_gateway_info.side_effect = None
    mock_client.get_grid_status.return_value = islanded()
    await poll(hass, freezer, seconds=60)
    assert init_integration.state is ConfigEntryState.LOADED
    assert [call.data["kind"] for call in calls] == ["grid_lost"]


async def test_blueprint_is_not_repeated_by_failed_polls(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_client: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Waiting for the user, then three single failed grid polls: each notification once."""
    calls = await use_blueprint(hass)
    waiting = GridStatusInfo.from_json(
        {"grid_status": "SystemWaitForUser", "grid_services_active": False}
    )
    mock_client.get_grid_status.return_value = waiting
    await poll(hass, freezer, seconds=10)
    for _ in range(3):
        mock_client.get_grid_status.side_effect = PowerwallConnectionError("no answer")
        await poll(hass, freezer, seconds=10)
        assert hass.states.get("sensor.backup_gateway_off_grid_reason").state == "unavailable"
        mock_client.get_grid_status.side_effect = None
        await poll(hass, freezer, seconds=10)
    assert sorted(call.data["kind"] for call in calls) == ["grid_lost", "waiting_for_user"]


def outage_event(duration_seconds: float | None) -> dict[str, Any]:
    """The attributes of a grid_restored event after an outage of ``duration_seconds``."""
    return {
        "event_type": "grid_restored",
        "event_types": ["grid_lost", "grid_restored"],
        "duration_seconds": duration_seconds,
    }


@pytest.mark.parametrize(
    ("duration_seconds", "message"),
    [
        (None, "The grid is back."),
        (0, "The grid is back after less than a second."),
        (1, "The grid is back after 1 second."),
        (40, "The grid is back after 40 seconds."),
        (61, "The grid is back after 1 minute 1 second."),
        (120, "The grid is back after 2 minutes."),
        # The device page rounds to whole seconds too: 149.5 s is "2m 30s" there.
        (149.5, "The grid is back after 2 minutes 30 seconds."),
        (150, "The grid is back after 2 minutes 30 seconds."),
        (3599.9, "The grid is back after 1 hour."),
        (3660, "The grid is back after 1 hour 1 minute."),
        (7200, "The grid is back after 2 hours."),
        (7200 + 125, "The grid is back after 2 hours 2 minutes 5 seconds."),
    ],
)
async def test_blueprint_says_how_long_the_grid_was_out(
    hass: HomeAssistant, duration_seconds: float | None, message: str
) -> None:
    """Seconds under a minute, minutes under an hour, then hours and minutes."""
    hass.states.async_set(EVENT, "2026-11-28T20:00:00.000+00:00", outage_event(None))
    calls = await use_blueprint(hass)
    hass.states.async_set(
        EVENT, dt_util.utcnow().isoformat(timespec="milliseconds"), outage_event(duration_seconds)
    )
    await hass.async_block_till_done()
    assert [call.data["message"] for call in calls] == [message]
