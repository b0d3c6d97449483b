"""The parser turns every payload shape seen in the wild into typed models."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
import re
from typing import Any

import pytest

from custom_components.powerwall_gateway.api import (
    BatteryType,
    Check,
    CheckResult,
    CheckStatus,
    Diagnostic,
    GatewayInfo,
    GridConnection,
    GridState,
    GridStatus,
    GridStatusInfo,
    PowerwallInvalidResponseError,
    Powerwalls,
    PowerwallStatus,
)
from custom_components.powerwall_gateway.api.models import (
    parse_status,
    worst_status,
)
from simulator.payloads import STATUS_FLAGS

from .conftest import FIXTURES, load_json

POWERWALLS_FIXTURES = sorted(p.name for p in FIXTURES.glob("powerwalls*.json"))
SEED_SERIAL = "TG123456789V61"


@pytest.mark.parametrize("name", POWERWALLS_FIXTURES)
def test_every_powerwalls_fixture_parses(name: str) -> None:
    if name == "powerwalls_status.json":
        assert parse_status(load_json(name)).phase_detection_not_available is True
        return
    powerwalls = Powerwalls.from_json(load_json(name))
    assert powerwalls.status.phase_detection_last_error == "no phase information"
    for battery in powerwalls.powerwalls:
        assert battery.package_serial_number.startswith("TG")


def test_seed_powerwalls_parses_every_field() -> None:
    powerwalls = Powerwalls.from_json(load_json("powerwalls.json"))

    assert powerwalls.gateway_din == "1234567-00-E--TG123456789A4M"
    assert powerwalls.states is None
    assert powerwalls.skipped_powerwalls == 0
    assert powerwalls.status.on_grid_check_error == (
        "run sitemanager flag enabled, sitemanager process is running"
    )
    [battery] = powerwalls.powerwalls
    assert battery.package_serial_number == SEED_SERIAL
    assert battery.package_part_number == "1234567-05-B"
    assert battery.type is BatteryType.ACPW
    assert battery.model == "Powerwall 2"
    assert battery.grid_state is GridState.GRID_UNCOMPLIANT
    assert battery.grid_reconnection_time_seconds == 0.0
    assert battery.under_phase_detection is False
    assert battery.in_config is True
    assert battery.bc_type is None
    commissioning = battery.commissioning_diagnostic
    assert commissioning is not None
    assert commissioning.name == "Commissioning"
    assert commissioning.category == "InternalComms"
    assert commissioning.disruptive is False
    assert commissioning.alert is False
    assert [c.name for c in commissioning.checks] == [
        "CAN connectivity",
        "Enable switch",
        "Internal communications",
        "Firmware up-to-date",
    ]
    # A healthy running system: every check "fail"ed because the gateway refused to run it.
    assert commissioning.result is CheckResult.SITE_CONTROLLER_RUNNING
    assert all(c.status is CheckStatus.FAIL for c in commissioning.checks)
    assert all(c.result is CheckResult.SITE_CONTROLLER_RUNNING for c in commissioning.checks)
    first = commissioning.checks[0]
    assert first.message is not None
    assert first.message.startswith("Cannot perform this action with site controller running.")
    assert first.start_time == datetime(
        2023, 7, 30, 1, 48, 19, 355910, tzinfo=timezone(timedelta(hours=-6))
    )
    update = battery.update_diagnostic
    assert update is not None
    assert update.result is CheckResult.NOT_RUN
    assert update.progress_percent == 0.0
    assert update.checks[0].start_time is None
    assert powerwalls.sync is not None
    assert powerwalls.sync.updating is False
    assert powerwalls.sync.update_diagnostic is not None
    assert [c.name for c in powerwalls.sync.update_diagnostic.checks] == [
        "Synchronizer firmware",
        "Islanding configuration",
        "Grid code",
    ]


def test_status_endpoint_and_powerwalls_carry_the_same_flags() -> None:
    status = parse_status(load_json("powerwalls_status.json"))
    assert status == Powerwalls.from_json(load_json("powerwalls.json")).status
    assert status.active is False
    assert len(STATUS_FLAGS) == 10
    assert all(getattr(status, flag) is not None for flag in STATUS_FLAGS)


def test_missing_din_msa_and_debug_leave_no_gateway_din() -> None:
    powerwalls = Powerwalls.from_json(load_json("powerwalls_no_din_msa_debug.json"))
    assert powerwalls.gateway_din is None
    assert powerwalls.powerwalls


def test_blank_din_counts_as_missing() -> None:
    payload = load_json("powerwalls.json")
    payload["gateway_din"] = "   "
    assert Powerwalls.from_json(payload).gateway_din is None


def test_extra_keys_are_ignored_and_null_checks_mean_no_checks() -> None:
    powerwalls = Powerwalls.from_json(load_json("powerwalls_extra_keys.json"))
    [battery] = powerwalls.powerwalls
    assert battery.commissioning_diagnostic is not None
    assert battery.commissioning_diagnostic.checks == ()
    assert battery.commissioning_diagnostic.result is None
    assert battery.update_diagnostic is not None
    assert len(battery.update_diagnostic.checks) == 4


def test_sync_null_and_sync_without_diagnostics() -> None:
    assert Powerwalls.from_json(load_json("powerwalls_sync_null.json")).sync is None
    sync = Powerwalls.from_json(load_json("powerwalls_sync_without_diagnostics.json")).sync
    assert sync is not None
    assert sync.updating is True
    assert sync.commissioning_diagnostic is None
    assert sync.update_diagnostic is None


@pytest.mark.parametrize(
    ("name", "states"),
    [
        ("powerwalls.json", None),
        ("powerwalls_states_empty.json", ()),
        ("powerwalls_states_strings.json", ("grid_qualifying", "updating")),
    ],
)
def test_states(name: str, states: tuple[str, ...] | None) -> None:
    assert Powerwalls.from_json(load_json(name)).states == states


def test_states_keep_only_strings() -> None:
    payload = load_json("powerwalls.json")
    payload["states"] = ["ok", 3, None, {"a": 1}]
    assert Powerwalls.from_json(payload).states == ("ok",)


@pytest.mark.parametrize(
    ("name", "battery_type", "model"),
    [
        ("powerwalls.json", BatteryType.ACPW, "Powerwall 2"),
        ("powerwalls_type_lowercase.json", BatteryType.ACPW, "Powerwall 2"),
        ("powerwalls_type_capitalised_key.json", BatteryType.ACPW, "Powerwall 2"),
        ("powerwalls_type_solarpowerwall.json", BatteryType.SOLARPOWERWALL, "Powerwall+"),
        ("powerwalls_unknown_enums.json", "PowerwallX", "PowerwallX"),
    ],
)
def test_battery_type_and_model(name: str, battery_type: str, model: str) -> None:
    [battery] = Powerwalls.from_json(load_json(name)).powerwalls
    assert battery.type == battery_type
    assert battery.model == model


def test_missing_type_gives_a_generic_model() -> None:
    payload = load_json("powerwalls.json")
    payload["powerwalls"][0]["type"] = None
    del payload["powerwalls"][0]["Type"]
    [battery] = Powerwalls.from_json(payload).powerwalls
    assert battery.type is None
    assert battery.model == "Powerwall"


def test_unknown_enum_values_are_kept_as_plain_strings() -> None:
    powerwalls = Powerwalls.from_json(load_json("powerwalls_unknown_enums.json"))
    [battery] = powerwalls.powerwalls
    assert battery.grid_state == "Grid_Mystery"
    assert not isinstance(battery.grid_state, GridState)
    assert battery.commissioning_diagnostic is not None
    skipped = battery.commissioning_diagnostic.checks[0].status
    assert skipped == "skipped"
    assert not isinstance(skipped, CheckStatus)
    # An unknown status is not good news: it outranks every known one but "fail",
    # and the three others here were only refused (site controller running).
    assert battery.commissioning_diagnostic.result == "skipped"
    assert powerwalls.sync is not None
    assert powerwalls.sync.update_diagnostic is not None
    assert powerwalls.sync.update_diagnostic.result == "Pending"


def test_enum_values_match_case_insensitively() -> None:
    payload = load_json("powerwalls.json")
    payload["powerwalls"][0]["grid_state"] = "grid_compliant"
    payload["powerwalls"][0]["commissioning_diagnostic"]["checks"][0]["status"] = "PASS"
    [battery] = Powerwalls.from_json(payload).powerwalls
    assert battery.grid_state is GridState.GRID_COMPLIANT
    assert battery.commissioning_diagnostic is not None
    assert battery.commissioning_diagnostic.checks[0].status is CheckStatus.PASS


def test_check_counts_vary_per_battery() -> None:
    powerwalls = Powerwalls.from_json(load_json("powerwalls_varying_checks.json"))
    counts = [
        len(b.commissioning_diagnostic.checks)
        for b in powerwalls.powerwalls
        if b.commissioning_diagnostic is not None
    ]
    assert counts == [2, 0, 5]


def test_batteries_are_identified_by_serial() -> None:
    powerwalls = Powerwalls.from_json(load_json("powerwalls_12_batteries.json"))
    serials = [b.package_serial_number for b in powerwalls.powerwalls]
    assert len(serials) == 12
    assert len(set(serials)) == 12
    assert serials[0] == SEED_SERIAL
    assert len(Powerwalls.from_json(load_json("powerwalls_4_batteries.json")).powerwalls) == 4


def test_a_malformed_entry_costs_only_that_entry() -> None:
    powerwalls = Powerwalls.from_json(load_json("powerwalls_malformed_entries.json"))
    # A string, a battery without serial and a duplicate serial are skipped.
    assert powerwalls.skipped_powerwalls == 3
    first, second = powerwalls.powerwalls
    assert first.commissioning_diagnostic is not None
    # The check without a name is gone; the one with a bad time keeps everything else.
    assert [c.name for c in first.commissioning_diagnostic.checks] == [
        "CAN connectivity",
        "Internal communications",
        "Firmware up-to-date",
    ]
    bad_time = first.commissioning_diagnostic.checks[1]
    assert bad_time.start_time is None
    assert bad_time.end_time is not None
    assert bad_time.status is CheckStatus.FAIL
    assert second.grid_reconnection_time_seconds is None
    assert second.update_diagnostic is None
    assert second.grid_state is GridState.GRID_UNCOMPLIANT


def test_duplicate_check_names_keep_the_first() -> None:
    diagnostic = Diagnostic.from_dict(
        {"checks": [{"name": "A", "status": "pass"}, {"name": "A", "status": "fail"}]}
    )
    assert diagnostic is not None
    assert [c.status for c in diagnostic.checks] == [CheckStatus.PASS]


def test_firmware_update_progress_as_fraction() -> None:
    powerwalls = Powerwalls.from_json(load_json("powerwalls_update_progress_fraction.json"))
    assert powerwalls.status.updating is True
    assert powerwalls.status.active is True
    [battery] = powerwalls.powerwalls
    update = battery.update_diagnostic
    assert update is not None
    assert [c.progress_percent for c in update.checks] == [100.0, 42.0, 0.0, 0.0]
    assert update.progress_percent == pytest.approx(35.5)
    assert update.result is CheckResult.RUNNING
    # Nanosecond timestamps are cut to microseconds, not dropped.
    assert update.checks[0].start_time == datetime(2024, 10, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert update.checks[0].end_time == datetime(2024, 10, 1, 10, 5, 0, 987654, tzinfo=UTC)
    assert update.checks[1].start_time == datetime(2024, 10, 1, 10, 5, 1, 0, tzinfo=UTC)
    assert powerwalls.sync is not None
    assert powerwalls.sync.update_diagnostic is not None
    assert powerwalls.sync.update_diagnostic.checks[0].progress_percent == 50.0


@pytest.mark.parametrize(
    ("progress", "percent"),
    [
        (None, None),
        (0, 0.0),
        (0.005, 0.5),
        (0.5, 50.0),
        (1, 100.0),
        (42, 42.0),  # above 1: already a percentage
        (100, 100.0),
        (250, 100.0),
        (-0.5, 0.0),
        ("50", None),
        (True, None),
        (float("nan"), None),
        (10**400, None),
    ],
)
def test_progress_percent(progress: object, percent: float | None) -> None:
    check = Check.from_dict({"name": "Battery firmware", "progress": progress})
    assert check is not None
    assert check.progress_percent == percent


@pytest.mark.parametrize(
    ("statuses", "result"),
    [
        ([], None),
        ([None], None),
        (["pass", "pass"], CheckStatus.PASS),
        (["pass", "not_run"], CheckStatus.NOT_RUN),
        (["not_run", "running", "pass"], CheckStatus.RUNNING),
        (["running", "weird"], "weird"),
        (["weird", "fail", "pass"], CheckStatus.FAIL),
    ],
)
def test_diagnostic_result_is_the_worst_check(statuses: list[str | None], result: str) -> None:
    diagnostic = Diagnostic.from_dict(
        {"checks": [{"name": f"c{i}", "status": s} for i, s in enumerate(statuses)]}
    )
    assert diagnostic is not None
    assert diagnostic.result == result
    assert worst_status(c.status for c in diagnostic.checks) == result


@pytest.mark.parametrize(
    "value",
    [
        "2023-07-30T01:48:19",  # no zone: cannot be placed on the timeline
        "yesterday",
        "",
        12345,
        None,
    ],
)
def test_unusable_times_become_none(value: object) -> None:
    check = Check.from_dict({"name": "x", "start_time": value})
    assert check is not None
    assert check.start_time is None


def test_times_with_a_z_suffix_parse() -> None:
    check = Check.from_dict({"name": "x", "start_time": "2024-10-01T10:00:00.123456789Z"})
    assert check is not None
    assert check.start_time == datetime(2024, 10, 1, 10, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "grid_status", "connected"),
    [
        ("grid_status.json", GridStatus.SYSTEM_GRID_CONNECTED, True),
        ("grid_status_islanded.json", GridStatus.SYSTEM_ISLANDED_ACTIVE, False),
        ("grid_status_unknown.json", "SystemMysteryState", None),
    ],
)
def test_grid_status(name: str, grid_status: str, connected: bool | None) -> None:
    info = GridStatusInfo.from_json(load_json(name))
    assert info.grid_status == grid_status
    assert info.connected is connected


def test_a_faulted_microgrid_is_off_grid() -> None:
    """Powerwall-Dashboard#158: an outage that reads ``SystemMicroGridFaulted``."""
    info = GridStatusInfo.from_json(load_json("grid_status_microgrid_faulted.json"))
    assert info.grid_status is GridStatus.SYSTEM_MICRO_GRID_FAULTED
    assert info.connected is False
    assert info.connection is GridConnection.FAULTED


