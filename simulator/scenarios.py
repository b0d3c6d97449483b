"""Scenarios: what the simulated gateway is going through.

A scenario changes the healthy answers built by :mod:`simulator.payloads`
(``shape``), may change the batteries when it starts (``activate``) and may
answer an endpoint with an error or misbehave instead (``fault``). Time-based
scenarios read ``t``, the seconds since the scenario started on the
simulator's clock, so ``GatewaySimulator.advance`` moves them on instantly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
import json
import math
from typing import Any, ClassVar

from .endpoints import DATA_ENDPOINTS, Endpoint
from .payloads import (
    FIRMWARE_VERSION,
    GATEWAY_DIN,
    STATUS_FLAGS,
    Fleet,
    error_body,
    grid_status_payload,
    iter_diagnostics,
)
from .replay import (
    adopt_batteries,
    diagnostics_payloads,
    find_powerwalls,
    find_status,
    read_json,
    string_field,
)


@dataclass
class View:
    """Everything the gateway would answer at one moment."""

    powerwalls: Any
    grid_status: Any
    api_status: dict[str, Any]
    meters_aggregates: Any = None
    soe: Any = None
    powerwalls_status: Any = None
    """``None``: derived from the top-level flags of ``powerwalls``."""
    local_api: bool = True
    """``False`` for a device without this local API: only ``/api/status`` exists."""
    missing: set[Endpoint] = field(default_factory=set)
    """Endpoints this gateway does not have: they answer 404 ``404 page not found``."""


@dataclass(frozen=True)
class Reply:
    """Answer with this status and body instead of the real one."""

    status: int
    body: str
    content_type: str = "application/json"


@dataclass(frozen=True)
class Delay:
    """Answer normally, but only after this many seconds."""

    seconds: float


@dataclass(frozen=True)
class Reset:
    """Close the connection without answering."""


@dataclass(frozen=True)
class Truncate:
    """Send the real JSON answer cut off half way."""


type Fault = Reply | Delay | Reset | Truncate


@dataclass(frozen=True)
class Context:
    """What a scenario may read while shaping a view."""

    t: float
    """Seconds since the scenario started, on the simulator's clock."""
    wall: Callable[[float], datetime]
    """The wall-clock time of a moment given in seconds since the scenario started."""
    slow_delay: float


class Scenario:
    """Base class: a healthy gateway. Subclasses change what differs."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    defaults: ClassVar[Mapping[str, Any]] = {}
    """Parameters and their defaults; a value's type is the default's type."""

    def __init__(self, **params: Any) -> None:
        """Validate ``params`` against :attr:`defaults` and keep them."""
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise ValueError(
                f"scenario {self.name!r} has no parameter {', '.join(sorted(unknown))}"
                f" (it takes: {', '.join(self.defaults) or 'none'})"
            )
        self.params: dict[str, Any] = {
            key: _coerce(key, params[key], default) if key in params else default
            for key, default in self.defaults.items()
        }

    def passed(self, key: str, ctx: Context) -> bool:
        """Whether the moment parameter ``key`` names has come (seconds; 0: never)."""
        seconds = self.params[key]
        return bool(seconds) and ctx.t >= seconds

    def activate(self, fleet: Fleet, base_count: int, din: str) -> None:
        """Change the batteries when the scenario starts (default: leave them).

        ``din`` is the simulator's own gateway DIN.
        """

    def reported_din(self, din: str, ctx: Context) -> str | None:
        """Return the DIN the gateway reports now (default: its own); ``None``: none at all."""
        return din

    def shape(self, view: View, ctx: Context) -> None:
        """Change the healthy answers into this scenario's."""

    def fault(self, endpoint: Endpoint, ctx: Context) -> Fault | None:
        """Return how ``endpoint`` misbehaves now, or ``None`` to answer normally."""
        return None


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Convert a parameter (possibly a string from the command line) to its default's type."""
    converted = _convert(value, default)
    if converted is None:
        raise ValueError(f"parameter {key!r} must be like {default!r}, not {value!r}")
    return converted


