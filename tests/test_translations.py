"""Every language the integration ships says everything English says, with the same placeholders.

``en.json`` is the reference: the other languages are compared with it when the
tests run, so a key added to English fails here until every language has it.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
import string
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
from homeassistant.loader import async_get_integration
import pytest

import custom_components.powerwall_gateway as integration_package
from custom_components.powerwall_gateway import binary_sensor
from custom_components.powerwall_gateway.const import DOMAIN

TRANSLATIONS = Path(integration_package.__file__).resolve().parent / "translations"
# The Powerwall markets in Europe besides the English-speaking ones.
LANGUAGES = ["de", "es", "fr", "it", "nl"]
HTML_RE = re.compile(r"</?[A-Za-z][^<>]*>")


def _load(language: str) -> dict[str, Any]:
    data = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _leaves(tree: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, (*path, key))
    else:
        yield ".".join(path), tree


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


ENGLISH = dict(_leaves(_load("en")))


def test_every_language_file_is_expected() -> None:
    """A new language file is added to LANGUAGES (and so to every test below) on purpose."""
    shipped = sorted(path.stem for path in TRANSLATIONS.glob("*.json"))
    assert shipped == sorted(["en", *LANGUAGES])


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_has_every_english_key(language: str) -> None:
    translated = dict(_leaves(_load(language)))
    assert sorted(ENGLISH.keys() - translated.keys()) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_has_no_key_english_lacks(language: str) -> None:
    translated = dict(_leaves(_load(language)))
    assert sorted(translated.keys() - ENGLISH.keys()) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_keeps_the_english_placeholders(language: str) -> None:
    translated = dict(_leaves(_load(language)))
    differing = {
        key: (sorted(_placeholders(english)), sorted(_placeholders(translated[key])))
        for key, english in ENGLISH.items()
        if key in translated
        and isinstance(translated[key], str)
        and _placeholders(english) != _placeholders(translated[key])
    }
    assert differing == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_values_are_clean_non_empty_text(language: str) -> None:
    bad = [
        key
        for key, value in _leaves(_load(language))
        if not isinstance(value, str)
        or not value.strip()
        or value != value.strip()
        or HTML_RE.search(value)
        or "[%key:" in value
    ]
    assert bad == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_is_translated_not_copied(language: str) -> None:
    """Sentences left in English are a forgotten translation (names like "Host" may stay)."""
    translated = dict(_leaves(_load(language)))
    copied = [
        key
        for key, english in ENGLISH.items()
        if len(english.split()) > 3 and translated.get(key) == english
    ]
    assert copied == []


def _binary_sensor_translation_keys() -> list[str]:
    """Every translation key the binary sensor platform gives its entities."""
    keys = {
        description.translation_key
        for name, descriptions in vars(binary_sensor).items()
        if name.endswith("_BINARY_SENSORS")
        for description in descriptions
        if description.translation_key is not None
    }
    assert keys, "no binary sensor descriptions found"
    return sorted(keys)


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_every_binary_sensor_names_its_own_states(language: str) -> None:
    """Each flag says in its own words what on and off mean, in every language.

    "Updating: Idle", not the device class's "Updating: Not running".
    """
    entities = _load(language)["entity"]["binary_sensor"]
    missing = [
        key
        for key in _binary_sensor_translation_keys()
        if not {"on", "off"} <= entities.get(key, {}).get("state", {}).keys()
    ]
    assert missing == []


@pytest.mark.usefixtures("enable_custom_integrations")
async def test_home_assistant_serves_a_translation(hass: HomeAssistant) -> None:
    """Home Assistant finds the shipped German file and hands its names to the frontend."""
    integration = await async_get_integration(hass, DOMAIN)
    assert Path(integration.file_path) == TRANSLATIONS.parent

    german = await async_get_translations(hass, "de", "entity", {DOMAIN})

    prefix = f"component.{DOMAIN}.entity"
    assert german[f"{prefix}.binary_sensor.grid_status.name"] == "Netzverbindung"
    assert german[f"{prefix}.sensor.grid_state.state.grid_uncompliant"] == "Nicht netzkonform"
