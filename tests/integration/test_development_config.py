"""The development instance's checked-in configuration, as scripts/develop prepares it.

An automation made from the bundled blueprint in the UI is saved by Home
Assistant's automation editor; these tests save one the same way, over the
editor's HTTP API, and check that the instance then lists it and runs it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
import shutil
from types import ModuleType

from freezegun.api import FrozenDateTimeFactory
from homeassistant import config as conf_util
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from simulator import GatewaySimulator

from .conftest import poll

ROOT = Path(__file__).resolve().parent.parent.parent


def load_develop() -> ModuleType:
    spec = importlib.util.spec_from_file_location("develop", ROOT / "scripts" / "develop.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh config folder with the checked-in configuration.yaml, as scripts/develop leaves it."""
    config.mkdir()
    shutil.copyfile(ROOT / "config" / "configuration.yaml", config / "configuration.yaml")
    develop = load_develop()
    monkeypatch.setattr(develop, "CONFIG", config)
    develop.prepare_config(18123, reset=False)


@pytest.fixture
async def development_instance(
    hass: HomeAssistant,
    sim_entry: MockConfigEntry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> HomeAssistant:
    """Home Assistant with the development configuration's automations, scripts and editors."""
    config = tmp_path / "config"
    await hass.async_add_executor_job(prepare, config, monkeypatch)
    hass.config.config_dir = str(config)
    configuration = await conf_util.async_hass_config_yaml(hass)
    for domain in ("websocket_api", "persistent_notification", "automation", "script", "config"):
        assert await async_setup_component(hass, domain, configuration), domain
    await hass.async_block_till_done()
    return hass


async def test_a_blueprint_automation_made_in_the_ui_is_listed_and_runs(
    development_instance: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    entity_registry: er.EntityRegistry,
    simulator: GatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Saved by the automation editor: an editable automation that tells of an outage."""
    hass = development_instance
    calls = async_mock_service(hass, "test", "notify")
    client = await hass_client()
    response = await client.post(
        "/api/config/automation/config/outage_notes",
        json={
            "alias": "Outage notes",
            "description": "",
            "use_blueprint": {
                "path": "powerwall_gateway/grid_outage_notify.yaml",
                "input": {
                    "grid_event": "event.backup_gateway_grid",
                    "actions": [{"action": "test.notify", "data": {"message": "{{ message }}"}}],
                },
            },
        },
    )
    assert response.status == 200, await response.text()
    await hass.async_block_till_done()

    # The automation list shows it, editable (an automation with an id from automations.yaml).
    assert hass.states.get("automation.outage_notes").state == "on"
    assert entity_registry.async_get_entity_id("automation", "automation", "outage_notes") == (
        "automation.outage_notes"
    )
    # The configuration's own automation from the blueprint is still there.
    assert hass.states.get("automation.grid_outage_notifications").state == "on"

    simulator.set_scenario("grid_outage", outage=600, reconnect=60)
    await poll(hass, freezer, seconds=10)

    assert [call.data["message"] for call in calls] == [
        "Grid outage: the Powerwalls are powering the house."
    ]
    socket = await hass_ws_client(hass)
    await socket.send_json_auto_id({"type": "persistent_notification/get"})
    notifications = (await socket.receive_json())["result"]
    assert [n["message"] for n in notifications] == [
        "Grid outage: the Powerwalls are powering the house."
    ]


def test_a_fresh_configuration_has_the_editors_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scripts/develop creates the files configuration.yaml includes, and keeps what is in them."""
    config = tmp_path / "config"
    prepare(config, monkeypatch)
    assert (config / "automations.yaml").read_text() == "[]"
    assert (config / "scripts.yaml").read_text() == ""
    (config / "automations.yaml").write_text("- id: kept\n")
    develop = load_develop()
    monkeypatch.setattr(develop, "CONFIG", config)
    develop.prepare_config(18123, reset=False)
    assert (config / "automations.yaml").read_text() == "- id: kept\n"