def _convert(value: Any, default: Any) -> Any:
    """Return ``value`` as the type of ``default``, or ``None`` if it cannot be."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        return {"1": True, "true": True, "yes": True, "on": True}.get(
            str(value).lower(), False if str(value).lower() in {"0", "false", "no", "off"} else None
        )
    if isinstance(default, float | int):
        try:
            number = float(value)
        except TypeError, ValueError:
            return None
        if not math.isfinite(number) or number < 0:
            return None
        return number if isinstance(default, float) else int(number)
    if isinstance(default, list):
        if isinstance(value, str):
            return [item for item in value.split(",") if item]
        return list(value) if isinstance(value, list | tuple) else None
    return str(value)


def _batteries(view: View) -> list[dict[str, Any]]:
    return [b for b in view.powerwalls.get("powerwalls") or [] if isinstance(b, dict)]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class Normal(Scenario):
    """A healthy gateway on grid."""

    name = "normal"
    description = "healthy gateway on grid (--batteries N batteries, 1-12)"
    defaults: ClassVar[Mapping[str, Any]] = {"grid_state": "Grid_Compliant"}

    def shape(self, view: View, ctx: Context) -> None:
        """Set every battery's grid state (the seed's ``Grid_Uncompliant`` is common too)."""
        for battery in _batteries(view):
            battery["grid_state"] = self.params["grid_state"]


class Update(Scenario):
    """A firmware update running through its checks, then finished."""

    name = "update"
    description = "firmware update: checks not_run -> running -> pass over `duration` s, then done"
    defaults: ClassVar[Mapping[str, Any]] = {
        "duration": 600.0,
        "to_version": "24.44.1 8e4a4d2a",
        "progress_percent": False,
    }

    def shape(self, view: View, ctx: Context) -> None:
        """Advance every update diagnostic's checks with the clock."""
        duration = max(self.params["duration"], 1e-6)
        done = ctx.t >= duration
        updating = not done
        view.powerwalls["updating"] = updating
        for battery in _batteries(view):
            battery["updating"] = updating
        if isinstance(view.powerwalls.get("sync"), dict):
            view.powerwalls["sync"]["updating"] = updating
        for diagnostic in iter_diagnostics(view.powerwalls):
            if diagnostic.get("name") == "Firmware Update":
                self._progress(diagnostic["checks"], duration, ctx)
        if done:
            view.api_status["version"] = self.params["to_version"]

    def _progress(self, checks: list[dict[str, Any]], duration: float, ctx: Context) -> None:
        slot = duration / len(checks)
        scale = 100 if self.params["progress_percent"] else 1
        for number, check in enumerate(checks):
            start = number * slot
            fraction = min(max((ctx.t - start) / slot, 0.0), 1.0)
            if fraction <= 0.0:
                continue
            check["start_time"] = _iso(ctx.wall(start))
            if fraction >= 1.0:
                check.update(status="pass", progress=scale, end_time=_iso(ctx.wall(start + slot)))
                check["results"], check["debug"] = {}, {}
            else:
                check.update(status="running", progress=round(fraction * scale, 4))


class GridOutage(Scenario):
    """The grid goes away, comes back, and the batteries qualify to reconnect."""

    name = "grid_outage"
    description = (
        "islanded for `outage` s, then SystemTransitionToGrid / Grid_Qualifying with a "
        "`reconnect` s countdown, then back on grid"
    )
    defaults: ClassVar[Mapping[str, Any]] = {"outage": 120.0, "reconnect": 300.0}

    def shape(self, view: View, ctx: Context) -> None:
        """Follow the outage timeline."""
        outage, reconnect = self.params["outage"], self.params["reconnect"]
        if ctx.t < outage:
            grid, state, remaining = "SystemIslandedActive", "Grid_Uncompliant", 0
        elif ctx.t < outage + reconnect:
            grid, state = "SystemTransitionToGrid", "Grid_Qualifying"
            remaining = math.ceil(outage + reconnect - ctx.t)
            view.powerwalls["grid_qualifying"] = True
        else:
            grid, state, remaining = "SystemGridConnected", "Grid_Compliant", 0
        view.grid_status = grid_status_payload(grid)
        for battery in _batteries(view):
            battery["grid_state"] = state
            battery["grid_reconnection_time_seconds"] = remaining


class MicrogridFaulted(Scenario):
    """An outage the gateway reports as a faulted microgrid (Powerwall-Dashboard #158)."""

    name = "microgrid_faulted"
    description = (
        "grid_status SystemMicroGridFaulted (or `grid_status`) and batteries Grid_Uncompliant "
        "for `duration` s (0: until changed), then back on grid; no_grid_services_active: "
        "leave that key out, as older firmware does"
    )
    defaults: ClassVar[Mapping[str, Any]] = {
        "duration": 0.0,
        "grid_status": "SystemMicroGridFaulted",
        "no_grid_services_active": False,
    }

    def shape(self, view: View, ctx: Context) -> None:
        """Serve the faulted grid status while the fault lasts."""
        if self.passed("duration", ctx):
            return
        view.grid_status = grid_status_payload(self.params["grid_status"])
        if self.params["no_grid_services_active"]:
            del view.grid_status["grid_services_active"]
        for battery in _batteries(view):
            battery["grid_state"] = "Grid_Uncompliant"


