"""Whatever a firmware sends, the parser returns a model or says the answer is invalid."""

from __future__ import annotations

from collections.abc import Callable
import copy
import re
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.powerwall_gateway.api import (
    GatewayInfo,
    GridStatusInfo,
    PowerwallInvalidResponseError,
    Powerwalls,
)
from custom_components.powerwall_gateway.api.models import (
    parse_status,
)
from simulator.payloads import STATUS_FLAGS

from .conftest import load_json

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**320)
    | st.floats()
    | st.text()
    | st.sampled_from(["Grid_Compliant", "PASS", "acpw", "2024-10-01T10:00:00.1234567890+00:00"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

Parser = Callable[[object], object]
PARSERS: list[tuple[str, Parser]] = [
    ("powerwalls.json", Powerwalls.from_json),
    ("powerwalls_update_progress_fraction.json", Powerwalls.from_json),
    ("powerwalls_4_batteries.json", Powerwalls.from_json),
    ("powerwalls_status.json", parse_status),
    ("grid_status.json", GridStatusInfo.from_json),
    ("status.json", GatewayInfo.from_json),
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a decoded payload: object keys and list indexes."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _mutate(payload: Any, data: st.DataObject) -> Any:
    """Apply a few random firmware-like changes to a copy of ``payload``."""
    for _ in range(data.draw(st.integers(1, 8), label="mutations")):
        path = data.draw(st.sampled_from(_paths(payload)), label="path")
        action = data.draw(
            st.sampled_from(["drop", "null", "replace", "extra", "huge", "unicode"]),
            label="action",
        )
        if not path:
            if action == "replace":
                payload = data.draw(json_values, label="top level")
            continue
        parent = payload
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        if action == "drop":
            del parent[key]
        elif action == "null":
            parent[key] = None
        elif action == "replace":
            parent[key] = data.draw(json_values, label="value")
        elif action == "extra" and isinstance(parent[key], dict):
            parent[key][data.draw(st.text(max_size=12), label="key")] = data.draw(json_values)
        elif action == "huge":
            parent[key] = [copy.deepcopy(parent[key])] * data.draw(st.integers(50, 400))
        elif action == "unicode":
            parent[key] = data.draw(st.text(min_size=1, alphabet=st.characters()), label="text")
    return payload


# The keys whose wrong JSON type makes a whole answer invalid (see models.py).
STRUCTURE_KEYS = {"powerwalls", "sync", "states", "grid_status", *STATUS_FLAGS}


def _assert_refused_for_its_structure(payload: object, err: PowerwallInvalidResponseError) -> None:
    """A refusal names a real structural fault: not an object, or a key of the wrong type."""
    if not isinstance(payload, dict):
        assert "expected a JSON object" in str(err)
        return
    named = re.search(r"'(\w+)' is a JSON (\w+), expected", str(err))
    assert named is not None, str(err)
    key, found = named.groups()
    assert key in STRUCTURE_KEYS
    assert payload.get(key) is not None
    assert found != "null"


@pytest.mark.parametrize(("fixture", "parse"), PARSERS)
@FUZZ
@given(data=st.data())
def test_mutated_payloads_parse_or_are_invalid(
    fixture: str, parse: Parser, data: st.DataObject
) -> None:
    payload = _mutate(load_json(fixture), data)
    try:
        parse(payload)
    except PowerwallInvalidResponseError as err:
        _assert_refused_for_its_structure(payload, err)


@pytest.mark.parametrize(("fixture", "parse"), PARSERS)
@FUZZ
@given(value=json_values)
def test_any_json_value_parses_or_is_invalid(fixture: str, parse: Parser, value: object) -> None:
    assert fixture
    try:
        parse(value)
    except PowerwallInvalidResponseError as err:
        _assert_refused_for_its_structure(value, err)
