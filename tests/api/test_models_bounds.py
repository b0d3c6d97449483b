"""A flood of batteries, checks or text costs a bounded parse, and says it was cut."""

from __future__ import annotations

import json
from typing import Any

from benchmarks.bench_parse import payload
from custom_components.powerwall_gateway.api import (
    GridStatusInfo,
    Powerwalls,
)
from custom_components.powerwall_gateway.api.models import (
    MAX_BATTERIES,
    MAX_CHECKS,
    MAX_MESSAGE_LENGTH,
    MAX_NAME_LENGTH,
    MAX_STATES,
    parse_status,
)

from .conftest import load_json


def _decoded(batteries: int, checks: int | None = None) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(payload(batteries, checks))
    return decoded


def test_the_bounds() -> None:
    assert (MAX_BATTERIES, MAX_CHECKS, MAX_STATES) == (32, 64, 64)
    assert (MAX_NAME_LENGTH, MAX_MESSAGE_LENGTH) == (255, 1024)


def test_the_largest_payload_within_the_bounds_is_kept_whole() -> None:
    powerwalls = Powerwalls.from_json(_decoded(MAX_BATTERIES, MAX_CHECKS))

    assert len(powerwalls.powerwalls) == MAX_BATTERIES
    assert powerwalls.skipped_powerwalls == 0
    assert powerwalls.truncated is False
    assert powerwalls.dropped_checks == 0
    for battery in powerwalls.powerwalls:
        for diagnostic in (battery.commissioning_diagnostic, battery.update_diagnostic):
            assert diagnostic is not None
            assert len(diagnostic.checks) == MAX_CHECKS


def test_a_flood_of_batteries_keeps_the_first_32_and_says_so() -> None:
    flood = _decoded(1000, 20)

    powerwalls = Powerwalls.from_json(flood)

    assert [b.package_serial_number for b in powerwalls.powerwalls] == [
        raw["PackageSerialNumber"] for raw in flood["powerwalls"][:MAX_BATTERIES]
    ]
    assert powerwalls.dropped_powerwalls == 1000 - MAX_BATTERIES
    # Only the runs of batteries kept count: the others were never looked at.
    assert powerwalls.dropped_checks == 0
    # The list is incomplete: a caller must not take a missing battery for a removed one.
    assert powerwalls.skipped_powerwalls == 1000 - MAX_BATTERIES
    assert powerwalls.truncated is True


def test_checks_beyond_64_per_run_are_dropped_and_counted() -> None:
    powerwalls = Powerwalls.from_json(_decoded(1, 100))

    [battery] = powerwalls.powerwalls
    assert battery.commissioning_diagnostic is not None
    checks = battery.commissioning_diagnostic.checks
    assert [c.name for c in checks] == [f"CAN connectivity {i}" for i in range(MAX_CHECKS)]
    assert powerwalls.sync is not None
    assert powerwalls.sync.update_diagnostic is not None
    assert len(powerwalls.sync.update_diagnostic.checks) == MAX_CHECKS
    # Two runs of the battery, two of the synchronizer.
    assert powerwalls.dropped_checks == 4 * (100 - MAX_CHECKS)
    assert powerwalls.truncated is True


def test_too_many_checks_in_the_synchronizer_alone_mark_it_truncated() -> None:
    data = _decoded(1)
    data["sync"]["update_diagnostic"]["checks"] *= 30  # 90 checks
    powerwalls = Powerwalls.from_json(data)
    assert powerwalls.dropped_checks == 90 - MAX_CHECKS
    assert powerwalls.truncated is True


def test_states_beyond_64_are_dropped_and_counted() -> None:
    data = load_json("powerwalls.json")
    data["states"] = [f"state_{i}" for i in range(100)]
    powerwalls = Powerwalls.from_json(data)
    assert powerwalls.states == tuple(f"state_{i}" for i in range(MAX_STATES))
    assert powerwalls.dropped_states == 100 - MAX_STATES
    assert powerwalls.truncated is True


def test_over_long_strings_are_cut() -> None:
    data = load_json("powerwalls.json")
    data["phase_detection_last_error"] = "e" * 5000
    data["states"] = ["s" * 300]
    data["gateway_din"] = "D" * 300
    battery = data["powerwalls"][0]
    battery["PackageSerialNumber"] = "TG" + "1" * 100_000
    battery["PackagePartNumber"] = "P" * 300
    battery["grid_state"] = "Grid_" + "x" * 300
    check = battery["commissioning_diagnostic"]["checks"][0]
    check["name"] = "  " + "n" * 100_000
    check["message"] = "m" * 100_000
    check["status"] = "s" * 300

    powerwalls = Powerwalls.from_json(data)

    assert powerwalls.status.phase_detection_last_error == "e" * MAX_MESSAGE_LENGTH
    assert powerwalls.states == ("s" * MAX_NAME_LENGTH,)
    assert powerwalls.gateway_din == "D" * MAX_NAME_LENGTH
    [parsed] = powerwalls.powerwalls
    assert parsed.package_serial_number == ("TG" + "1" * 100_000)[:MAX_NAME_LENGTH]
    assert parsed.package_part_number == "P" * MAX_NAME_LENGTH
    assert parsed.grid_state == ("Grid_" + "x" * 300)[:MAX_NAME_LENGTH]
    assert parsed.commissioning_diagnostic is not None
    first = parsed.commissioning_diagnostic.checks[0]
    assert first.name == "n" * MAX_NAME_LENGTH
    assert first.message == "m" * MAX_MESSAGE_LENGTH
    assert first.status == "s" * MAX_NAME_LENGTH
    # Cutting strings is not dropping entries.
    assert powerwalls.truncated is False


def test_over_long_strings_of_the_small_endpoints_are_cut() -> None:
    status = parse_status({"on_grid_check_error": "o" * 2000, "updating": False})
    assert status.on_grid_check_error == "o" * MAX_MESSAGE_LENGTH
    grid = GridStatusInfo.from_json({"grid_status": "System" + "z" * 300})
    assert grid.grid_status == ("System" + "z" * 300)[:MAX_NAME_LENGTH]