class PhaseDetection(Scenario):
    """Phase detection running."""

    name = "phase_detection"
    description = "phase detection running (running_phase_detection, under_phase_detection)"

    def shape(self, view: View, ctx: Context) -> None:
        """Set the phase-detection flags."""
        view.powerwalls["running_phase_detection"] = True
        for battery in _batteries(view):
            battery["under_phase_detection"] = True


class PhaseDetectionFailed(Scenario):
    """Phase detection failed."""

    name = "phase_detection_failed"
    description = (
        "phase detection failed (phase_detection_last_error, phase_detection_not_available)"
    )
    defaults: ClassVar[Mapping[str, Any]] = {
        "error": "phase detection failed: no voltage measured on L2"
    }

    def shape(self, view: View, ctx: Context) -> None:
        """Set the error text and the not-available flag."""
        view.powerwalls["phase_detection_last_error"] = self.params["error"]
        view.powerwalls["phase_detection_not_available"] = True


class GridQualifying(Scenario):
    """The gateway validates the grid code and qualifies the grid."""

    name = "grid_qualifying"
    description = "grid qualifying and grid code validating (batteries Grid_Qualifying)"

    def shape(self, view: View, ctx: Context) -> None:
        """Set the qualifying flags."""
        view.powerwalls["grid_qualifying"] = True
        view.powerwalls["grid_code_validating"] = True
        for battery in _batteries(view):
            battery["grid_state"] = "Grid_Qualifying"


class BatteryAdded(Normal):
    """One battery more than ``--batteries``."""

    name = "battery_added"
    description = "one new battery more than --batteries"

    def activate(self, fleet: Fleet, base_count: int, din: str) -> None:
        """Reset to the base batteries and add one."""
        fleet.reset(base_count)
        fleet.add()


class BatteryRemoved(Normal):
    """One battery fewer than ``--batteries``."""

    name = "battery_removed"
    description = "the last of the --batteries batteries removed"

    def activate(self, fleet: Fleet, base_count: int, din: str) -> None:
        """Reset to the base batteries and take out the last."""
        fleet.reset(base_count)
        if fleet.batteries:
            fleet.remove(fleet.serials[-1])


class BatteryReplaced(Normal):
    """The last battery swapped for a new one."""

    name = "battery_replaced"
    description = "the last of the --batteries batteries replaced by a new serial"

    def activate(self, fleet: Fleet, base_count: int, din: str) -> None:
        """Reset to the base batteries and replace the last."""
        fleet.reset(base_count)
        if fleet.batteries:
            fleet.replace(fleet.serials[-1])


class BatteryDisabled(Normal):
    """One battery out of the configuration."""

    name = "battery_disabled"
    description = "last battery in_config false, without grid_state"

    def shape(self, view: View, ctx: Context) -> None:
        """Take the last battery out of the configuration."""
        super().shape(view, ctx)
        batteries = _batteries(view)
        if batteries:
            batteries[-1]["in_config"] = False
            batteries[-1].pop("grid_state", None)


class BatteryMissingFields(Normal):
    """One battery with most keys absent."""

    name = "battery_missing_fields"
    description = "last battery has only its serial and type; diagnostics null"

    def shape(self, view: View, ctx: Context) -> None:
        """Strip the last battery down to its serial."""
        super().shape(view, ctx)
        batteries = _batteries(view)
        if batteries:
            last = batteries[-1]
            kept = {key: last[key] for key in ("PackageSerialNumber", "type")}
            last.clear()
            last.update(kept, commissioning_diagnostic=None, update_diagnostic=None)


# What ``details_only`` limits an error scenario to: the flags and the battery list,
# while the live grid status answers (home-assistant/core#137847).
DETAIL_ENDPOINTS = frozenset({Endpoint.POWERWALLS, Endpoint.POWERWALLS_STATUS})


class _ErrorScenario(Scenario):
    """Data endpoints answer an HTTP error, for ``duration`` s (0: until changed).

    ``details_only``: only ``/api/powerwalls`` and ``/api/powerwalls/status`` do.
    """

    status: ClassVar[int] = 500
    body: ClassVar[dict[str, Any]] = {}
    defaults: ClassVar[Mapping[str, Any]] = {
        "duration": 0.0,
        "include_login": False,
        "details_only": False,
    }

    def fault(self, endpoint: Endpoint, ctx: Context) -> Fault | None:
        """Answer the error while the scenario lasts."""
        if self.passed("duration", ctx):
            return None
        affected = DETAIL_ENDPOINTS if self.params["details_only"] else DATA_ENDPOINTS
        if endpoint in affected or (endpoint is Endpoint.LOGIN and self.params["include_login"]):
            return Reply(self.status, json.dumps(self.body))
        return None