def test_older_firmware_without_grid_services_active() -> None:
    info = GridStatusInfo.from_json(load_json("grid_status_without_services.json"))
    assert info.grid_status is GridStatus.SYSTEM_ISLANDED_ACTIVE
    assert info.grid_services_active is None
    assert info.connected is False


@pytest.mark.parametrize(
    ("grid_status", "reason"),
    [
        ("SystemGridConnected", GridConnection.ON_GRID),
        ("SystemIslandedActive", GridConnection.ISLANDED),
        ("SystemIslandedReady", GridConnection.ISLANDED),
        ("SystemTransitionToIsland", GridConnection.GOING_OFF_GRID),
        ("SystemTransitionToGrid", GridConnection.RECONNECTING),
        ("SystemWaitForUser", GridConnection.WAITING_FOR_USER),
        ("SystemMicroGridFaulted", GridConnection.FAULTED),
    ],
)
def test_every_known_grid_status_has_its_reason(grid_status: str, reason: GridConnection) -> None:
    info = GridStatusInfo.from_json({"grid_status": grid_status})
    assert isinstance(info.grid_status, GridStatus)
    assert info.connection is reason
    assert info.connected is (reason is GridConnection.ON_GRID)


@pytest.mark.parametrize("grid_status", list(GridStatus))
def test_no_known_grid_status_is_unknown(grid_status: GridStatus) -> None:
    assert GridStatusInfo(grid_status=grid_status).connected is not None


