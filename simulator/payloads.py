"""Payload builders: the gateway's answers, made from the seed payloads.

The seed files in ``seed/`` are the example answers of
``/api/powerwalls`` and ``/api/powerwalls/status``. Every battery is a copy of
the seed's one battery with its own serial; scenarios then change these
payloads (see :mod:`simulator.scenarios`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
import json
from typing import Any

GATEWAY_DIN = "1232100-00-E--TG123456789A4M"
FIRMWARE_VERSION = "24.36.2 46990655"
GIT_HASH = "46990655b7c1f4a8f2e5d1a3c0b9e8d7f6a5b4c3"
BATTERY_PART_NUMBER = "1234567-05-B"
SERIAL_PREFIX = "TG1234567890"
MAX_BATTERIES = 12

STATUS_FLAGS = (
    "enumerating",
    "updating",
    "checking_if_offgrid",
    "running_phase_detection",
    "phase_detection_last_error",
    "bubble_shedding",
    "on_grid_check_error",
    "grid_qualifying",
    "grid_code_validating",
    "phase_detection_not_available",
)
"""The gateway-wide flags: all of ``/api/powerwalls/status``, and the first keys of ``/api/powerwalls``."""

GRID_CONNECTED = "SystemGridConnected"


@cache
def _seed_text(name: str) -> str:
    return resources.files("simulator").joinpath("seed", name).read_text(encoding="utf-8")


def seed_powerwalls() -> dict[str, Any]:
    """Return a fresh copy of the seed ``/api/powerwalls`` answer."""
    payload: dict[str, Any] = json.loads(_seed_text("powerwalls.json"))
    return payload


def battery_serial(index: int) -> str:
    """Return the serial number of the battery with this 1-based index."""
    return f"{SERIAL_PREFIX}{index:02d}"


@dataclass(frozen=True)
class Battery:
    """One battery behind the gateway."""

    index: int
    serial: str
    part_number: str = BATTERY_PART_NUMBER

    @classmethod
    def numbered(cls, index: int) -> Battery:
        """Return the battery that has this index; same index, same identity."""
        return cls(index=index, serial=battery_serial(index))


@dataclass
class Fleet:
    """The batteries currently installed; deterministic for a given history."""

    batteries: list[Battery] = field(default_factory=list)
    next_index: int = 1

    @classmethod
    def of(cls, count: int) -> Fleet:
        """Return a fleet of ``count`` batteries numbered from 1."""
        fleet = cls()
        fleet.reset(count)
        return fleet

    @property
    def serials(self) -> list[str]:
        """Serial numbers, in the order the gateway lists them."""
        return [battery.serial for battery in self.batteries]

    def reset(self, count: int) -> None:
        """Go back to ``count`` batteries numbered from 1."""
        check_battery_count(count, minimum=0)
        self.batteries = [Battery.numbered(index) for index in range(1, count + 1)]
        self.next_index = count + 1

    def adopt(self, serials: list[str]) -> None:
        """Become the batteries of a replayed payload, with these serials, in this order."""
        self.batteries = [
            Battery(index=index, serial=serial) for index, serial in enumerate(serials, 1)
        ]
        self.next_index = len(serials) + 1

    def add(self) -> str:
        """Install a new battery at the end; return its serial."""
        if len(self.batteries) >= MAX_BATTERIES:
            raise ValueError(f"a gateway takes at most {MAX_BATTERIES} batteries")
        battery = self._new()
        self.batteries.append(battery)
        return battery.serial

    def remove(self, serial: str) -> None:
        """Take out the battery with this serial."""
        self.batteries.pop(self._position(serial))

    def replace(self, serial: str) -> str:
        """Swap the battery with this serial for a new one; return the new serial."""
        position = self._position(serial)
        battery = self._new()
        self.batteries[position] = battery
        return battery.serial

    def _new(self) -> Battery:
        battery = Battery.numbered(self.next_index)
        self.next_index += 1
        return battery

    def _position(self, serial: str) -> int:
        for position, battery in enumerate(self.batteries):
            if battery.serial == serial:
                return position
        raise KeyError(serial)


def check_battery_count(count: int, *, minimum: int = 1) -> None:
    """Raise ValueError unless ``count`` is a battery count a gateway can have."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError("the battery count must be an integer")
    if not minimum <= count <= MAX_BATTERIES:
        raise ValueError(f"the battery count must be between {minimum} and {MAX_BATTERIES}")


def battery_payload(battery: Battery) -> dict[str, Any]:
    """Return one entry of ``powerwalls``: the seed battery with this battery's identity."""
    payload: dict[str, Any] = seed_powerwalls()["powerwalls"][0]
    payload["PackagePartNumber"] = battery.part_number
    payload["PackageSerialNumber"] = battery.serial
    payload["grid_state"] = "Grid_Compliant"
    return payload


