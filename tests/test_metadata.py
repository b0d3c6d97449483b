"""The hassfest and HACS rules a custom integration must meet, checked on this repository.

hassfest does not run here, and HACS only checks a repository once it is
published: these tests hold the manifest, ``hacs.json``, the translations, the
icons, the quality scale and the brand images to the same rules.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
import importlib
import importlib.util
import json
from pathlib import Path
import re
import string
import struct
import sys
from types import ModuleType, SimpleNamespace
from typing import Any
from urllib.parse import urlparse

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import EntityDescription
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import yaml

import custom_components.powerwall_gateway as integration_package
from custom_components.powerwall_gateway.api import exceptions

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = ROOT / "custom_components"
INTEGRATION = Path(integration_package.__file__).resolve().parent
DOMAIN = INTEGRATION.name
PACKAGE = f"custom_components.{DOMAIN}"
BRAND = INTEGRATION / "brand"


def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


MANIFEST: dict[str, Any] = _load_json(INTEGRATION / "manifest.json")
HACS: dict[str, Any] = _load_json(ROOT / "hacs.json")
TRANSLATIONS: dict[str, Any] = _load_json(INTEGRATION / "translations" / "en.json")
ICONS: dict[str, Any] = _load_json(INTEGRATION / "icons.json")


def _is_version(value: object) -> bool:
    """Whether ``value`` parses the way hassfest's and HACS's version validators want."""
    if not isinstance(value, str) or not value:
        return False
    try:
        from awesomeversion import AwesomeVersion, AwesomeVersionStrategy  # noqa: PLC0415
    except ImportError:  # pragma: no cover - awesomeversion ships with Home Assistant
        return re.fullmatch(r"\d+(\.\d+)*([.-]?[a-z0-9]+)*", value) is not None
    return AwesomeVersion(value).strategy is not AwesomeVersionStrategy.UNKNOWN


# ---------------------------------------------------------------- manifest.json

# Home Assistant's hassfest manifest schema when it is available, else the documented keys.
DOCUMENTED_MANIFEST_KEYS = frozenset(
    {
        "domain",
        "name",
        "after_dependencies",
        "codeowners",
        "config_flow",
        "dependencies",
        "dhcp",
        "documentation",
        "homekit",
        "import_executor",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "loggers",
        "mqtt",
        "quality_scale",
        "requirements",
        "single_config_entry",
        "ssdp",
        "usb",
        "version",
        "zeroconf",
        "bluetooth",
        "disabled",
        "categories",
        "connectivity",
    }
)


def _allowed_manifest_keys() -> frozenset[str]:
    try:
        from script.hassfest.manifest import CUSTOM_INTEGRATION_MANIFEST_SCHEMA  # noqa: PLC0415
    except ImportError:
        return DOCUMENTED_MANIFEST_KEYS
    return frozenset(str(key) for key in CUSTOM_INTEGRATION_MANIFEST_SCHEMA.schema)


def test_manifest_domain_is_the_folder_name() -> None:
    assert MANIFEST.get("domain") == DOMAIN


@pytest.mark.parametrize(
    "key",
    [
        "name",
        "codeowners",
        "config_flow",
        "documentation",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "loggers",
        "requirements",
        "version",
    ],
)
def test_manifest_has_required_key(key: str) -> None:
    assert key in MANIFEST, f"manifest.json lacks {key!r}"


def test_manifest_key_order_is_domain_name_then_alphabetical() -> None:
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_has_no_unknown_keys() -> None:
    assert set(MANIFEST) <= _allowed_manifest_keys(), set(MANIFEST) - _allowed_manifest_keys()


def test_manifest_name_is_a_non_empty_string() -> None:
    assert isinstance(MANIFEST["name"], str)
    assert MANIFEST["name"].strip()


def test_manifest_codeowners_are_github_handles() -> None:
    owners = MANIFEST["codeowners"]
    assert isinstance(owners, list)
    assert owners
    for owner in owners:
        assert re.fullmatch(r"@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9_.-]+)?", owner), owner


def test_manifest_config_flow_is_true() -> None:
    assert MANIFEST["config_flow"] is True
    assert (INTEGRATION / "config_flow.py").is_file()


def test_manifest_documentation_is_https_and_ours() -> None:
    url = urlparse(MANIFEST["documentation"])
    assert url.scheme == "https"
    assert url.netloc
    # Our own docs: the Home Assistant site documents only core integrations.
    assert not url.netloc.endswith("home-assistant.io")


def test_manifest_issue_tracker_is_https() -> None:
    url = urlparse(MANIFEST["issue_tracker"])
    assert url.scheme == "https"
    assert url.netloc


def test_manifest_integration_type_is_valid() -> None:
    assert MANIFEST["integration_type"] in {
        "device",
        "entity",
        "hardware",
        "helper",
        "hub",
        "service",
        "system",
        "virtual",
    }


def test_manifest_iot_class_is_local_polling() -> None:
    assert MANIFEST["iot_class"] == "local_polling"


def test_manifest_loggers_and_requirements_are_lists_of_strings() -> None:
    for key in ("loggers", "requirements"):
        value = MANIFEST[key]
        assert isinstance(value, list), key
        assert all(isinstance(item, str) and item for item in value), key


def test_manifest_version_parses() -> None:
    assert _is_version(MANIFEST["version"]), MANIFEST["version"]


DHCP_MATCHER_KEYS = {"hostname", "macaddress", "registered_devices"}


def test_manifest_dhcp_matchers_are_well_formed() -> None:
    matchers = MANIFEST.get("dhcp", [])
    assert isinstance(matchers, list)
    for matcher in matchers:
        assert matcher, "empty DHCP matcher"
        assert set(matcher) <= DHCP_MATCHER_KEYS, matcher
        if "hostname" in matcher:
            assert matcher["hostname"] == matcher["hostname"].lower(), matcher
        if "macaddress" in matcher:
            assert re.fullmatch(r"[0-9A-F*]+", matcher["macaddress"]), matcher
        if "registered_devices" in matcher:
            assert isinstance(matcher["registered_devices"], bool), matcher


def test_manifest_dhcp_hostnames_match_core_powerwall() -> None:
    spec = importlib.util.find_spec("homeassistant")
    assert spec is not None
    assert spec.submodule_search_locations
    core_manifest = _load_json(
        Path(spec.submodule_search_locations[0]) / "components" / "powerwall" / "manifest.json"
    )
    ours = [
        matcher for matcher in MANIFEST.get("dhcp", []) if set(matcher) != {"registered_devices"}
    ]
    key = json.dumps
    assert sorted(map(key, ours)) == sorted(map(key, core_manifest["dhcp"]))


def test_manifest_dhcp_follows_registered_devices() -> None:
    assert {"registered_devices": True} in MANIFEST.get("dhcp", [])


# Home Assistant 2026.11's integration browser groups integrations by the
# manifest's `categories` (the primary one first, then others) and filters them
# by `connectivity` (how the devices or service are reached). The values are
# Home Assistant's own vocabulary: each category is a top-level slug or
# "slug.subcategory" from the 2026.11.0 release's
# homeassistant/generated/integration_categories.json, each connectivity a key
# of `integration_connectivity` in homeassistant/components/homeassistant/strings.json.
INTEGRATION_CATEGORIES: dict[str, set[str]] = {
    "ai_voice": {"ai_models", "image_recognition", "speech", "voice_assistants"},
    "appliances_cleaning": {"cleaning", "cooking", "laundry"},
    "blinds_curtains": set(),
    "buttons_remotes": set(),
    "climate": {
        "air_purifiers_humidifiers",
        "fans_ventilation",
        "heat_pumps_air_conditioning",
        "thermostats_heating",
        "water_heaters",
    },
    "computers_network": {
        "cloud_developer_tools",
        "monitoring",
        "nas_servers",
        "printers",
        "routers_network",
    },
    "diy_makers": {"boards_hardware", "web_data_connectors"},
    "energy": {
        "backup_power",
        "energy_prices",
        "ev_charging",
        "meters_monitoring",
        "solar_batteries",
    },
    "finance": set(),
    "garden_plants": set(),
    "health_wellbeing": set(),
    "helpers": {"calculate_value", "store_value"},
    "hubs_protocols": {"building_automation", "smart_home_hubs", "wireless_protocols"},
    "lighting": {"bulbs_lamps", "led_strips_controllers", "lighting_systems"},
    "local_services": set(),
    "media_entertainment": {"gaming", "music_radio_services", "speakers_audio", "tv_streaming"},
    "messaging_notifications": {"chat_apps", "email_sms_calls", "push_notifications"},
    "news_social_media": set(),
    "other_ecosystems": set(),
    "pets": set(),
    "plugs_switches": set(),
    "presence_location": {"network_presence", "phones_companion_apps", "trackers"},
    "productivity_information": {"calendars_todos", "documents_photos", "shopping_groceries"},
    "security_safety": {
        "alarm_systems",
        "cameras",
        "doorbells_intercoms",
        "locks_access",
        "smoke_co_alarms",
    },
    "sensors": {"air_quality", "door_window", "motion_presence", "temperature_humidity"},
    "vehicles_transport": {"bikes_scooters", "cars_evs", "flights", "public_transport"},
    "water": {"meters_leak_detection", "pools_spas", "water_treatment"},
    "weather_alerts": {"air_quality_pollen", "forecasts", "public_warnings"},
}
INTEGRATION_CONNECTIVITY = frozenset(
    {
        "bluetooth",
        "cloud",
        "dali",
        "dect",
        "enocean",
        "esphome",
        "homekit",
        "host",
        "infrared",
        "insteon",
        "knx",
        "lorawan",
        "matter",
        "modbus",
        "mqtt",
        "network",
        "onewire",
        "rf",
        "serial",
        "x10",
        "zigbee",
        "zwave",
    }
)


def _is_category(value: object) -> bool:
    if not isinstance(value, str):
        return False
    category, _, subcategory = value.partition(".")
    if category not in INTEGRATION_CATEGORIES:
        return False
    return not subcategory or subcategory in INTEGRATION_CATEGORIES[category]


def _list_problems(value: object, valid: Callable[[object], bool]) -> list[str]:
    """What is wrong with a `categories` or `connectivity` value: a non-empty list of known, unique values."""
    if not isinstance(value, list) or not value:
        return [f"{value!r} is not a non-empty list"]
    problems = [f"{item!r} is unknown" for item in value if not valid(item)]
    if len(set(map(repr, value))) != len(value):
        problems.append(f"{value!r} repeats a value")
    return problems


def _category_problems(value: object) -> list[str]:
    return _list_problems(value, _is_category)


def _connectivity_problems(value: object) -> list[str]:
    return _list_problems(value, lambda item: item in INTEGRATION_CONNECTIVITY)


def _installed_homeassistant() -> Path:
    spec = importlib.util.find_spec("homeassistant")
    assert spec is not None
    assert spec.submodule_search_locations
    return Path(spec.submodule_search_locations[0])


def test_manifest_categories_are_home_assistant_categories_primary_first() -> None:
    """Solar and batteries first, as core `powerwall` says; backup power (outages) second.

    hassfest's manifest schema (home-assistant/core script/hassfest/manifest.py)
    is the authority, but the copy readable here (commit 7d56dcb0) predates
    2026.11 and knows neither key; these rules are what the 2026.11.0 release
    itself ships: categories from homeassistant/generated/integration_categories.json,
    read by loader.Integration.categories ("the primary category first").
    """
    assert _category_problems(MANIFEST.get("categories")) == []
    assert MANIFEST["categories"][0] == "energy.solar_batteries"


def test_manifest_connectivity_is_the_local_network() -> None:
    """The gateway is reached over the local network (`network`, as core `powerwall` says).

    The vocabulary is the 2026.11.0 release's `integration_connectivity`
    (homeassistant/components/homeassistant/strings.json), read by
    loader.Integration.connectivity; hassfest's stored schema predates it.
    """
    assert _connectivity_problems(MANIFEST.get("connectivity")) == []
    assert MANIFEST["connectivity"] == ["network"]


@pytest.mark.parametrize(
    "value",
    [
        "energy.solar_batteries",
        [],
        ["Energy"],
        ["energy.solar"],
        ["solar_batteries"],
        ["energy.solar_batteries", "energy.solar_batteries"],
        [["energy"]],
    ],
)
def test_category_check_refuses(value: object) -> None:
    assert _category_problems(value)


@pytest.mark.parametrize("value", ["network", [], ["wifi"], ["network", "network"]])
def test_connectivity_check_refuses(value: object) -> None:
    assert _connectivity_problems(value)


def test_manifest_categories_and_connectivity_match_an_installed_release_that_has_them() -> None:
    """Under a release that ships the vocabulary (2026.11 and later), it knows our values too.

    The pinned release (2026.10) ships neither: there the copies above are the check.
    """
    installed = _installed_homeassistant()
    generated = installed / "generated" / "integration_categories.json"
    if not generated.is_file():
        pytest.skip("the installed Home Assistant predates integration categories")
    known = {
        entry["slug"]: {sub["slug"] for sub in entry["subcategories"]}
        for entry in _load_json(generated)
    }
    for value in MANIFEST["categories"]:
        category, _, subcategory = value.partition(".")
        assert category in known, value
        assert not subcategory or subcategory in known[category], value
    strings = _load_json(installed / "components" / "homeassistant" / "strings.json")
    assert set(MANIFEST["connectivity"]) <= set(strings["integration_connectivity"])
    core = _load_json(installed / "components" / "powerwall" / "manifest.json")
    assert MANIFEST["categories"][0] == core["categories"][0]
    assert MANIFEST["connectivity"] == core["connectivity"]


# -------------------------------------------------------------------- HACS

HACS_KEYS = {
    "name",
    "content_in_root",
    "country",
    "filename",
    "zip_release",
    "hide_default_branch",
    "homeassistant",
    "hacs",
    "persistent_directory",
    "render_readme",
}


def test_hacs_json_has_only_allowed_keys() -> None:
    assert set(HACS) <= HACS_KEYS, set(HACS) - HACS_KEYS


def test_hacs_json_has_a_name() -> None:
    assert isinstance(HACS.get("name"), str)
    assert HACS["name"].strip()


def test_hacs_json_homeassistant_is_a_version() -> None:
    assert _is_version(HACS.get("homeassistant")), HACS.get("homeassistant")


def test_hacs_exactly_one_integration() -> None:
    integrations = [
        path.name
        for path in COMPONENTS.iterdir()
        if path.name not in {"__init__.py", "__pycache__"} and not path.name.startswith(".")
    ]
    assert integrations == [DOMAIN]


def test_no_top_level_custom_components_package() -> None:
    """HACS installs only the integration's folder; nothing may rely on a file beside it."""
    assert not (COMPONENTS / "__init__.py").exists()


