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
from custom_components.powerwall_gateway import binary_sensor, sensor
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


# What a device page shows of a name beside its state at 1280 px (issue 28):
# a longer name is cut, so it must fit, or say what it is before the cut.
NAME_BUDGET = 24
# A name may end in whose entity it is, after this separator ("Updating · Synchronizer");
# the part before it fits the budget on its own.
OWNER_SEPARATOR = " · "
# At most this much goes before a check's own name, so 8 characters of it show.
CHECK_PREFIX_BUDGET = 16
FIXTURES = Path(__file__).parent / "fixtures"


def _check_names(owner: dict[str, Any]) -> dict[str, list[str]]:
    """The names of the checks the fixture's ``owner`` (a battery, the synchronizer) reports per run."""
    return {
        run: [check["name"] for check in owner[run]["checks"]]
        for run in ("commissioning_diagnostic", "update_diagnostic")
    }


def _device_names(language: str) -> dict[str, list[str]]:
    """Every sensor and binary sensor name of each device, checks named as the fixture's."""
    entities = _load(language)["entity"]
    powerwalls = json.loads((FIXTURES / "powerwalls.json").read_text(encoding="utf-8"))

    def names(platform: str, descriptions: Any) -> list[str]:
        return [
            entities[platform][description.translation_key]["name"] for description in descriptions
        ]

    def checks(prefix: str, owner: dict[str, Any]) -> list[str]:
        return [
            entities["sensor"][f"{prefix}{run}_check"]["name"].format(check=check)
            for run, checks in _check_names(owner).items()
            for check in checks
        ]

    return {
        "gateway": [
            *names("binary_sensor", (binary_sensor.GRID_CONNECTED,)),
            *names("binary_sensor", binary_sensor.FLAG_BINARY_SENSORS),
            *names("binary_sensor", binary_sensor.SYNC_BINARY_SENSORS),
            *names("sensor", sensor.GATEWAY_SENSORS),
            *names("sensor", sensor.SYNC_SENSORS),
            *checks("sync_", powerwalls["sync"]),
        ],
        "battery": [
            *names("binary_sensor", binary_sensor.BATTERY_BINARY_SENSORS),
            *names("sensor", sensor.BATTERY_SENSORS),
            *checks("", powerwalls["powerwalls"][0]),
        ],
    }


def _too_long(name: str) -> bool:
    if "{check}" in name:
        return len(name.partition("{check}")[0]) > CHECK_PREFIX_BUDGET
    return len(name.partition(OWNER_SEPARATOR)[0]) > NAME_BUDGET


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_every_name_fits_the_device_page(language: str) -> None:
    """A name fits 24 characters; a check's name comes after a short prefix."""
    entities = _load(language)["entity"]
    too_long = [
        f"{platform}.{key}: {entity['name']}"
        for platform in ("binary_sensor", "sensor")
        for key, entity in entities[platform].items()
        if _too_long(entity["name"])
    ]
    assert too_long == []


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_names_differ_where_the_device_page_cuts_them(language: str) -> None:
    """No two entities of a device read the same in their first 24 characters."""
    alike = {
        device: sorted(
            name for name in names if [n[:NAME_BUDGET] for n in names].count(name[:NAME_BUDGET]) > 1
        )
        for device, names in _device_names(language).items()
    }
    assert alike == {"gateway": [], "battery": []}


CERTIFICATE_DIALOGS = (
    "config.step.confirm_certificate.description",
    "issues.certificate_changed.fix_flow.step.confirm.description",
)


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_certificate_dialogs_say_how_to_check_the_fingerprint(language: str) -> None:
    """Both fingerprints on lines of their own, and where to see the gateway's: https://{host}."""
    texts = dict(_leaves(_load(language)))
    unhelpful = [
        key
        for key in CERTIFICATE_DIALOGS
        if "https://{host}" not in texts[key]
        or ":\n{expected}\n" not in texts[key]
        or ":\n{actual}\n" not in texts[key]
    ]
    assert unhelpful == []
