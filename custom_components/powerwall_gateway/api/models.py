"""Typed models of the gateway's answers, and the one parser that knows their quirks.

Firmware has changed these payloads for years, so parsing is tolerant: unknown
keys are ignored, a missing or ``null`` key becomes ``None`` (older firmware
omits keys), an unknown enum value is kept as the string the gateway sent (it
is then a plain ``str``, not an enum member), and a malformed battery or check,
or a mistyped field inside one, costs only that entry or field.

An answer whose *structure* is wrong is refused instead, with
:class:`PowerwallInvalidResponseError` naming the key, so the caller keeps its
last good data and asks again: an answer that is not a JSON object; in
``/api/powerwalls`` a ``powerwalls`` or ``states`` that is not an array, a
``sync`` that is not an object; a gateway-wide flag of the wrong JSON type
(``"updating": "true"``) in ``/api/powerwalls`` or ``/api/powerwalls/status``;
a ``grid_status`` that is not a string. Accepting those would make every
battery, or every flag, look gone or unknown until the next read.

What is kept is bounded, so a flood (a broken or hostile gateway listing a
thousand batteries, or check names of 100,000 characters) costs a bounded
parse and a bounded number of entities:

- at most ``MAX_BATTERIES`` (32) entries of ``powerwalls`` are looked at,
  ``MAX_CHECKS`` (64) checks of each diagnostic run and ``MAX_STATES`` (64)
  entries of ``states``; the rest are dropped and counted on the model
  (``Powerwalls.dropped_powerwalls``, ``dropped_checks``, ``dropped_states``,
  and ``Powerwalls.truncated`` for any of them), so the caller can log once;
- names, identities and enum values (check names, serials, grid states,
  ``states`` entries, ...) are cut to ``MAX_NAME_LENGTH`` (255) characters,
  messages (a check's ``message``, the two text flags) to
  ``MAX_MESSAGE_LENGTH`` (1024).

A real site has at most a dozen batteries and a few checks per run.

Field names are the snake_case spelling of the gateway's JSON keys, so a value
can be followed from the wire to the screen by one word.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
import math
import re
from typing import Any

from .exceptions import PowerwallInvalidResponseError

MAX_BATTERIES = 32
MAX_CHECKS = 64
MAX_STATES = 64
MAX_NAME_LENGTH = 255
MAX_MESSAGE_LENGTH = 1024


class GridState(StrEnum):
    """A battery's grid-compliance state (``grid_state`` of ``/api/powerwalls``)."""

    GRID_COMPLIANT = "Grid_Compliant"
    GRID_QUALIFYING = "Grid_Qualifying"
    GRID_UNCOMPLIANT = "Grid_Uncompliant"


class GridStatus(StrEnum):
    """The site's live grid connection (``/api/system_status/grid_status``)."""

    SYSTEM_GRID_CONNECTED = "SystemGridConnected"
    SYSTEM_ISLANDED_ACTIVE = "SystemIslandedActive"
    SYSTEM_ISLANDED_READY = "SystemIslandedReady"
    SYSTEM_TRANSITION_TO_GRID = "SystemTransitionToGrid"
    SYSTEM_TRANSITION_TO_ISLAND = "SystemTransitionToIsland"
    SYSTEM_WAIT_FOR_USER = "SystemWaitForUser"
    SYSTEM_MICRO_GRID_FAULTED = "SystemMicroGridFaulted"  # an outage (Powerwall-Dashboard#158)


class GridConnection(StrEnum):
    """Where the site stands to the grid, read from ``grid_status`` (derived; not a gateway value).

    ``ON_GRID`` is the one that is not off grid.
    """

    ON_GRID = "on_grid"
    ISLANDED = "islanded"
    GOING_OFF_GRID = "going_off_grid"
    RECONNECTING = "reconnecting"
    WAITING_FOR_USER = "waiting_for_user"
    FAULTED = "faulted"


