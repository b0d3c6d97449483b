"""A check the gateway refused to run while the site controller runs is not a failure."""

from __future__ import annotations

import pytest

from custom_components.powerwall_gateway.api import (
    Check,
    CheckResult,
    CheckStatus,
    Diagnostic,
    GridState,
    Powerwalls,
)

from .conftest import load_json

REFUSED = (
    "Cannot perform this action with site controller running. "
    'From landing page, either "STOP SYSTEM" or "RUN WIZARD" to proceed.'
)


def _check(
    status: str | None, message: str | None = REFUSED, name: str = "CAN connectivity"
) -> Check:
    check = Check.from_dict({"name": name, "status": status, "message": message})
    assert check is not None
    return check


def test_a_healthy_running_system_reads_site_controller_running() -> None:
    powerwalls = Powerwalls.from_json(load_json("powerwalls_site_controller_running.json"))

    assert powerwalls.status.updating is False
    assert len(powerwalls.powerwalls) == 2
    assert powerwalls.sync is not None
    for owner in (*powerwalls.powerwalls, powerwalls.sync):
        commissioning = owner.commissioning_diagnostic
        assert commissioning is not None
        assert commissioning.result is CheckResult.SITE_CONTROLLER_RUNNING
        assert commissioning.checks
        for check in commissioning.checks:
            # The gateway's own words stay as they are.
            assert check.status is CheckStatus.FAIL
            assert check.message == REFUSED
            assert check.result is CheckResult.SITE_CONTROLLER_RUNNING
        assert owner.update_diagnostic is not None
        assert owner.update_diagnostic.result is CheckResult.NOT_RUN
    for battery in powerwalls.powerwalls:
        assert battery.grid_state is GridState.GRID_UNCOMPLIANT
        assert battery.updating is False


@pytest.mark.parametrize(
    "message",
    [
        REFUSED,
        "Cannot perform this action with site controller running.",
        "cannot perform this action with site controller running",
        "CANNOT PERFORM THIS ACTION WITH SITE CONTROLLER RUNNING!",
        "  Cannot  perform\nthis action with\tsite controller running ... ",
        "Can not perform this action with the site controller running; stop it first",
        "Can't perform this action with site-controller running.",
        "Error: cannot perform this action with site_controller running.",
    ],
)
def test_the_refusal_is_recognised_however_it_is_spelt(message: str) -> None:
    check = _check("fail", message)
    assert check.result is CheckResult.SITE_CONTROLLER_RUNNING
    assert check.status is CheckStatus.FAIL
    assert check.message == message


@pytest.mark.parametrize(
    "message",
    [
        None,
        "",
        "CAN bus timeout",
        "Cannot perform this action",
        "site controller running",
        "Cannot perform this action with site controller stopped.",
        "Cannot perform this action with site controller runningfoo",
    ],
)
def test_other_failures_stay_failures(message: str | None) -> None:
    assert _check("fail", message).result is CheckResult.FAIL


@pytest.mark.parametrize(
    ("status", "result"),
    [
        ("pass", CheckResult.PASS),
        ("PASS", CheckResult.PASS),
        ("running", CheckResult.RUNNING),
        ("not_run", CheckResult.NOT_RUN),
        ("warning", "warning"),
        (None, None),
    ],
)
def test_other_statuses_keep_their_meaning_whatever_the_message(
    status: str | None, result: CheckResult | str | None
) -> None:
    check = _check(status)
    assert check.result == result
    assert type(check.result) is type(result)


@pytest.mark.parametrize(
    ("checks", "result"),
    [
        ([("fail", REFUSED), ("fail", REFUSED)], CheckResult.SITE_CONTROLLER_RUNNING),
        ([("fail", REFUSED), ("pass", None)], CheckResult.SITE_CONTROLLER_RUNNING),
        ([("pass", None), ("pass", None)], CheckResult.PASS),
        ([("fail", REFUSED), ("not_run", None)], CheckResult.NOT_RUN),
        ([("fail", REFUSED), ("not_run", None), ("running", None)], CheckResult.RUNNING),
        ([("fail", REFUSED), ("running", None), ("weird", None)], "weird"),
        ([("fail", REFUSED), ("weird", None), ("fail", "CAN bus timeout")], CheckResult.FAIL),
        ([(None, REFUSED)], None),
        ([], None),
    ],
)
def test_a_run_reads_its_worst_check_result(
    checks: list[tuple[str | None, str | None]], result: CheckResult | str | None
) -> None:
    diagnostic = Diagnostic.from_dict(
        {
            "checks": [
                {"name": f"c{index}", "status": status, "message": message}
                for index, (status, message) in enumerate(checks)
            ]
        }
    )
    assert diagnostic is not None
    assert diagnostic.result == result
    assert type(diagnostic.result) is type(result)
