"""What a gateway's answers mean for the site, and when to ask it again: policy without Home Assistant.

The integration's coordinator asks the gateway; this module decides what it
makes of the answers: which failure keeps the last values and for how long,
when a "not found" means a restricted local API, when the flags endpoint is
locked, when each detail endpoint is due, and why the site is off grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
from itertools import chain
import logging

from .exceptions import (
    PowerwallBusyError,
    PowerwallError,
    PowerwallInvalidResponseError,
    PowerwallRateLimitError,
    PowerwallUnsupportedError,
)
from .models import (
    Battery,
    BatteryType,
    CheckStatus,
    GridConnection,
    GridState,
    GridStatus,
    GridStatusInfo,
    Powerwalls,
    PowerwallStatus,
    Sync,
)

_LOGGER = logging.getLogger(__name__)

# Data kept through failed reads goes unavailable once its read is this overdue.
STALE_AFTER = timedelta(minutes=10)
# A restricted gateway is asked for /api/powerwalls again this often, in case a
# firmware update brought the endpoint back.
RESTRICTED_REPROBE_INTERVAL = timedelta(hours=3)
# A gateway that served /api/powerwalls and then answers 404 is held like a busy
# one; only this many 404s in a row over at least this long make it restricted.
RESTRICTED_AFTER_READS = 3
RESTRICTED_AFTER = timedelta(minutes=15)
# While /api/powerwalls/status is locked (409) or absent (404), it is asked again this often.
STATUS_REPROBE_INTERVAL = timedelta(minutes=30)
# A read falls on a poll, which Home Assistant may run a little early or late:
# a read due within this much is taken at the poll at hand, not a whole poll later.
DUE_SLACK = timedelta(seconds=1)
# Each enum value nobody knows is logged once, and at most this many are remembered.
MAX_LOGGED_UNKNOWN_VALUES = 100

# The gateway protecting itself (429) or busy (409, 502, 503): every read keeps its last
# values until overdue. An answer that cannot be used, or a passing "not found":
# only the slow-changing details do; the live grid status is the integration's
# pulse and fails at once. A gateway that cannot be reached fails every read.
HELD_BY_EVERY_READ: tuple[type[PowerwallError], ...] = (PowerwallRateLimitError, PowerwallBusyError)
HELD_BY_DETAILS: tuple[type[PowerwallError], ...] = (
    *HELD_BY_EVERY_READ,
    PowerwallInvalidResponseError,
    PowerwallUnsupportedError,
)


def keeps_last_values(err: PowerwallError, *, live: bool) -> bool:
    """Whether a read that failed with ``err`` keeps its last values (until they are overdue).

    ``live`` is the live grid status, which keeps them only through a rate limit or a busy site.
    """
    return isinstance(err, HELD_BY_EVERY_READ if live else HELD_BY_DETAILS)


def flags_endpoint_locked(err: PowerwallError) -> bool:
    """Whether ``err`` says ``/api/powerwalls/status`` is locked (409) or absent (404).

    A 409 "Sitemaster is current running" lasts while the site runs; the same
    flags are then read from ``/api/powerwalls``. A 502 or 503 is a busy site,
    not a lock.
    """
    if isinstance(err, PowerwallBusyError):
        return err.status == HTTPStatus.CONFLICT
    return isinstance(err, PowerwallUnsupportedError)


@dataclass(slots=True)
class DetailReads:
    """When one detail endpoint (the flags, the battery list) is read, and how old its data is.

    It is read when its interval has passed since the last read; after a failure
    when ``retry`` has; and, when ``hurry`` asked for it (the grid status changed,
    an activity started), as soon as ``fast`` has: never more often, however
    often it is asked.
    """

    interval: timedelta
    fast: timedelta
    retry: timedelta
    # When it is due next (None: at the next poll); when it was last tried and last read.
    due_at: datetime | None = None
    tried_at: datetime | None = None
    read_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        """Whether to read it at the poll at ``now``."""
        return self.due_at is None or now >= self.due_at - DUE_SLACK

    def succeeded(
        self, now: datetime, *, fast: bool = False, wait: timedelta | None = None
    ) -> None:
        """It was read at ``now``: next after its interval, ``fast`` one, or ``wait``."""
        self.tried_at = self.read_at = now
        self.due_at = now + (wait or (min(self.fast, self.interval) if fast else self.interval))

    def failed(self, now: datetime, *, retry_after: float | None = None) -> None:
        """Reading it failed at ``now``: tried again after ``retry``, or the gateway's Retry-After."""
        self.tried_at = now
        self.due_at = now + max(min(self.retry, self.interval), timedelta(seconds=retry_after or 0))

    def hurry(self) -> None:
        """Read it as soon as the fast cadence allows."""
        soonest = self.tried_at + self.fast if self.tried_at is not None else None
        if self.due_at is not None and (soonest is None or soonest < self.due_at):
            self.due_at = soonest

    def overdue(self, now: datetime) -> bool:
        """Whether data kept through failures is too old to show (never read counts)."""
        return self.read_at is None or now - self.read_at >= self.interval + STALE_AFTER


