"""Whatever ``/api/powerwalls`` a firmware sends, Home Assistant stays well.

The parser's fuzz tests feed it mutated payloads; these feed the same mutations
through the whole integration: the client's model (or its refusal), the
coordinator's snapshot, devices coming and going, every entity's state
write. One Home Assistant for all examples, so each example reads after the
ones before, as a gateway's answers follow each other.
"""

from __future__ import annotations

import logging
import os
import random
from typing import Any
from unittest.mock import MagicMock

from homeassistant.components.sensor import ATTR_OPTIONS
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powerwall_gateway.api import Powerwalls
from tests.api.test_models_fuzz import _mutate

from .conftest import load_fixture, read_everything

NOT_A_VALUE = {STATE_UNKNOWN, STATE_UNAVAILABLE}
FIXTURES = ["powerwalls.json", "powerwalls_4_batteries.json"]

INTEGRATION_FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one Home Assistant for every example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def answer_with(mock_client: MagicMock, payload: Any) -> None:
    """The client answers ``payload`` as it would: a model, or the error it raises."""

    async def get_powerwalls() -> Powerwalls:
        return Powerwalls.from_json(payload)

    mock_client.get_powerwalls.side_effect = get_powerwalls


def assert_every_state_is_a_value_unknown_or_unavailable(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, entry: MockConfigEntry
) -> None:
    for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id):
        if entity.disabled_by is not None:
            continue
        state = hass.states.get(entity.entity_id)
        assert state is not None, f"{entity.entity_id} was never written"
        if state.state in NOT_A_VALUE:
            continue
        if entity.domain == "binary_sensor":
            assert state.state in {STATE_ON, STATE_OFF}, (entity.entity_id, state.state)
        elif (options := state.attributes.get(ATTR_OPTIONS)) is not None:
            assert state.state in options, (entity.entity_id, state.state)
        elif state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) is not None:
            float(state.state)  # a number, or this raises


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("fixture", FIXTURES)
@INTEGRATION_FUZZ
@given(data=st.data())
async def test_mutated_battery_lists_never_break_home_assistant(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_client: MagicMock,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
    fixture: str,
    data: st.DataObject,
) -> None:
    # Home Assistant's registry ids come from the global random generator, which
    # Hypothesis seeds the same way for every example: without fresh entropy, two
    # examples' new entities would share a registry id, which never happens in a
    # running Home Assistant and corrupts its registry index.
    random.seed(os.urandom(16))
    caplog.clear()
    payload = _mutate(load_fixture(fixture), data)
    answer_with(mock_client, payload)
    await read_everything(hass, init_integration)

    unhandled = [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR and record.exc_info is not None
    ]
    assert not unhandled, caplog.text
    assert_every_state_is_a_value_unknown_or_unavailable(hass, entity_registry, init_integration)
