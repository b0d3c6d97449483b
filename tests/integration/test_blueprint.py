"""The bundled automation blueprint, run by a real automation against the gateway."""

from __future__ import annotations

from pathlib import Path
import shutil
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.powerwall_gateway.api import GridStatusInfo
from simulator import GatewaySimulator

from .conftest import poll

BLUEPRINT = (
    Path(__file__).parent.parent.parent
    / "blueprints"
    / "automation"
    / "powerwall_gateway"
    / "grid_outage_notify.yaml"
)


def copy_blueprint(target: Path) -> None:
    """Put the blueprint where Home Assistant looks for it."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(BLUEPRINT, target / BLUEPRINT.name)


async def use_blueprint(hass: HomeAssistant) -> list[ServiceCall]:
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
                        "off_grid_reason": "sensor.backup_gateway_off_grid_reason",
                        "actions": [
                            {
                                "action": "test.notify",
                                "data": {"message": "{{ message }}", "kind": "{{ kind }}"},
                            }
                        ],
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
    # A reload restores the event's state: no second notification.
    await hass.config_entries.async_reload(sim_entry.entry_id)
    await hass.async_block_till_done()
    assert len(calls) == 1
    for _ in range(80):  # the simulator's clock keeps pace: the outage ends within them
        simulator.advance(10)
        await poll(hass, freezer, seconds=10)
        if len(calls) == 2:
            break
    assert [call.data["kind"] for call in calls] == ["grid_lost", "grid_restored"]
    assert calls[1].data["message"] == "The grid is back after 11 minutes."


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