class Stopped(_ErrorScenario):
    """The site controller is stopped."""

    name = "stopped"
    description = "sitemaster stopped: data endpoints answer 502"
    status = 502
    body: ClassVar[dict[str, Any]] = error_body(502, "sitemaster is not running", "Bad Gateway")


class Busy(_ErrorScenario):
    """The configuration mode is busy."""

    name = "busy"
    description = "data endpoints answer 503 'current config mode is busy'"
    status = 503
    body: ClassVar[dict[str, Any]] = error_body(
        503, "current config mode is busy", "current config mode is busy"
    )


class Conflict(_ErrorScenario):
    """A conflicting operation is running."""

    name = "conflict"
    description = "data endpoints answer 409 Conflict"
    status = 409
    body: ClassVar[dict[str, Any]] = error_body(409, "conflict", "operation in progress")


FUTURE_CHECK = {
    "name": "Thermal readiness",
    "status": "warning",
    "start_time": None,
    "end_time": None,
    "progress": 0.35,
    "results": None,
    "debug": None,
    "checks": None,
    "severity": "info",
}


class FutureFirmware(Scenario):
    """A newer firmware: unknown enum values and keys everywhere."""

    name = "future_firmware"
    description = "newer firmware: unknown grid_state/check status, new keys, progress fractions"
    defaults: ClassVar[Mapping[str, Any]] = {
        "grid_state": "Grid_Islanded",
        "states": ["SystemStateRunning", "GridCodeApplied"],
    }

    def shape(self, view: View, ctx: Context) -> None:
        """Add what a newer firmware might send."""
        top = view.powerwalls
        top.update(
            is_on_grid=True,
            has_sync=True,
            phase_detection_attempt=2,
            backup_reserve_state="Reserve_Normal",
            states=self.params["states"],
        )
        top["sync"]["alert"] = False
        top["sync"]["firmware_version"] = "25.2.0"
        for battery in _batteries(view):
            battery.update(
                type="SolarPowerwall",
                grid_state=self.params["grid_state"],
                alert=False,
                firmware_version="25.2.0",
                thermal_state="Thermal_Nominal",
            )
        for diagnostic in iter_diagnostics(top):
            diagnostic["severity"] = "low"
            diagnostic["checks"].append(dict(FUTURE_CHECK))
            for check in diagnostic["checks"]:
                check["remediation"] = None
                if diagnostic.get("name") == "Firmware Update":
                    check["progress"] = 0.5 if check["status"] == "not_run" else check["progress"]
        view.grid_status["island_reason"] = "none"
        view.api_status.update(version="25.2.0 1a2b3c4d", sync_type="v3.0", new_key={"a": 1})


class OldFirmware(Scenario):
    """An older firmware: keys missing, nulls, other spellings and check counts."""

    name = "old_firmware"
    description = "older firmware: no gateway_din/msa/debug, sync and states null, type acpw"

    def shape(self, view: View, ctx: Context) -> None:
        """Remove and null what an older firmware lacks."""
        top = view.powerwalls
        for key in ("gateway_din", "msa"):
            top.pop(key, None)
        top["sync"] = None
        top["states"] = None
        for number, battery in enumerate(_batteries(view)):
            battery["type"] = "acpw"
            commissioning = battery["commissioning_diagnostic"]
            commissioning["checks"] = commissioning["checks"][:3]
            for check in commissioning["checks"]:
                check.pop("debug", None)
            update = battery["update_diagnostic"]
            update["checks"] = None if number == 0 else update["checks"][:2]
            for check in update["checks"] or []:
                check.pop("debug", None)
        view.api_status["version"] = OLD_FIRMWARE_VERSION
        for key in ("is_new", "cellular_disabled", "can_reboot", "sync_type"):
            view.api_status.pop(key, None)


SITEMASTER_RUNNING = {"code": 409, "error": "Sitemaster is current running"}
"""The answer of a locked ``/api/powerwalls/status`` (vloschiavo/powerwall2), exactly."""