@pytest.mark.parametrize("name", ["README.md", "LICENSE", "hacs.json"])
def test_hacs_repository_root_file_exists(name: str) -> None:
    assert (ROOT / name).is_file()


# --------------------------------------------------------------------- CHANGELOG

CHANGELOG = ROOT / "CHANGELOG.md"
RELEASE_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$")
CHANGE_KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def _changelog_sections() -> list[tuple[str, list[str]]]:
    """The ``## `` headings of CHANGELOG.md, each with the lines under it."""
    sections: list[tuple[str, list[str]]] = []
    for line in CHANGELOG.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            sections.append((line, []))
        elif sections:
            sections[-1][1].append(line)
    return sections


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def test_changelog_starts_with_unreleased() -> None:
    assert CHANGELOG.read_text(encoding="utf-8").startswith("# Changelog\n")
    assert _changelog_sections()[0][0] == "## [Unreleased]"


def test_changelog_release_headings_are_versions_with_dates_newest_first() -> None:
    releases = [RELEASE_HEADING.match(heading) for heading, _ in _changelog_sections()[1:]]
    assert all(releases), [heading for heading, _ in _changelog_sections()[1:]]
    versions = [match.group(1) for match in releases if match]
    dates = [match.group(2) for match in releases if match]
    assert versions == sorted(versions, key=_version_key, reverse=True)
    assert len(set(versions)) == len(versions)
    assert dates == sorted(dates, reverse=True)


