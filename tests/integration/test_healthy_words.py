"""A healthy gateway reads healthy: the names and state words a person sees on its device pages."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.powerwall_gateway.const import DOMAIN


async def _what_a_person_reads(
    hass: HomeAssistant, entry: MockConfigEntry, language: str
) -> dict[str, str]:
    """Each enabled entity's translated name and state word, as the device pages show them."""
    translations = await async_get_translations(hass, language, "entity", {DOMAIN})
    read: dict[str, str] = {}
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        if (state := hass.states.get(entity.entity_id)) is None:
            continue
        key = f"component.{DOMAIN}.entity.{entity.domain}.{entity.translation_key}"
        read[translations[f"{key}.name"]] = translations.get(
            f"{key}.state.{state.state}", state.state
        )
    return read


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            {
                "Phase detection ready": "Not now",
                "Phase detection status": "Normal",
                "On-grid check": "Normal",
                "Configured": "Yes",
                "Off-grid load shedding": "Idle",
                "Off-grid reason": "On grid",
                "Active states": "0",
                "Updating · Synchronizer": "Idle",
            },
        ),
        (
            "de",
            {
                "Phasenerkennung bereit": "Derzeit nicht",
                "Status Phasenerkennung": "Normal",
                "Netzprüfung": "Normal",
                "Konfiguriert": "Ja",
                "Lastabwurf ohne Netz": "Inaktiv",
                "Grund der Netztrennung": "Am Netz",
                "Aktive Zustände": "0",
                "Aktualisierung · Sync-Einheit": "Inaktiv",
            },
        ),
    ],
)
async def test_a_healthy_gateway_reads_healthy(
    hass: HomeAssistant, sim_entry: MockConfigEntry, language: str, expected: dict[str, str]
) -> None:
    """No name contradicts its value, and no usual state reads like a fault or work in progress.

    The simulator's healthy site: phase detection not available (as on every
    running site), the batteries in the configuration, the gateway's usual words.
    """
    read = await _what_a_person_reads(hass, sim_entry, language)

    assert {name: read.get(name) for name in expected} == expected