def powerwalls_payload(fleet: Fleet, din: str | None = GATEWAY_DIN) -> dict[str, Any]:
    """Return the ``/api/powerwalls`` answer of a healthy, on-grid gateway (no DIN: no key)."""
    payload = seed_powerwalls()
    payload["powerwalls"] = [battery_payload(battery) for battery in fleet.batteries]
    if din is None:
        del payload["gateway_din"]
    else:
        payload["gateway_din"] = din
    return payload


def status_flags(powerwalls: Any) -> Any:
    """Return ``/api/powerwalls/status``: the top-level flags of a ``/api/powerwalls`` answer.

    An answer that is not an object is served as it is, so a scenario that
    breaks one endpoint's types breaks both.
    """
    if not isinstance(powerwalls, dict):
        return copy.deepcopy(powerwalls)
    return {key: powerwalls[key] for key in STATUS_FLAGS if key in powerwalls}


def grid_status_payload(
    grid_status: str = GRID_CONNECTED, *, services: bool = False
) -> dict[str, Any]:
    """Return the ``/api/system_status/grid_status`` answer."""
    return {"grid_status": grid_status, "grid_services_active": services}


def _meter(moment: datetime, power: float, voltage: float, **energy: float) -> dict[str, Any]:
    """Return one meter of ``/api/meters/aggregates``, in the gateway's key order."""
    return {
        "last_communication_time": moment.isoformat(),
        "instant_power": power,
        "instant_reactive_power": round(power * -0.08, 3),
        "instant_apparent_power": round(abs(power) * 1.003, 3),
        "frequency": 60.0,
        "energy_exported": energy.get("exported", 0.0),
        "energy_imported": energy.get("imported", 0.0),
        "instant_average_voltage": voltage,
        "instant_total_current": round(power / voltage, 3),
        "i_a_current": 0,
        "i_b_current": 0,
        "i_c_current": 0,
        "timeout": 1500000000,
    }


def meters_aggregates_payload(moment: datetime) -> dict[str, Any]:
    """Return the ``/api/meters/aggregates`` answer: site (grid), battery, load and solar.

    Solar covers the load and charges the battery; the site exchanges almost
    nothing with the grid. Watts, watt-hours, volts, amps; the battery's power
    is negative while it charges.
    """
    return {
        "site": _meter(moment, 12.5, 241.2, exported=3209871.4, imported=5318404.2),
        "battery": _meter(moment, -1460.0, 240.9, exported=2840130.0, imported=3216790.0),
        "load": _meter(moment, 1372.5, 241.2, imported=11452093.6),
        "solar": _meter(moment, 2820.0, 241.0, exported=9874512.3, imported=41.8),
    }


def soe_payload(percentage: float = 81.25) -> dict[str, Any]:
    """Return the ``/api/system_status/soe`` answer: the batteries' charge in percent."""
    return {"percentage": percentage}


def go_duration(seconds: float) -> str:
    """Format seconds the way the gateway's Go code prints a duration (``56h9m13.5s``)."""
    seconds = max(seconds, 0.0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:.3f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    if minutes:
        return f"{int(minutes)}m{text}"
    return text


def api_status_payload(
    *, din: str | None, start: datetime, up_time: float, version: str = FIRMWARE_VERSION
) -> dict[str, Any]:
    """Return the ``/api/status`` answer (no session needed; no DIN: no ``din`` key)."""
    payload = {
        "din": din,
        "start_time": start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S %z"),
        "up_time_seconds": go_duration(up_time),
        "is_new": False,
        "version": version,
        "git_hash": GIT_HASH,
        "commission_count": 0,
        "device_type": "teg",
        "teg_type": "unknown",
        "sync_type": "v2.1",
        "cellular_disabled": False,
        "can_reboot": True,
    }
    if din is None:
        del payload["din"]
    return payload


def error_body(code: int, error: str, message: str) -> dict[str, Any]:
    """Return the gateway's JSON error body."""
    return {"code": code, "error": error, "message": message}


def iter_diagnostics(powerwalls: dict[str, Any]) -> list[dict[str, Any]]:
    """Return every diagnostic object (batteries' and synchronizer's) of a payload."""
    owners: list[Any] = list(powerwalls.get("powerwalls") or [])
    if isinstance(powerwalls.get("sync"), dict):
        owners.append(powerwalls["sync"])
    return [
        owner[key]
        for owner in owners
        if isinstance(owner, dict)
        for key in ("commissioning_diagnostic", "update_diagnostic")
        if isinstance(owner.get(key), dict)
    ]