def test_changelog_sections_use_keep_a_changelog_kinds() -> None:
    bad = []
    for heading, lines in _changelog_sections():
        kinds = [line.removeprefix("### ") for line in lines if line.startswith("### ")]
        if not kinds or set(kinds) - CHANGE_KINDS:
            bad.append(f"{heading}: {kinds}")
    assert bad == []


def test_changelog_headings_have_links() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    names = [heading.removeprefix("## [").split("]")[0] for heading, _ in _changelog_sections()]
    missing = [name for name in names if f"\n[{name}]: https://" not in text]
    assert missing == []


def test_manifest_version_is_the_newest_changelog_release() -> None:
    """A release bumps the manifest to the version it adds on top of the CHANGELOG."""
    releases = [RELEASE_HEADING.match(heading) for heading, _ in _changelog_sections()[1:]]
    newest = next(match.group(1) for match in releases if match)
    assert MANIFEST["version"] == newest


# ------------------------------------------------------------------ translations

KEY_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
HTML_RE = re.compile(r"</?[A-Za-z][^<>]*>")


def _leaves(tree: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, (*path, key))
    else:
        yield path, tree


def _keys(tree: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield (*path, key)
            yield from _keys(value, (*path, key))


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_translations_no_strings_json_shipped() -> None:
    assert not (INTEGRATION / "strings.json").exists()


def test_translations_keys_are_lowercase_snake_case() -> None:
    bad = [".".join(path) for path in _keys(TRANSLATIONS) if not KEY_RE.match(path[-1])]
    assert not bad


def test_translations_values_are_non_empty_strings() -> None:
    bad = [
        ".".join(path)
        for path, value in _leaves(TRANSLATIONS)
        if not isinstance(value, str) or not value
    ]
    assert not bad


def test_translations_have_no_html() -> None:
    bad = [".".join(path) for path, value in _leaves(TRANSLATIONS) if HTML_RE.search(value)]
    assert not bad


def test_translations_have_no_surrounding_spaces() -> None:
    bad = [".".join(path) for path, value in _leaves(TRANSLATIONS) if value != value.strip()]
    assert not bad


def test_translations_have_no_unresolved_references() -> None:
    # [%key:...%] references are only resolved when core builds strings.json.
    bad = [".".join(path) for path, value in _leaves(TRANSLATIONS) if "[%key:" in value]
    assert not bad


# ----- what the code uses: read from the source, without running it


def _module_sources() -> dict[str, ast.Module]:
    """The integration's own modules (not the Home Assistant-free ``api`` package)."""
    return {
        path.stem: ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for path in sorted(INTEGRATION.glob("*.py"))
    }


SOURCES = _module_sources()


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _error_classes() -> list[type[exceptions.PowerwallError]]:
    """Every error class of the gateway client."""
    return [
        cls
        for cls in vars(exceptions).values()
        if isinstance(cls, type) and issubclass(cls, exceptions.PowerwallError)
    ]


def _strings(node: ast.expr, module: ModuleType) -> set[str] | None:
    """The strings an expression can be: literals, ``a if c else b``, module constants."""
    match node:
        case ast.Constant(value=str() as value):
            return {value}
        case ast.IfExp(body=body, orelse=orelse):
            left, right = _strings(body, module), _strings(orelse, module)
            return None if left is None or right is None else left | right
        case ast.Name(id=name) if isinstance(getattr(module, name, None), str):
            return {getattr(module, name)}
        case ast.Attribute(attr="translation_key"):
            # A client error's own key (api/exceptions.py): any of them.
            return {cls.translation_key for cls in _error_classes()}
    return None


def _dict_keys(node: ast.expr | None, module: ModuleType) -> set[str]:
    if not isinstance(node, ast.Dict):
        return set()
    keys: set[str] = set()
    for key in node.keys:
        if key is not None:
            keys |= _strings(key, module) or set()
    return keys


# Exceptions Home Assistant translates from translation_domain/translation_key.
HA_EXCEPTIONS = {
    "ConfigEntryAuthFailed",
    "ConfigEntryError",
    "ConfigEntryNotReady",
    "HomeAssistantError",
    "ServiceValidationError",
    "UpdateFailed",
}


def _translated_calls(kind: str) -> Iterator[tuple[str, ast.Call]]:
    """Calls raising a translated exception (``exceptions``) or creating an issue (``issues``)."""
    for name, tree in SOURCES.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            call = _call_name(node)
            if (kind == "exceptions" and call in HA_EXCEPTIONS) or (
                kind == "issues" and call == "async_create_issue"
            ):
                yield name, node


def test_exceptions_raised_carry_a_translation_key() -> None:
    untranslated = [
        f"{name}.py:{call.lineno}"
        for name, call in _translated_calls("exceptions")
        if _keyword(call, "translation_key") is None or _keyword(call, "translation_domain") is None
    ]
    assert not untranslated


@pytest.mark.parametrize("section", ["exceptions", "issues"])
def test_translation_keys_used_in_code_exist(section: str) -> None:
    missing, unresolved = [], []
    found = 0
    for name, call in _translated_calls(section):
        node = _keyword(call, "translation_key")
        if node is None:
            continue
        keys = _strings(node, _module(name))
        if keys is None:
            unresolved.append(f"{name}.py:{call.lineno}")
            continue
        found += len(keys)
        available = _dict_keys(_keyword(call, "translation_placeholders"), _module(name))
        for key in sorted(keys):
            entry = TRANSLATIONS.get(section, {}).get(key)
            if entry is None:
                missing.append(f"{section}.{key} ({name}.py:{call.lineno})")
                continue
            # A fixable issue's texts are in its fix flow's steps, which show its placeholders.
            for path, text in _leaves(entry):
                if absent := _placeholders(text) - available:
                    field = ".".join(path)
                    missing.append(f"{section}.{key}.{field} needs placeholders {absent}")
    assert found, f"no translation_key found for {section}: is the scan broken?"
    assert not unresolved, f"translation_key not a literal or constant: {unresolved}"
    assert not missing


# ----- config and options flows


def _flow_classes() -> Iterator[tuple[str, ast.ClassDef]]:
    """Each flow class of config_flow.py with its section: ``config`` or ``options``."""
    for node in SOURCES["config_flow"].body:
        if isinstance(node, ast.ClassDef):
            bases = {ast.unparse(base) for base in node.bases}
            if any("OptionsFlow" in base for base in bases):
                yield "options", node
            elif any("ConfigFlow" in base for base in bases):
                yield "config", node


def _flow_reasons() -> dict[str, set[str]]:
    """``<section>.error`` and ``<section>.abort`` keys the flows can show."""
    flow = _module("config_flow")
    reasons: dict[str, set[str]] = {}
    # Helpers at module level of config_flow.py (none today) would count for the config flow.
    for section, cls in _flow_classes():
        found = reasons.setdefault(f"{section}.error", set())
        aborts = reasons.setdefault(f"{section}.abort", set())
        for function in ast.walk(cls):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if (
                            isinstance(target, ast.Subscript)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "errors"
                        ):
                            found |= _strings(node.value, flow) or {"<not a literal>"}
                if not isinstance(node, ast.Call):
                    continue
                call = _call_name(node)
                if (reason := _keyword(node, "reason")) is not None:
                    aborts |= _strings(reason, flow) or {"<not a literal>"}
                elif call == "_abort_if_unique_id_mismatch":
                    aborts.add("unique_id_mismatch")
                if call == "_abort_if_unique_id_configured":
                    aborts.add("already_configured")
                if call == "async_set_unique_id":
                    progress = _keyword(node, "raise_on_progress")
                    if not (isinstance(progress, ast.Constant) and progress.value is False):
                        aborts.add("already_in_progress")
                if call == "AbortFlow" and node.args:
                    aborts |= _strings(node.args[0], flow) or {"<not a literal>"}
                if call == "async_update_reload_and_abort" and _keyword(node, "reason") is None:
                    # Its default reason depends on the flow's source: reauth or reconfigure.
                    steps = {f.name for f in cls.body if isinstance(f, ast.AsyncFunctionDef)}
                    if "async_step_reauth" in steps:
                        aborts.add("reauth_successful")
                    if "async_step_reconfigure" in steps:
                        aborts.add("reconfigure_successful")
    # The identity decisions the config flow shares with setup and discovery.
    identity = _module("identity")
    for node in ast.walk(SOURCES["identity"]):
        if isinstance(node, ast.Call) and _call_name(node) == "AbortFlow" and node.args:
            reasons["config.abort"] |= _strings(node.args[0], identity) or {"<not a literal>"}
    return reasons


def test_config_flow_errors_and_aborts_are_translated() -> None:
    reasons = _flow_reasons()
    assert reasons["config.error"], "no error found in config_flow.py: is the scan broken?"
    assert reasons["config.abort"], "no abort found in config_flow.py: is the scan broken?"
    missing = []
    for where, keys in reasons.items():
        section, kind = where.split(".")
        known = TRANSLATIONS.get(section, {}).get(kind, {})
        missing += [f"{where}.{key}" for key in sorted(keys) if key not in known]
    assert not missing


def _schema_fields(
    node: ast.expr, function: ast.AST, flow: ModuleType, seen: frozenset[str] = frozenset()
) -> set[str]:
    """The fields of a form's schema: module-level schemas, local ones, inline markers."""
    fields: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id not in seen:
            value = getattr(flow, sub.id, None)
            if value is not None and isinstance(getattr(value, "schema", None), dict):
                fields |= {str(key) for key in value.schema}
                continue
            # A schema built in the step itself.
            for assign in ast.walk(function):
                if isinstance(assign, ast.Assign) and any(
                    isinstance(target, ast.Name) and target.id == sub.id
                    for target in assign.targets
                ):
                    fields |= _schema_fields(assign.value, function, flow, seen | {sub.id})
        elif (
            isinstance(sub, ast.Call)
            and _call_name(sub) in {"Required", "Optional"}
            and sub.args
            and (keys := _strings(sub.args[0], flow))
        ):
            fields |= keys
    return fields


def _forms() -> Iterator[tuple[str, str, set[str]]]:
    """``(section, step_id, fields)`` of every form the flows show."""
    flow = _module("config_flow")
    for section, cls in _flow_classes():
        for function in ast.walk(cls):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and _call_name(node) == "async_show_form":
                    step = _keyword(node, "step_id")
                    assert step is not None, f"config_flow.py:{node.lineno}: no step_id"
                    step_ids = _strings(step, flow)
                    assert step_ids, f"config_flow.py:{node.lineno}: step_id not a literal"
                    schema = _keyword(node, "data_schema")
                    fields = _schema_fields(schema, function, flow) if schema else set()
                    for step_id in step_ids:
                        yield section, step_id, fields


FORMS = sorted(_forms())


def test_config_flow_forms_found() -> None:
    assert FORMS
    assert all(fields for _, _, fields in FORMS), FORMS


@pytest.mark.parametrize(("section", "step_id", "fields"), FORMS)
def test_config_flow_step_translations_have_data_for_every_field(
    section: str, step_id: str, fields: set[str]
) -> None:
    step = TRANSLATIONS.get(section, {}).get("step", {}).get(step_id)
    assert step is not None, f"{section}.step.{step_id} missing"
    assert fields <= set(step.get("data", {})), fields - set(step.get("data", {}))


@pytest.mark.parametrize(("section", "step_id", "fields"), FORMS)
def test_config_flow_step_translations_have_data_description(
    section: str, step_id: str, fields: set[str]
) -> None:
    # Quality scale rule config-flow: every field explains itself.
    step = TRANSLATIONS.get(section, {}).get("step", {}).get(step_id, {})
    described = set(step.get("data_description", {}))
    assert fields <= described, fields - described


def _flow_placeholders() -> set[str]:
    """Placeholders the flows fill: ``placeholders[...]`` and ``*_placeholders`` dicts."""
    flow = _module("config_flow")
    names: set[str] = set()
    for node in ast.walk(SOURCES["config_flow"]):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                text = ast.unparse(target)
                if "placeholders" not in text:
                    continue
                names |= _dict_keys(node.value, flow)
                if isinstance(target, ast.Subscript) and text.split("[")[0].endswith(
                    "placeholders"
                ):
                    names |= _strings(target.slice, flow) or set()
        elif isinstance(node, ast.AnnAssign) and "placeholders" in ast.unparse(node.target):
            names |= _dict_keys(node.value, flow)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg and keyword.arg.endswith("placeholders"):
                    names |= _dict_keys(keyword.value, flow)
    # An abort of identity.py: AbortFlow(reason, placeholders).
    for node in ast.walk(SOURCES["identity"]):
        if isinstance(node, ast.Call) and _call_name(node) == "AbortFlow" and len(node.args) > 1:
            names |= _dict_keys(node.args[1], _module("identity"))
    return names


def test_config_flow_placeholders_are_provided() -> None:
    provided = _flow_placeholders()
    missing = [
        f"{'.'.join(path)}: {{{name}}}"
        for section in ("config", "options")
        for path, value in _leaves(TRANSLATIONS.get(section, {}), (section,))
        for name in sorted(_placeholders(value) - provided)
    ]
    assert not missing


# ----- entities


def _is_description(value: object) -> bool:
    """Whether ``value`` is an entity description.

    Home Assistant's own description classes, instantiated directly, are
    "thawed" copies that ``isinstance(value, EntityDescription)`` does not see.
    """
    return any(cls.__name__ == "EntityDescription" for cls in type(value).__mro__)


def _descriptions(platform: str) -> list[EntityDescription]:
    """Every entity description of a platform: module-level tuples plus the factories."""
    module = _module(platform)
    found: list[EntityDescription] = []
    for value in vars(module).values():
        if _is_description(value):
            found.append(value)
        elif isinstance(value, tuple | list) and value:
            found += [item for item in value if _is_description(item)]
    if platform == "sensor":
        # One sensor per check the gateway reports: build them for a made-up check.
        run = SimpleNamespace(checks=[SimpleNamespace(name="Grid code")])
        owner = SimpleNamespace(commissioning_diagnostic=run, update_diagnostic=run)
        for prefix in ("", "sync_"):
            found += module.check_sensors(prefix, owner, lambda subject: subject)
    return found


def _literal_translation_keys(platform: str) -> set[str]:
    keys: set[str] = set()
    for node in ast.walk(SOURCES[platform]):
        if isinstance(node, ast.Call) and (value := _keyword(node, "translation_key")):
            keys |= _strings(value, _module(platform)) or set()
    return keys


PLATFORMS = sorted(name for name in SOURCES if name in set(Platform))


def test_entity_platforms_found() -> None:
    assert PLATFORMS == ["binary_sensor", "event", "sensor"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_entity_translation_keys_exist(platform: str) -> None:
    descriptions = _descriptions(platform)
    keys = {d.translation_key for d in descriptions if d.translation_key}
    assert keys, "no entity description found: is the scan broken?"
    assert _literal_translation_keys(platform) <= keys, "descriptions the scan did not find"
    known = TRANSLATIONS.get("entity", {}).get(platform, {})
    assert not sorted(keys - set(known))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_entity_name_placeholders_are_provided(platform: str) -> None:
    known = TRANSLATIONS.get("entity", {}).get(platform, {})
    missing = []
    for description in _descriptions(platform):
        name = known.get(description.translation_key, {}).get("name", "")
        provided = set(description.translation_placeholders or {})
        if absent := _placeholders(name) - provided:
            missing.append(f"{description.key}: {absent}")
    assert not missing


def test_entity_enum_states_are_translated() -> None:
    known = TRANSLATIONS.get("entity", {}).get("sensor", {})
    missing = []
    for description in _descriptions("sensor"):
        options = getattr(description, "options", None)
        if not options:
            continue
        states = known.get(description.translation_key, {}).get("state", {})
        missing += [f"{description.translation_key}.{o}" for o in options if o not in states]
    assert not missing


# ----------------------------------------------------------------------- icons.json


def test_icons_are_mdi() -> None:
    bad = [
        ".".join(path)
        for path, value in _leaves(ICONS)
        if not isinstance(value, str) or not value.startswith("mdi:")
    ]
    assert not bad


def test_icons_keys_are_entity_translation_keys() -> None:
    translated = TRANSLATIONS.get("entity", {})
    unknown = [
        f"{platform}.{key}"
        for platform, entries in ICONS.get("entity", {}).items()
        for key in entries
        if key not in translated.get(platform, {})
    ]
    assert not unknown


def test_icons_states_are_entity_states() -> None:
    translated = TRANSLATIONS.get("entity", {})
    unknown = []
    for platform, entries in ICONS.get("entity", {}).items():
        for key, icons in entries.items():
            states = set(translated.get(platform, {}).get(key, {}).get("state", {}))
            if platform == "binary_sensor":
                states |= {"on", "off"}
            unknown += [f"{platform}.{key}.{s}" for s in icons.get("state", {}) if s not in states]
    assert not unknown


# ------------------------------------------------------------------ quality_scale.yaml

QUALITY_RULES = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}
ALL_RULES = {rule for rules in QUALITY_RULES.values() for rule in rules}


def _quality_scale() -> dict[str, Any]:
    data = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    assert set(data) == {"rules"}
    assert isinstance(data["rules"], dict)
    return data["rules"]


def test_quality_scale_rule_list_is_complete() -> None:
    sizes = {tier: len(rules) for tier, rules in QUALITY_RULES.items()}
    assert sizes == {"bronze": 20, "silver": 10, "gold": 21, "platinum": 3}
    assert len(ALL_RULES) == 54


def test_quality_scale_lists_every_rule() -> None:
    assert not sorted(ALL_RULES - set(_quality_scale()))


def test_quality_scale_has_no_unknown_rule() -> None:
    assert not sorted(set(_quality_scale()) - ALL_RULES)


def test_quality_scale_statuses_are_valid() -> None:
    bad = []
    for rule, value in _quality_scale().items():
        if isinstance(value, str):
            if value not in {"done", "todo"}:
                bad.append(f"{rule}: {value!r} (exempt needs the dict form with a comment)")
        elif isinstance(value, dict):
            status, comment = value.get("status"), value.get("comment")
            if status not in {"done", "todo", "exempt"} or set(value) - {"status", "comment"}:
                bad.append(f"{rule}: {value!r}")
            elif status == "exempt" and not (isinstance(comment, str) and comment.strip()):
                bad.append(f"{rule}: exempt without a comment")
        else:
            bad.append(f"{rule}: {value!r}")
    assert not bad


# ------------------------------------------------------------------------ brand


def _png_size(path: Path) -> tuple[int, int, int]:
    """Width, height and colour type from a PNG's IHDR chunk."""
    data = path.read_bytes()[:29]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR"), f"{path.name}: IHDR is not the first chunk"
    width, height, _depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, colour


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("icon.png", 256),
        ("icon@2x.png", 512),
        ("dark_icon.png", 256),
        ("dark_icon@2x.png", 512),
    ],
)
def test_brand_icon_size(name: str, size: int) -> None:
    assert (BRAND / name).is_file(), f"brand/{name} missing"
    width, height, _ = _png_size(BRAND / name)
    assert (width, height) == (size, size)


