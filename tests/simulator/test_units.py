"""Building blocks that a client cannot easily reach: formats, limits, validation."""

from __future__ import annotations

import pytest

from simulator import GatewaySimulator
from simulator.loopback import loopback_host
from simulator.payloads import Fleet, check_battery_count, go_duration, status_flags
from simulator.replay import find_status
from simulator.scenarios import make_scenario


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1.5, "1.5s"), (61, "1m1s"), (3723.25, "1h2m3.25s"), (-3, "0s")],
)
def test_go_duration(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def test_fleet_holds_at_most_twelve_batteries() -> None:
    fleet = Fleet.of(12)
    with pytest.raises(ValueError, match="at most 12"):
        fleet.add()
    fleet.remove(fleet.serials[0])
    assert fleet.add() == "TG123456789013"


def test_battery_count_must_be_an_integer() -> None:
    with pytest.raises(TypeError):
        check_battery_count(True)
    with pytest.raises(TypeError):
        check_battery_count(2.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("host", "bound"), [("localhost", "127.0.0.1"), ("::1", "::1"), ("127.0.0.2", "127.0.0.2")]
)
def test_loopback_hosts_are_accepted(host: str, bound: str) -> None:
    assert loopback_host(host) == bound


def test_ipv6_loopback_url() -> None:
    sim = GatewaySimulator(host="::1")
    sim._port = 8443
    assert sim.url == "https://[::1]:8443"


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match="401 or 403"):
        GatewaySimulator(unauthorized_status=500)
    with pytest.raises(ValueError, match="both"):
        GatewaySimulator(cert_file="cert.pem")


async def test_start_twice_is_refused(gateway_simulator: GatewaySimulator) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        await gateway_simulator.start()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("off", False), (1, True), ("true", True)],
)
def test_boolean_parameters_from_text(value: object, expected: bool) -> None:
    scenario = make_scenario("update", {"progress_percent": value})
    assert scenario.params["progress_percent"] is expected


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("update", {"progress_percent": "maybe"}),
        ("update", {"duration": float("inf")}),
        ("states_list", {"states": 3}),
    ],
)
def test_bad_parameters(name: str, params: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be like"):
        make_scenario(name, params)


def test_status_flags_of_non_object_is_the_same_value() -> None:
    assert status_flags([1, 2]) == [1, 2]


def test_find_status_in_nested_file_or_whole_file() -> None:
    nested = {"data": {"status": {"enumerating": False}}}
    assert find_status(nested) == {"enumerating": False}
    assert find_status(["raw"]) == ["raw"]


def test_battery_scenarios_with_no_batteries_left() -> None:
    sim = GatewaySimulator(batteries=1, scenario="battery_removed")
    assert sim.serials == []
    sim.set_scenario("battery_replaced", batteries=1)
    assert sim.serials == ["TG123456789002"]