@dataclass(slots=True)
class BatteryListPresence:
    """Whether the gateway offers ``/api/powerwalls``; a restricted local API answers it 404.

    A gateway that never served the list restricts it at its first 404. One that
    served it (in an earlier run too: a registered battery counts) is held like a
    busy one, and counts as restricted only after RESTRICTED_AFTER_READS such
    answers over at least RESTRICTED_AFTER.
    """

    served: bool = False
    restricted: bool = False
    _missing: int = 0
    _missing_since: datetime | None = None

    def found(self) -> bool:
        """The list was served; ``True`` when the gateway was restricted until now."""
        was_restricted = self.restricted
        self.served, self.restricted = True, False
        self._missing, self._missing_since = 0, None
        return was_restricted

    def not_found(self, now: datetime) -> bool:
        """The list answered 404 at ``now``; whether the gateway restricts its API."""
        self._missing += 1
        since = self._missing_since = self._missing_since or now
        if self.served and (
            self._missing < RESTRICTED_AFTER_READS or now - since < RESTRICTED_AFTER
        ):
            return False
        self.served, self.restricted = False, True
        return True


class UnknownValues:
    """Log once what an answer holds that cannot be shown as it is (at most so many values).

    Each enum value this integration does not know, and a battery list cut to
    the parse bounds or with unusable entries.
    """

    def __init__(self, host: str) -> None:
        """Start with nothing logged about the gateway at ``host``."""
        self._host = host
        self._logged: set[tuple[str, str]] = set()

    def check(self, field_name: str, values: Iterable[str | None], known: type[StrEnum]) -> None:
        """Log the values of ``field_name`` that are not members of ``known``."""
        for value in values:
            if value is None or isinstance(value, known) or (field_name, value) in self._logged:
                continue
            if len(self._logged) >= MAX_LOGGED_UNKNOWN_VALUES:
                return
            self._logged.add((field_name, value))
            _LOGGER.warning(
                "The gateway reported a %s this integration does not know: %r. "
                "It is shown as it is; please report it so it can be translated",
                field_name,
                value,
            )

    def check_battery_list(self, powerwalls: Powerwalls) -> None:
        """Log the unknown values of a battery list, and once that it was cut or garbled."""
        if powerwalls.truncated and self._first("truncated"):
            _LOGGER.warning(
                "The gateway at %s lists more than this integration keeps (%d batteries,"
                " %d checks, %d states left out); the rest is shown",
                self._host,
                powerwalls.dropped_powerwalls,
                powerwalls.dropped_checks,
                powerwalls.dropped_states,
            )
        if powerwalls.skipped_powerwalls and self._first("skipped"):
            _LOGGER.warning(
                "The gateway at %s lists %d battery entries without a usable serial number,"
                " or with one listed twice; they are left out",
                self._host,
                powerwalls.skipped_powerwalls,
            )
        batteries = powerwalls.powerwalls
        self.check("grid_state", (b.grid_state for b in batteries), GridState)
        self.check("battery type", (b.type for b in batteries), BatteryType)
        owners: list[Battery | Sync] = [*batteries, *filter(None, [powerwalls.sync])]
        runs = chain.from_iterable(
            (o.commissioning_diagnostic, o.update_diagnostic) for o in owners
        )
        self.check(
            "check status", (c.status for run in runs if run for c in run.checks), CheckStatus
        )

    def _first(self, news: str) -> bool:
        """Whether ``news`` is told for the first time."""
        first = ("", news) not in self._logged
        self._logged.add(("", news))
        return first