def test_brand_ships_no_logo_that_copies_an_icon() -> None:
    """The brands rules flag a logo identical to the icon; Home Assistant falls back to the icon."""
    icons = {(BRAND / name).read_bytes() for name in ("icon.png", "dark_icon.png")}
    icons |= {(BRAND / name).read_bytes() for name in ("icon@2x.png", "dark_icon@2x.png")}
    copies = [path.name for path in sorted(BRAND.glob("*logo*.png")) if path.read_bytes() in icons]
    assert copies == []


@pytest.mark.parametrize(
    ("image", "served"),
    [
        ("icon.png", "icon.png"),
        ("icon@2x.png", "icon@2x.png"),
        ("dark_icon.png", "dark_icon.png"),
        ("dark_icon@2x.png", "dark_icon@2x.png"),
        ("logo.png", "icon.png"),
        ("logo@2x.png", "icon.png"),
        ("dark_logo.png", "dark_icon.png"),
        ("dark_logo@2x.png", "dark_icon@2x.png"),
    ],
)
@pytest.mark.usefixtures("enable_custom_integrations")
async def test_home_assistant_serves_every_brand_image(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, image: str, served: str
) -> None:
    """Each image the frontend may ask for comes from brand/, the logos by falling back."""
    assert await async_setup_component(hass, "brands", {})
    client = await hass_client()

    response = await client.get(f"/api/brands/integration/{DOMAIN}/{image}")

    assert response.status == 200
    assert await response.read() == (BRAND / served).read_bytes()