@pytest.mark.parametrize(
    ("grid_status", "reason"),
    [
        ("SystemIslandFaulted", GridConnection.FAULTED),
        ("SystemGridFault", GridConnection.FAULTED),
        ("system_micro_grid_faulted_hard", GridConnection.FAULTED),
        ("SystemIslandedSyncing", GridConnection.ISLANDED),
        ("SystemMicroGridActive", GridConnection.ISLANDED),
        ("SystemMICROGRIDReady", GridConnection.ISLANDED),
        ("SystemTransitionToIslandSlow", GridConnection.GOING_OFF_GRID),
        ("SystemTransitionToGridQualifying", GridConnection.RECONNECTING),
        ("SystemWaitForUserAck", GridConnection.WAITING_FOR_USER),
        ("system_wait_for_user_2", GridConnection.WAITING_FOR_USER),
    ],
)
def test_an_unknown_status_that_names_an_off_grid_state_reads_off_grid(
    grid_status: str, reason: GridConnection
) -> None:
    """New firmware values are kept as sent, and still drive outage automations."""
    info = GridStatusInfo.from_json({"grid_status": grid_status})
    assert info.grid_status == grid_status
    assert not isinstance(info.grid_status, GridStatus)
    assert info.connected is False
    assert info.connection is reason


@pytest.mark.parametrize(
    "grid_status", ["SystemMysteryState", "SystemDefault", "SystemGridConnectedV2", "", None]
)
def test_a_status_that_says_nothing_either_way_stays_unknown(grid_status: str | None) -> None:
    info = GridStatusInfo.from_json({"grid_status": grid_status})
    assert info.connected is None
    assert info.connection is None