class StatusLocked(Normal):
    """``/api/powerwalls/status`` locked while the site runs; everything else answers."""

    name = "status_locked"
    description = (
        "/api/powerwalls/status answers 409 'Sitemaster is current running' (for `duration` s, "
        "0: until changed); /api/powerwalls carries the same flags at its top level"
    )
    defaults: ClassVar[Mapping[str, Any]] = {**Normal.defaults, "duration": 0.0}

    def fault(self, endpoint: Endpoint, ctx: Context) -> Fault | None:
        """Lock the status endpoint while the scenario lasts."""
        if endpoint is Endpoint.POWERWALLS_STATUS and not self.passed("duration", ctx):
            return Reply(409, json.dumps(SITEMASTER_RUNNING))
        return None


class SerialEqualsDin(Normal):
    """A battery whose serial is the gateway's DIN, as in redacted public payloads."""

    name = "serial_equals_din"
    description = (
        "the first battery's PackageSerialNumber equals the gateway DIN; placeholder: DIN and "
        "that serial both read it (as '**REDACTED**' in public payloads); all_batteries: every "
        "battery's serial does"
    )
    defaults: ClassVar[Mapping[str, Any]] = {
        **Normal.defaults,
        "placeholder": "",
        "all_batteries": False,
    }

    def activate(self, fleet: Fleet, base_count: int, din: str) -> None:
        """Give the first (or every) battery the DIN as its serial."""
        fleet.reset(base_count)
        serial = self.reported_din(din, None)
        count = len(fleet.batteries) if self.params["all_batteries"] else 1
        fleet.batteries[:count] = [replace(b, serial=serial) for b in fleet.batteries[:count]]

    def reported_din(self, din: str, ctx: Context | None) -> str:
        """The placeholder, if given, stands for the DIN too."""
        placeholder: str = self.params["placeholder"]
        return placeholder or din


class DuplicateSerials(Normal):
    """Two batteries reporting one serial number, as in a real public payload."""

    name = "duplicate_serials"
    description = "the second battery reports the first one's serial (at least 2 batteries)"

    def activate(self, fleet: Fleet, base_count: int, din: str) -> None:
        """Copy the first battery's serial onto the second."""
        fleet.reset(max(base_count, 2))
        first, second = fleet.batteries[:2]
        fleet.batteries[1] = replace(second, serial=first.serial)


OLD_FIRMWARE_VERSION = "21.44.1 c58c2df3"


class NoDin(Normal):
    """An older firmware that reports no DIN anywhere, until a firmware update adds one."""

    name = "no_din"
    description = (
        "older firmware without a DIN: no gateway_din, no din in /api/status; din_after s: a "
        "firmware update (to_version) makes the DIN appear"
    )
    defaults: ClassVar[Mapping[str, Any]] = {
        **Normal.defaults,
        "din_after": 0.0,
        "version": OLD_FIRMWARE_VERSION,
        "to_version": FIRMWARE_VERSION,
    }

    def reported_din(self, din: str, ctx: Context) -> str | None:
        """No DIN before the firmware update."""
        return din if self.passed("din_after", ctx) else None

    def shape(self, view: View, ctx: Context) -> None:
        """Report the firmware version before or after the update."""
        super().shape(view, ctx)
        updated = self.passed("din_after", ctx)
        view.api_status["version"] = self.params["to_version" if updated else "version"]


SITE_CONTROLLER_RUNNING = (
    "Cannot perform this action with site controller running. "
    'From landing page, either "STOP SYSTEM" or "RUN WIZARD" to proceed.'
)
"""The message of every commissioning check of a running system, in public samples."""


class SiteControllerRunning(Scenario):
    """A healthy running system as public samples show it.

    The gateway cannot run commissioning checks while the site controller
    runs, so each reads ``fail``; the batteries' grid-compliance state reads
    ``Grid_Uncompliant`` while the site is on grid; the last firmware update
    passed.
    """

    name = "site_controller_running"
    description = (
        "healthy running system as public samples show it: on grid, batteries "
        "Grid_Uncompliant, every commissioning check 'fail' (site controller running), "
        "firmware-update checks passed"
    )

    def shape(self, view: View, ctx: Context) -> None:
        """Fail the commissioning checks, pass the update checks."""
        for battery in _batteries(view):
            battery["grid_state"] = "Grid_Uncompliant"
        # The last firmware update ran three days before the scenario started.
        update_start = -3 * 86400.0
        for diagnostic in iter_diagnostics(view.powerwalls):
            for number, check in enumerate(diagnostic.get("checks") or []):
                if diagnostic.get("name") == "Commissioning":
                    check.update(status="fail", message=SITE_CONTROLLER_RUNNING)
                    continue
                start = update_start + number * 120.0
                check.update(
                    status="pass",
                    progress=1,
                    start_time=_iso(ctx.wall(start)),
                    end_time=_iso(ctx.wall(start + 115.0)),
                    results={},
                    debug={},
                )