_CONNECTIONS: dict[GridStatus, GridConnection] = {
    GridStatus.SYSTEM_GRID_CONNECTED: GridConnection.ON_GRID,
    GridStatus.SYSTEM_ISLANDED_ACTIVE: GridConnection.ISLANDED,
    GridStatus.SYSTEM_ISLANDED_READY: GridConnection.ISLANDED,
    GridStatus.SYSTEM_TRANSITION_TO_GRID: GridConnection.RECONNECTING,
    GridStatus.SYSTEM_TRANSITION_TO_ISLAND: GridConnection.GOING_OFF_GRID,
    GridStatus.SYSTEM_WAIT_FOR_USER: GridConnection.WAITING_FOR_USER,
    GridStatus.SYSTEM_MICRO_GRID_FAULTED: GridConnection.FAULTED,
}
# A grid status new firmware invents is read by the words in its name (lower-cased,
# separators dropped), first match wins: a fault is the most urgent reason to name.
# "default" is not a fault.
_OFF_GRID_WORDS: tuple[tuple[re.Pattern[str], GridConnection], ...] = (
    (re.compile(r"(?<!de)fault"), GridConnection.FAULTED),
    (re.compile(r"waitforuser"), GridConnection.WAITING_FOR_USER),
    (re.compile(r"transitiontoisland"), GridConnection.GOING_OFF_GRID),
    (re.compile(r"transitiontogrid"), GridConnection.RECONNECTING),
    (re.compile(r"island|microgrid"), GridConnection.ISLANDED),
)


class CheckStatus(StrEnum):
    """The status of one diagnostic check, as the gateway reports it (``status``)."""

    NOT_RUN = "not_run"
    RUNNING = "running"
    PASS = "pass"  # noqa: S105 - a check status, not a password
    FAIL = "fail"


class CheckResult(StrEnum):
    """What a check's outcome means for the system (derived; not a gateway value)."""

    FAIL = "fail"
    RUNNING = "running"
    NOT_RUN = "not_run"
    SITE_CONTROLLER_RUNNING = "site_controller_running"  # the gateway refused to run it
    PASS = "pass"  # noqa: S105 - a check result, not a password


class BatteryType(StrEnum):
    """The battery's ``type``, lower-cased (firmware sends ``ACPW`` or ``acpw``)."""

    ACPW = "acpw"
    SOLARPOWERWALL = "solarpowerwall"


BATTERY_MODELS: dict[str, str] = {
    BatteryType.ACPW: "Powerwall 2",
    BatteryType.SOLARPOWERWALL: "Powerwall+",
}

# Worst first: the overall result of a diagnostic is its worst check. An unknown
# status ranks just below "fail": it is kept, and it is not good news. A check the
# gateway refused to run because the site controller is running ranks just below
# "pass": that is how a healthy running system reports its commissioning checks.
_STATUS_RANK: dict[str, int] = {
    CheckResult.FAIL: 0,
    CheckResult.RUNNING: 2,
    CheckResult.NOT_RUN: 3,
    CheckResult.SITE_CONTROLLER_RUNNING: 4,
    CheckResult.PASS: 5,
}
_UNKNOWN_STATUS_RANK = 1
# The gateway's refusal, matched on words only (case, spacing and punctuation vary):
# 'Cannot perform this action with site controller running. From landing page, ...'
_SITE_CONTROLLER_RUNNING = re.compile(
    r"\bcan ?(?:not|t) perform this action with (?:the )?site ?controller running\b"
)
_NOT_WORDS = re.compile(r"[^a-z0-9]+")


@cache
def _members(enum: type[StrEnum], *, fold_case: bool) -> dict[str, StrEnum]:
    """Map each (optionally lower-cased) value of ``enum`` to its member, built once."""
    return {(member.value.lower() if fold_case else member.value): member for member in enum}


def _enum[E: StrEnum](enum: type[E], value: object, *, fold_case: bool) -> E | str | None:
    """Return the enum member for ``value``, the raw string (cut) if unknown, else ``None``."""
    if not isinstance(value, str):
        return None
    member = _members(enum, fold_case=fold_case).get(value.lower() if fold_case else value)
    return member if member is not None else value[:MAX_NAME_LENGTH]


def _bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def _str(data: Mapping[str, Any], key: str, limit: int = MAX_NAME_LENGTH) -> str | None:
    value = data.get(key)
    return value[:limit] if isinstance(value, str) else None