def test_brand_images_have_transparency() -> None:
    for path in sorted(BRAND.glob("*.png")):
        # Colour types 4 and 6 carry an alpha channel.
        assert _png_size(path)[2] in {4, 6}, path.name


def test_brand_images_match_their_script(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("make_brand", ROOT / "scripts/make_brand.py")
    assert spec is not None
    assert spec.loader is not None
    make_brand = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up in sys.modules.
    monkeypatch.setitem(sys.modules, spec.name, make_brand)
    spec.loader.exec_module(make_brand)
    expected = make_brand.images()
    assert sorted(path.name for path in BRAND.iterdir()) == sorted(expected)
    stale = [name for name, data in expected.items() if (BRAND / name).read_bytes() != data]
    assert not stale, "run scripts/make_brand.py"


# -------------------------------------------------------------------- platforms


@pytest.mark.parametrize("platform", PLATFORMS)
def test_parallel_updates_defined(platform: str) -> None:
    value = getattr(_module(platform), "PARALLEL_UPDATES", None)
    assert isinstance(value, int), f"{platform}.py does not set PARALLEL_UPDATES"
    assert value >= 0


def test_readme_names_only_tests_that_exist() -> None:
    """The README's fault table points at tests; a renamed test must not leave it stale."""
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"`(test_[a-z0-9_]+)`", readme))
    assert named, "the README's fault table names no test: is the scan broken?"
    defined = {
        match
        for path in (ROOT / "tests").rglob("test_*.py")
        for match in re.findall(r"^(?:async )?def (test_[a-z0-9_]+)", path.read_text(), re.M)
    }
    assert sorted(named - defined) == []