class StatesEmpty(Normal):
    """``states`` as an empty list."""

    name = "states_empty"
    description = "states is an empty list"

    def shape(self, view: View, ctx: Context) -> None:
        """Set ``states`` to ``[]``."""
        super().shape(view, ctx)
        view.powerwalls["states"] = []


class StatesList(Normal):
    """``states`` as a list of strings."""

    name = "states_list"
    description = "states is a list of strings"
    defaults: ClassVar[Mapping[str, Any]] = {
        **Normal.defaults,
        "states": ["SystemStateRunning", "GridCodeApplied"],
    }

    def shape(self, view: View, ctx: Context) -> None:
        """Set ``states`` to the ``states`` parameter."""
        super().shape(view, ctx)
        view.powerwalls["states"] = self.params["states"]


class Powerwall3(Scenario):
    """A Powerwall 3: only ``/api/status`` is local."""

    name = "powerwall3"
    description = "Powerwall 3: /api/status answers, login and data endpoints 404"

    def shape(self, view: View, ctx: Context) -> None:
        """Turn the local API off and report a Powerwall 3 identity."""
        view.local_api = False
        view.api_status.update(
            din="1707000-11-J--TG1234567890PW3", version="25.10.1 9f8e7d6c", teg_type="pw3"
        )


RESTRICTED_VERSION = "25.10.1 9f8e7d6c"
"""A firmware whose local API is restricted."""
UNLOCKED_VERSION = "25.18.2 4c1d9e0a"
"""A later firmware that serves ``/api/powerwalls`` again (``restricted``'s ``unlock_after``)."""
POWERWALL3_DIN = "1707000-11-J--TG1234567890PW3"


class Restricted(Scenario):
    """The restricted local API of a Powerwall 3 and of recent gateway firmware.

    Home Assistant core (PR #169137, 2026.7) found ``/api/powerwalls``,
    ``/api/site_info``, ``/api/sitemaster``, ``/api/operation`` and the
    per-battery endpoints answering 404 there; the login, ``/api/status``,
    ``/api/meters/aggregates``, ``/api/system_status/soe`` and
    ``/api/system_status/grid_status`` still answer.
    """

    name = "restricted"
    description = (
        "restricted local API (Powerwall 3, recent firmware): /api/powerwalls and "
        "/api/powerwalls/status 404 (status_endpoint: the latter answers); login, "
        "/api/status, grid_status, meters/aggregates, soe answer; unlock_after s: a "
        "firmware update (to_version) serves /api/powerwalls again; grid_status: the live "
        "grid status"
    )
    defaults: ClassVar[Mapping[str, Any]] = {
        "grid_status": "SystemGridConnected",
        "status_endpoint": False,
        "unlock_after": 0.0,
        "version": RESTRICTED_VERSION,
        "to_version": UNLOCKED_VERSION,
        "powerwall3": False,
    }

    def reported_din(self, din: str, ctx: Context) -> str | None:
        """A Powerwall 3 reports its own DIN."""
        return POWERWALL3_DIN if self.params["powerwall3"] else din

    def shape(self, view: View, ctx: Context) -> None:
        """Hide the battery endpoints until the firmware update, if any."""
        # What outage automations need most is still there.
        view.grid_status = grid_status_payload(self.params["grid_status"])
        if self.params["powerwall3"]:
            view.api_status["teg_type"] = "pw3"
        if self.passed("unlock_after", ctx):
            view.api_status["version"] = self.params["to_version"]
            return
        view.api_status["version"] = self.params["version"]
        view.missing.add(Endpoint.POWERWALLS)
        if not self.params["status_endpoint"]:
            view.missing.add(Endpoint.POWERWALLS_STATUS)


class RestrictedSurface(Scenario):
    """The restricted surface of a Powerwall 3 as Home Assistant core meets it (PR #169137).

    Only the login, ``/api/meters/aggregates``, ``/api/system_status/soe`` and
    ``/api/system_status/grid_status`` answer; everything else, ``/api/status``
    included, answers Go's plain-text ``404 page not found``. Nothing reports a DIN.
    """

    name = "restricted_surface"
    description = (
        "Powerwall 3 restricted surface: only the login, meters/aggregates, soe and "
        "grid_status answer; everything else, /api/status included, 404 page not found; "
        "grid_status: the live grid status"
    )
    defaults: ClassVar[Mapping[str, Any]] = {"grid_status": "SystemGridConnected"}

    def reported_din(self, din: str, ctx: Context) -> str | None:
        """No endpoint that tells a DIN answers."""
        return None

    def shape(self, view: View, ctx: Context) -> None:
        """Answer 404 for everything but the login and the three live endpoints."""
        view.grid_status = grid_status_payload(self.params["grid_status"])
        view.missing |= {
            Endpoint.STATUS,
            Endpoint.POWERWALLS,
            Endpoint.POWERWALLS_STATUS,
            Endpoint.LOGOUT,
        }


HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Tesla Energy</title></head>"
    "<body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>"
)


class HtmlError(Scenario):
    """Data endpoints answer 200 with an HTML page."""

    name = "html_error"
    description = "data endpoints answer 200 with an HTML page (text/html)"

    def fault(self, endpoint: Endpoint, ctx: Context) -> Fault | None:
        """Serve the HTML page."""
        return Reply(200, HTML_PAGE, "text/html") if endpoint in DATA_ENDPOINTS else None


class TruncatedJson(Scenario):
    """Data endpoints answer JSON cut off half way."""

    name = "truncated_json"
    description = "data endpoints answer 200 with JSON cut off half way"

    def fault(self, endpoint: Endpoint, ctx: Context) -> Fault | None:
        """Cut the answer."""
        return Truncate() if endpoint in DATA_ENDPOINTS else None


class WrongTypes(Scenario):
    """JSON of the wrong shape."""

    name = "wrong_types"
    description = (
        "mode=array: data endpoints answer a top-level JSON array; "
        "mode=fields: strings/numbers where objects and lists are expected"
    )
    defaults: ClassVar[Mapping[str, Any]] = {"mode": "array"}

    def __init__(self, **params: Any) -> None:
        """Validate ``mode``."""
        super().__init__(**params)
        if self.params["mode"] not in {"array", "fields"}:
            raise ValueError("wrong_types mode must be 'array' or 'fields'")

    def shape(self, view: View, ctx: Context) -> None:
        """Break the types."""
        if self.params["mode"] == "array":
            view.powerwalls = [view.powerwalls]
            view.grid_status = ["SystemGridConnected"]
            return
        top = view.powerwalls
        batteries = _batteries(view)
        for battery in batteries:
            battery["grid_reconnection_time_seconds"] = "soon"
            battery["updating"] = "no"
        if batteries:
            batteries[0]["commissioning_diagnostic"] = "Commissioning"
            batteries[0]["update_diagnostic"]["checks"] = "none"
        top["powerwalls"] = [*batteries, "TG0000000000XX", 42]
        top["sync"] = "sync"
        top["updating"] = "false"
        top["phase_detection_last_error"] = {"text": top["phase_detection_last_error"]}
        view.powerwalls_status = {key: str(top[key]) for key in STATUS_FLAGS}
        view.grid_status = {"grid_status": 1, "grid_services_active": "no"}


class Slow(Scenario):
    """Data endpoints answer late."""

    name = "slow"
    description = (
        "data endpoints answer after `delay` s (default: the simulator's slow_delay, 30 s)"
    )
    defaults: ClassVar[Mapping[str, Any]] = {"delay": 0.0}

    def fault(self, endpoint: Endpoint, ctx: Context) -> Fault | None:
        """Delay the answer."""
        if endpoint not in DATA_ENDPOINTS:
            return None
        return Delay(self.params["delay"] or ctx.slow_delay)


class ConnectionReset(Scenario):
    """Data endpoints close the connection."""

    name = "connection_reset"
    description = "data endpoints close the connection without answering"

    def fault(self, endpoint: Endpoint, ctx: Context) -> Fault | None:
        """Drop the connection."""
        return Reset() if endpoint in DATA_ENDPOINTS else None


class Replay(Scenario):
    """Serve recorded answers from files."""

    name = "replay"
    description = (
        "serve JSON files: powerwalls_file for /api/powerwalls, status_file for "
        "/api/powerwalls/status (else derived); a diagnostics download works too"
    )
    defaults: ClassVar[Mapping[str, Any]] = {"powerwalls_file": "", "status_file": ""}

    def __init__(self, **params: Any) -> None:
        """Read and check the files now, so a bad file fails at once."""
        super().__init__(**params)
        if not (self.params["powerwalls_file"] or self.params["status_file"]):
            raise ValueError("replay needs powerwalls_file, status_file or both")
        self.powerwalls: Any = None
        self.status: Any = None
        if self.params["powerwalls_file"]:
            data = read_json(self.params["powerwalls_file"])
            self.powerwalls = find_powerwalls(data)
            if self.powerwalls is None:
                self.powerwalls = data
        if self.params["status_file"]:
            self.status = find_status(read_json(self.params["status_file"]))

    def activate(self, fleet: Fleet, base_count: int, din: str) -> None:
        """The simulator's batteries become the replayed ones."""
        adopt_batteries(fleet, self.powerwalls)

    def reported_din(self, din: str, ctx: Context) -> str | None:
        """The replayed gateway's DIN, if the file has one."""
        replayed = string_field(self.powerwalls, "gateway_din")
        return replayed or din

    def shape(self, view: View, ctx: Context) -> None:
        """Replace the answers with the files' contents."""
        if self.powerwalls is not None:
            view.powerwalls = json.loads(json.dumps(self.powerwalls))
        if self.status is not None:
            view.powerwalls_status = json.loads(json.dumps(self.status))