def _number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # JSON integers have no size limit; floats do
        return None
    return number if math.isfinite(number) else None


def _time(data: Mapping[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    if not isinstance(value, str):
        return None
    try:
        # The gateway writes nanoseconds; fromisoformat keeps the first six digits.
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A time without a zone cannot be placed on the timeline; drop it rather than guess.
    return parsed if parsed.tzinfo is not None else None


def _json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _typed(data: Mapping[str, Any], key: str, expected: str, what: str) -> Any:
    """Return ``data[key]`` if missing, ``null`` or of the JSON type ``expected``; else raise.

    For the keys whose wrong type breaks the answer as a whole, not one field.
    """
    value = data.get(key)
    if value is None or _json_type(value) == expected:
        return value
    raise PowerwallInvalidResponseError(
        f"{what}: {key!r} is a JSON {_json_type(value)}, expected {expected} or null"
    )


def _message(value: str | None) -> str | None:
    return value[:MAX_MESSAGE_LENGTH] if value is not None else None


def _object(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise PowerwallInvalidResponseError(
            f"{what}: expected a JSON object, got {type(value).__name__}"
        )
    return value


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    return value if isinstance(value, dict) else None


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def worst_status[S: str](statuses: Iterable[S | None]) -> S | None:
    """Return the worst of ``statuses``.

    From worst to best: fail, an unknown value, running, not run, site controller
    running, pass. Works on raw statuses and on derived results alike.
    """
    worst: S | None = None
    worst_rank = len(_STATUS_RANK) + 1
    for status in statuses:
        if status is None:
            continue
        rank = _STATUS_RANK.get(status, _UNKNOWN_STATUS_RANK)
        if rank < worst_rank:
            worst, worst_rank = status, rank
    return worst


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerwallStatus:
    """The gateway-wide flags of ``/api/powerwalls/status`` (also in ``/api/powerwalls``)."""

    enumerating: bool | None = None
    updating: bool | None = None
    checking_if_offgrid: bool | None = None
    running_phase_detection: bool | None = None
    phase_detection_last_error: str | None = None
    bubble_shedding: bool | None = None
    on_grid_check_error: str | None = None
    grid_qualifying: bool | None = None
    grid_code_validating: bool | None = None
    phase_detection_not_available: bool | None = None

    @property
    def active(self) -> bool:
        """Whether the gateway is doing something whose progress is worth watching."""
        return any(
            (
                self.updating,
                self.enumerating,
                self.running_phase_detection,
                self.grid_qualifying,
                self.grid_code_validating,
                self.checking_if_offgrid,
            )
        )

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], what: str = "/api/powerwalls/status"
    ) -> PowerwallStatus:
        """Build the flags of a payload (``what`` names it in errors).

        A missing or ``null`` flag becomes ``None``; a flag of the wrong JSON type
        raises :class:`PowerwallInvalidResponseError`.
        """
        return cls(
            enumerating=_typed(data, "enumerating", "boolean", what),
            updating=_typed(data, "updating", "boolean", what),
            checking_if_offgrid=_typed(data, "checking_if_offgrid", "boolean", what),
            running_phase_detection=_typed(data, "running_phase_detection", "boolean", what),
            phase_detection_last_error=_message(
                _typed(data, "phase_detection_last_error", "string", what)
            ),
            bubble_shedding=_typed(data, "bubble_shedding", "boolean", what),
            on_grid_check_error=_message(_typed(data, "on_grid_check_error", "string", what)),
            grid_qualifying=_typed(data, "grid_qualifying", "boolean", what),
            grid_code_validating=_typed(data, "grid_code_validating", "boolean", what),
            phase_detection_not_available=_typed(
                data, "phase_detection_not_available", "boolean", what
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One named check of a diagnostic run."""

    name: str
    status: CheckStatus | str | None = None
    message: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    progress: float | None = None

    @property
    def result(self) -> CheckResult | str | None:
        """What the check's outcome means; ``status`` stays the gateway's raw value.

        A ``fail`` whose message says the action cannot be performed with the
        site controller running was refused, not failed: a healthy running
        system reports every commissioning check that way.
        """
        status = self.status
        if status is None:
            return None
        if status == CheckStatus.FAIL and self.message is not None:
            words = _NOT_WORDS.sub(" ", self.message.lower())
            if _SITE_CONTROLLER_RUNNING.search(words):
                return CheckResult.SITE_CONTROLLER_RUNNING
        if isinstance(status, CheckStatus):
            return CheckResult(status.value)
        return status

    @property
    def progress_percent(self) -> float | None:
        """Progress as a percentage.

        The gateway reports a 0-1 fraction; a value above 1 can only be a
        percentage already (seen on older firmware), so it is kept as one.
        """
        if self.progress is None:
            return None
        percent = self.progress * 100 if self.progress <= 1 else self.progress
        return min(max(percent, 0.0), 100.0)

    @classmethod
    def from_dict(cls, data: object) -> Check | None:
        """Build a check, or ``None`` when the entry is not a named object."""
        if not isinstance(data, dict):
            return None
        name = data.get("name")
        if not isinstance(name, str) or not (name := name.strip()):
            return None
        return cls(
            name=name[:MAX_NAME_LENGTH],
            status=_enum(CheckStatus, data.get("status"), fold_case=True),
            message=_str(data, "message", MAX_MESSAGE_LENGTH),
            start_time=_time(data, "start_time"),
            end_time=_time(data, "end_time"),
            progress=_number(data, "progress"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    """A diagnostic run (commissioning or firmware update) made of checks."""

    name: str | None = None
    category: str | None = None
    disruptive: bool | None = None
    alert: bool | None = None
    checks: tuple[Check, ...] = ()

    @property
    def result(self) -> CheckResult | str | None:
        """The run's overall result: the worst ``result`` of its checks.

        A healthy running system whose checks were all refused reads
        ``site_controller_running``, never ``fail``.
        """
        return worst_status(check.result for check in self.checks)

    @property
    def progress_percent(self) -> float | None:
        """Mean progress of the checks that report one, as a percentage."""
        values = [p for check in self.checks if (p := check.progress_percent) is not None]
        if not values:
            return None
        return sum(values) / len(values)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Diagnostic | None:
        """Build a diagnostic; ``None`` when the payload has none."""
        if data is None:
            return None
        checks: list[Check] = []
        seen: set[str] = set()
        for raw in _list(data, "checks")[:MAX_CHECKS]:
            check = Check.from_dict(raw)
            # Two checks with one name would be one entity; the first one wins.
            if check is not None and check.name not in seen:
                seen.add(check.name)
                checks.append(check)
        return cls(
            name=_str(data, "name"),
            category=_str(data, "category"),
            disruptive=_bool(data, "disruptive"),
            alert=_bool(data, "alert"),
            checks=tuple(checks),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Battery:
    """One Powerwall of ``/api/powerwalls``, identified by its package serial number."""

    package_serial_number: str
    package_part_number: str | None = None
    type: BatteryType | str | None = None
    grid_state: GridState | str | None = None
    grid_reconnection_time_seconds: float | None = None
    under_phase_detection: bool | None = None
    updating: bool | None = None
    in_config: bool | None = None
    bc_type: str | None = None
    commissioning_diagnostic: Diagnostic | None = None
    update_diagnostic: Diagnostic | None = None

    @property
    def model(self) -> str:
        """A model name a person recognises, derived from ``type``."""
        if self.type is None:
            return "Powerwall"
        return BATTERY_MODELS.get(self.type, self.type)

    @classmethod
    def from_dict(cls, data: object) -> Battery | None:
        """Build a battery, or ``None`` when the entry has no serial number."""
        if not isinstance(data, dict):
            return None
        serial = data.get("PackageSerialNumber")
        if not isinstance(serial, str) or not (serial := serial.strip()):
            return None
        # Firmware spells it "type" (usually) or "Type" (sometimes empty beside it).
        raw_type = _str(data, "type") or _str(data, "Type")
        return cls(
            package_serial_number=serial[:MAX_NAME_LENGTH],
            package_part_number=_str(data, "PackagePartNumber"),
            type=_enum(BatteryType, raw_type, fold_case=True) if raw_type else None,
            grid_state=_enum(GridState, data.get("grid_state"), fold_case=True),
            grid_reconnection_time_seconds=_number(data, "grid_reconnection_time_seconds"),
            under_phase_detection=_bool(data, "under_phase_detection"),
            updating=_bool(data, "updating"),
            in_config=_bool(data, "in_config"),
            bc_type=_str(data, "bc_type"),
            commissioning_diagnostic=Diagnostic.from_dict(
                _mapping(data, "commissioning_diagnostic")
            ),
            update_diagnostic=Diagnostic.from_dict(_mapping(data, "update_diagnostic")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Sync:
    """The gateway's synchronizer (``sync``): its update state and diagnostics."""

    updating: bool | None = None
    commissioning_diagnostic: Diagnostic | None = None
    update_diagnostic: Diagnostic | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Sync | None:
        """Build the synchronizer block; ``None`` when the payload has none."""
        if data is None:
            return None
        return cls(
            updating=_bool(data, "updating"),
            commissioning_diagnostic=Diagnostic.from_dict(
                _mapping(data, "commissioning_diagnostic")
            ),
            update_diagnostic=Diagnostic.from_dict(_mapping(data, "update_diagnostic")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Powerwalls:
    """``/api/powerwalls``: the status flags, every battery and the synchronizer."""

    status: PowerwallStatus
    powerwalls: tuple[Battery, ...] = ()
    gateway_din: str | None = None
    sync: Sync | None = None
    states: tuple[str, ...] | None = None
    # Entries of "powerwalls" not in `powerwalls`: not batteries (no serial, not an
    # object), repeated serials, or beyond MAX_BATTERIES. While this is non-zero the
    # battery list is incomplete: don't treat a missing battery as removed.
    skipped_powerwalls: int = 0
    # Entries beyond the bounds, not looked at: batteries past MAX_BATTERIES,
    # checks past MAX_CHECKS in any run (batteries kept and synchronizer), and
    # `states` entries past MAX_STATES.
    dropped_powerwalls: int = 0
    dropped_checks: int = 0
    dropped_states: int = 0

    @property
    def truncated(self) -> bool:
        """Whether anything was dropped to stay within the bounds (see the module docstring)."""
        return bool(self.dropped_powerwalls or self.dropped_checks or self.dropped_states)

    @classmethod
    def from_json(cls, data: object) -> Powerwalls:
        """Parse a decoded ``/api/powerwalls`` answer; raise if its structure is wrong."""
        what = "/api/powerwalls"
        payload = _object(data, what)
        raw_batteries: list[Any] = _typed(payload, "powerwalls", "array", what) or []
        raw_sync: Mapping[str, Any] | None = _typed(payload, "sync", "object", what)
        raw_states: list[Any] | None = _typed(payload, "states", "array", what)
        status = PowerwallStatus.from_dict(payload, what)
        batteries: list[Battery] = []
        seen: set[str] = set()
        dropped = max(0, len(raw_batteries) - MAX_BATTERIES)
        skipped = dropped
        dropped_checks = _dropped_checks(raw_sync)
        for raw in raw_batteries[:MAX_BATTERIES]:
            battery = Battery.from_dict(raw)
            if battery is None or battery.package_serial_number in seen:
                skipped += 1
                continue
            seen.add(battery.package_serial_number)
            batteries.append(battery)
            dropped_checks += _dropped_checks(raw)
        states = (
            tuple(s[:MAX_NAME_LENGTH] for s in raw_states[:MAX_STATES] if isinstance(s, str))
            if raw_states is not None
            else None
        )
        din = _str(payload, "gateway_din")
        return cls(
            status=status,
            powerwalls=tuple(batteries),
            gateway_din=din.strip() or None if din else None,
            sync=Sync.from_dict(raw_sync),
            states=states,
            skipped_powerwalls=skipped,
            dropped_powerwalls=dropped,
            dropped_checks=dropped_checks,
            dropped_states=max(0, len(raw_states) - MAX_STATES) if raw_states is not None else 0,
        )


def _dropped_checks(owner: Mapping[str, Any] | None) -> int:
    """How many checks of a battery's or the synchronizer's runs are past ``MAX_CHECKS``."""
    if owner is None:
        return 0
    runs = (_mapping(owner, key) for key in ("commissioning_diagnostic", "update_diagnostic"))
    return sum(max(0, len(_list(run, "checks")) - MAX_CHECKS) for run in runs if run is not None)


def parse_status(data: object) -> PowerwallStatus:
    """Parse a decoded ``/api/powerwalls/status`` answer; raise if a flag has the wrong type."""
    what = "/api/powerwalls/status"
    return PowerwallStatus.from_dict(_object(data, what), what)


@dataclass(frozen=True, slots=True, kw_only=True)
class GridStatusInfo:
    """``/api/system_status/grid_status``: is the site on grid right now."""

    grid_status: GridStatus | str | None = None
    grid_services_active: bool | None = None

    @property
    def connection(self) -> GridConnection | None:
        """Why the site is off grid (``ON_GRID`` when it is not); ``None`` when not known.

        Each known ``grid_status`` has its reason: ``SystemGridConnected`` is
        ``ON_GRID``; ``SystemIslandedActive`` and ``SystemIslandedReady``
        ``ISLANDED``; ``SystemTransitionToIsland`` ``GOING_OFF_GRID``;
        ``SystemTransitionToGrid`` ``RECONNECTING`` (still off grid until it is
        done); ``SystemWaitForUser`` ``WAITING_FOR_USER``;
        ``SystemMicroGridFaulted`` ``FAULTED``. A value new firmware sends is
        read by its name, case and ``_`` aside: one naming a fault is
        ``FAULTED``, a wait for the user ``WAITING_FOR_USER``, a transition to
        island ``GOING_OFF_GRID``, a transition to grid ``RECONNECTING``, an
        island or a microgrid ``ISLANDED``. Any other value, a missing one
        included, says nothing either way: ``None``.
        """
        status = self.grid_status
        if status is None:
            return None
        if isinstance(status, GridStatus):
            return _CONNECTIONS[status]
        words = _NOT_WORDS.sub("", status.lower())
        for pattern, reason in _OFF_GRID_WORDS:
            if pattern.search(words):
                return reason
        return None

    @property
    def connected(self) -> bool | None:
        """Whether the site is connected to the grid; ``None`` when not known.

        ``False`` for every off-grid reason (see :attr:`connection`), so an
        automation waiting for "off grid" runs whatever the gateway calls it.
        """
        reason = self.connection
        return None if reason is None else reason is GridConnection.ON_GRID

    @classmethod
    def from_json(cls, data: object) -> GridStatusInfo:
        """Parse a decoded ``/api/system_status/grid_status`` answer.

        Raises :class:`PowerwallInvalidResponseError` when ``grid_status`` is not a string.
        """
        what = "/api/system_status/grid_status"
        payload = _object(data, what)
        return cls(
            grid_status=_enum(
                GridStatus, _typed(payload, "grid_status", "string", what), fold_case=True
            ),
            grid_services_active=_bool(payload, "grid_services_active"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayInfo:
    """``/api/status``: the gateway's identity and firmware (readable without login)."""

    din: str | None = None
    version: str | None = None
    git_hash: str | None = None
    device_type: str | None = None
    up_time_seconds: str | None = None

    @property
    def firmware_version(self) -> str | None:
        """The firmware version without the build hash ("24.36.2 46990655" -> "24.36.2")."""
        if not self.version or not self.version.split():
            return None
        return self.version.split()[0]

    @classmethod
    def from_json(cls, data: object) -> GatewayInfo:
        """Parse a decoded ``/api/status`` answer."""
        payload = _object(data, "/api/status")
        din = _str(payload, "din")
        return cls(
            din=din.strip() or None if din else None,
            version=_str(payload, "version"),
            git_hash=_str(payload, "git_hash"),
            device_type=_str(payload, "device_type"),
            up_time_seconds=_str(payload, "up_time_seconds"),
        )