def test_gateway_info() -> None:
    info = GatewayInfo.from_json(load_json("status.json"))
    assert info.din == "1232100-00-E--TG123456789A4M"
    assert info.version == "24.36.2 46990655"
    assert info.firmware_version == "24.36.2"
    assert info.git_hash == "46990655b0c6b6d6d0d6"
    assert info.device_type == "teg"
    assert info.up_time_seconds == "12h0m0s"


@pytest.mark.parametrize(("version", "firmware"), [(None, None), ("", None), ("   ", None)])
def test_gateway_info_without_version(version: str | None, firmware: str | None) -> None:
    assert GatewayInfo.from_json({"version": version}).firmware_version == firmware


def test_missing_flags_become_none() -> None:
    status = PowerwallStatus.from_dict({"updating": None, "bubble_shedding": True})
    assert status.updating is None
    assert status.bubble_shedding is True
    assert status.enumerating is None
    assert status.active is False


def _with(name: str, **changes: object) -> dict[str, Any]:
    payload: dict[str, Any] = load_json(name)
    payload.update(changes)
    return payload


@pytest.mark.parametrize(
    ("parse", "payload", "message"),
    [
        (
            Powerwalls.from_json,
            _with("powerwalls.json", powerwalls={"not": "a list"}),
            "'powerwalls' is a JSON object, expected array",
        ),
        (
            Powerwalls.from_json,
            _with("powerwalls.json", powerwalls="TG123"),
            "'powerwalls' is a JSON string",
        ),
        (
            Powerwalls.from_json,
            _with("powerwalls.json", updating="true"),
            "'updating' is a JSON string, expected boolean",
        ),
        (
            Powerwalls.from_json,
            _with("powerwalls.json", grid_qualifying=0),
            "'grid_qualifying' is a JSON number",
        ),
        (
            Powerwalls.from_json,
            _with("powerwalls.json", on_grid_check_error={"text": "x"}),
            "'on_grid_check_error' is a JSON object, expected string",
        ),
        (
            Powerwalls.from_json,
            _with("powerwalls.json", sync="sync"),
            "'sync' is a JSON string, expected object",
        ),
        (Powerwalls.from_json, _with("powerwalls.json", sync=[]), "'sync' is a JSON array"),
        (
            Powerwalls.from_json,
            _with("powerwalls.json", states="grid_qualifying"),
            "'states' is a JSON string, expected array",
        ),
        (Powerwalls.from_json, _with("powerwalls.json", states={}), "'states' is a JSON object"),
        (
            parse_status,
            _with("powerwalls_status.json", enumerating="false"),
            "/api/powerwalls/status: 'enumerating' is a JSON string",
        ),
        (
            parse_status,
            _with("powerwalls_status.json", phase_detection_last_error=12),
            "'phase_detection_last_error' is a JSON number",
        ),
        (
            GridStatusInfo.from_json,
            _with("grid_status.json", grid_status=1),
            "/api/system_status/grid_status: 'grid_status' is a JSON number",
        ),
        (
            GridStatusInfo.from_json,
            _with("grid_status.json", grid_status=["SystemGridConnected"]),
            "'grid_status' is a JSON array",
        ),
    ],
)
def test_a_wrong_structure_is_invalid_and_names_the_key(
    parse: Callable[[object], object], payload: dict[str, Any], message: str
) -> None:
    with pytest.raises(PowerwallInvalidResponseError, match=re.escape(message)):
        parse(payload)