class DiagnosticsReplay(Scenario):
    """Serve the gateway answers stored in a diagnostics download of the integration.

    The download (Home Assistant's ``{"home_assistant": ..., "data": {...}}``
    or its bare ``data``) keeps the last answer of each endpoint under
    ``payloads``, keyed by path. Each is served verbatim, pseudonyms and all;
    a data endpoint missing from it answers 404, as on a restricted gateway.
    The login and ``/api/status`` always answer (the latter built around the
    stored DIN when the download lacks it).
    """

    name = "diagnostics"
    description = (
        "replay a diagnostics download: each stored payload verbatim at its endpoint, "
        "data endpoints not in it 404 (diagnostics_file, or download= in Python/JSON)"
    )
    defaults: ClassVar[Mapping[str, Any]] = {"diagnostics_file": ""}

    def __init__(self, download: Any = None, **params: Any) -> None:
        """Read the download now (``diagnostics_file``, or ``download`` itself), so a bad one fails at once."""
        super().__init__(**params)
        if download is None:
            if not self.params["diagnostics_file"]:
                raise ValueError("diagnostics needs diagnostics_file (or a download)")
            download = read_json(self.params["diagnostics_file"])
        self.payloads = diagnostics_payloads(download)

    def activate(self, fleet: Fleet, base_count: int, din: str) -> None:
        """The simulator's batteries become the replayed ones."""
        adopt_batteries(fleet, self.payloads.get(Endpoint.POWERWALLS))

    def reported_din(self, din: str, ctx: Context) -> str | None:
        """The stored DIN (``/api/status``, else ``gateway_din``); ``None`` when neither has one."""
        return string_field(self.payloads.get(Endpoint.STATUS), "din") or string_field(
            self.payloads.get(Endpoint.POWERWALLS), "gateway_din"
        )

    def shape(self, view: View, ctx: Context) -> None:
        """Serve the stored payloads; hide the data endpoints the download lacks."""
        stored = json.loads(json.dumps(self.payloads))
        view.missing.update(DATA_ENDPOINTS - set(stored))
        view.powerwalls = stored.get(Endpoint.POWERWALLS)
        view.powerwalls_status = stored.get(Endpoint.POWERWALLS_STATUS)
        view.grid_status = stored.get(Endpoint.GRID_STATUS)
        view.meters_aggregates = stored.get(Endpoint.METERS_AGGREGATES)
        view.soe = stored.get(Endpoint.SOE)
        if Endpoint.STATUS in stored:
            view.api_status = stored[Endpoint.STATUS]


SCENARIOS: dict[str, type[Scenario]] = {
    scenario.name: scenario
    for scenario in (
        Normal,
        Update,
        GridOutage,
        MicrogridFaulted,
        PhaseDetection,
        PhaseDetectionFailed,
        GridQualifying,
        BatteryAdded,
        BatteryRemoved,
        BatteryReplaced,
        BatteryDisabled,
        BatteryMissingFields,
        Stopped,
        Busy,
        Conflict,
        FutureFirmware,
        OldFirmware,
        StatesEmpty,
        StatesList,
        Powerwall3,
        Restricted,
        RestrictedSurface,
        StatusLocked,
        SerialEqualsDin,
        DuplicateSerials,
        NoDin,
        SiteControllerRunning,
        HtmlError,
        TruncatedJson,
        WrongTypes,
        Slow,
        ConnectionReset,
        Replay,
        DiagnosticsReplay,
    )
}
"""Every scenario by name."""


def make_scenario(name: str, params: Mapping[str, Any]) -> Scenario:
    """Return the scenario called ``name`` with these parameters."""
    try:
        scenario_class = SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
    return scenario_class(**params)


__all__ = ["DATA_ENDPOINTS", "GATEWAY_DIN", "SCENARIOS", "Endpoint", "Scenario", "View"]