class GatewayMessage(StrEnum):
    """What a text flag of the gateway means; its own words are shown beside it.

    A short state keeps the entity's name readable on the device page, and the
    gateway's usual words on a running site do not read as a fault.
    """

    NONE = "none"
    NORMAL = "normal"
    ERROR = "error"


# What the gateway says in its text flags on a healthy, running site.
NORMAL_PHASE_DETECTION_MESSAGE = "no phase information"
NORMAL_ON_GRID_CHECK_MESSAGE = "sitemanager process is running"


def gateway_message(text: str | None, normal: str) -> GatewayMessage:
    """The state of a text flag: ``normal`` when it holds the healthy words (any case, spacing)."""
    words = " ".join((text or "").split()).casefold()
    if not words:
        return GatewayMessage.NONE
    return GatewayMessage.NORMAL if normal in words else GatewayMessage.ERROR


class OffGridReason(StrEnum):
    """Why the site is not (yet) on grid, in words a homeowner understands."""

    ON_GRID = "on_grid"
    GOING_OFF_GRID = "going_off_grid"
    ISLANDED = "islanded"
    DETECTING_PHASES = "detecting_phases"
    VALIDATING_GRID_CODE = "validating_grid_code"
    QUALIFYING = "qualifying"
    WAITING_FOR_STABLE_GRID = "waiting_for_stable_grid"
    GATEWAY_MESSAGE = "gateway_message"
    RECONNECTING = "reconnecting"
    WAITING_FOR_USER = "waiting_for_user"
    FAULTED = "faulted"


def seconds_until_reconnect(batteries: Iterable[Battery]) -> float | None:
    """The longest reconnection timer of the batteries, while one is counting down."""
    timers = [t for b in batteries if (t := b.grid_reconnection_time_seconds)]
    return max(timers) if timers else None


def off_grid_reason(
    grid: GridStatusInfo, flags: PowerwallStatus | None, batteries: Iterable[Battery]
) -> OffGridReason | None:
    """Why the site is where it is: its grid connection, then what the gateway is doing."""
    connection = grid.connection
    match connection:
        case None:
            return None  # a status that says nothing either way: shown as it is
        case GridConnection.ON_GRID:
            return OffGridReason.ON_GRID
        case GridConnection.WAITING_FOR_USER:
            return OffGridReason.WAITING_FOR_USER
        case GridConnection.GOING_OFF_GRID:
            return OffGridReason.GOING_OFF_GRID
        case GridConnection.FAULTED:
            return OffGridReason.FAULTED
    batteries = list(batteries)
    if flags is not None and flags.running_phase_detection:
        return OffGridReason.DETECTING_PHASES
    if flags is not None and flags.grid_code_validating:
        return OffGridReason.VALIDATING_GRID_CODE
    if (flags is not None and flags.grid_qualifying) or any(
        b.grid_state is GridState.GRID_QUALIFYING for b in batteries
    ):
        return OffGridReason.QUALIFYING
    if seconds_until_reconnect(batteries) is not None:
        return OffGridReason.WAITING_FOR_STABLE_GRID
    if connection is GridConnection.RECONNECTING:
        return OffGridReason.RECONNECTING
    if grid.grid_status is GridStatus.SYSTEM_ISLANDED_READY:
        # Ready to go back, and not going: the gateway's own check says why, if anything.
        if flags is not None and flags.on_grid_check_error:
            return OffGridReason.GATEWAY_MESSAGE
        return OffGridReason.WAITING_FOR_STABLE_GRID
    return OffGridReason.ISLANDED
