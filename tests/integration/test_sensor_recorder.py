"""What history keeps of the gateway's text flags: the short state, not the gateway's words."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.history import get_significant_states
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import RecorderInstanceContextManager

from .conftest import state_of

MESSAGE_SENSORS = [
    "sensor.backup_gateway_phase_detection_status",
    "sensor.backup_gateway_on_grid_check",
]


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: RecorderInstanceContextManager) -> None:
    """Prepare the recorder's database before Home Assistant starts."""


async def test_gateway_message_stays_out_of_history(
    recorder_mock: Recorder, hass: HomeAssistant, init_integration: ConfigEntry
) -> None:
    """The state is recorded; the ``message`` attribute, shown live, is not."""
    await async_wait_recording_done(hass)
    history = await recorder_mock.async_add_executor_job(
        get_significant_states, hass, dt_util.utcnow() - timedelta(hours=1), None, MESSAGE_SENSORS
    )
    for entity_id in MESSAGE_SENSORS:
        assert "message" in state_of(hass, entity_id).attributes
        recorded = history[entity_id]
        assert [state.state for state in recorded] == ["normal"]
        assert "friendly_name" in recorded[0].attributes
        assert "message" not in recorded[0].attributes