def test_null_and_missing_structure_keys_stay_tolerated() -> None:
    payload = _with("powerwalls.json", powerwalls=None, sync=None, states=None, updating=None)
    del payload["enumerating"]
    powerwalls = Powerwalls.from_json(payload)
    assert powerwalls.powerwalls == ()
    assert powerwalls.sync is None
    assert powerwalls.states is None
    assert powerwalls.status.updating is None
    assert powerwalls.status.enumerating is None
    assert powerwalls.status.bubble_shedding is False
    assert parse_status({"updating": None}).updating is None
    assert GridStatusInfo.from_json({"grid_status": None}).grid_status is None
    assert GridStatusInfo.from_json({"grid_services_active": "no"}).grid_status is None


def test_mistyped_battery_fields_cost_only_those_fields() -> None:
    """What the simulator's wrong_types scenario does inside the batteries, alone."""
    payload = load_json("powerwalls_4_batteries.json")
    batteries = payload["powerwalls"]
    for battery in batteries:
        battery["grid_reconnection_time_seconds"] = "soon"
        battery["updating"] = "no"
    batteries[0]["commissioning_diagnostic"] = "Commissioning"
    batteries[0]["update_diagnostic"]["checks"] = "none"
    payload["powerwalls"] = [*batteries, "TG0000000000XX", 42]

    powerwalls = Powerwalls.from_json(payload)

    assert len(powerwalls.powerwalls) == 4
    assert powerwalls.skipped_powerwalls == 2
    assert all(b.grid_reconnection_time_seconds is None for b in powerwalls.powerwalls)
    assert all(b.updating is None for b in powerwalls.powerwalls)
    first = powerwalls.powerwalls[0]
    assert first.commissioning_diagnostic is None
    assert first.update_diagnostic is not None
    assert first.update_diagnostic.checks == ()
    assert first.grid_state is not None


@pytest.mark.parametrize("payload", [[], "text", None, 3, True])
@pytest.mark.parametrize(
    "parse",
    [Powerwalls.from_json, parse_status, GridStatusInfo.from_json, GatewayInfo.from_json],
)
def test_a_payload_that_is_not_an_object_is_invalid(parse: object, payload: object) -> None:
    assert callable(parse)
    with pytest.raises(PowerwallInvalidResponseError, match="expected a JSON object"):
        parse(payload)
