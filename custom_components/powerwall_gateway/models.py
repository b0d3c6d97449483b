"""What the coordinators hold, and why the site is off grid: plain data, no Home Assistant."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .api import (
    Battery,
    GridConnection,
    GridState,
    GridStatus,
    GridStatusInfo,
    Powerwalls,
    PowerwallStatus,
    Sync,
)
from .outages import Outage, OutageEvent


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


@dataclass(frozen=True, slots=True)
class GridData:
    """A read of the live grid status, with what it means for the site."""

    status: GridStatusInfo
    # Why the site is not on grid, from this read and the latest flags and batteries.
    off_grid_reason: OffGridReason | None = None
    seconds_until_reconnect: float | None = None
    # The gateway's own words on why it does not go back on grid.
    on_grid_check_error: str | None = None
    # The last outage (kept across restarts), and the change this read revealed.
    last_outage: Outage | None = None
    event: OutageEvent | None = None
    # Every outage seen, and the time the site was seen off grid, over every run.
    outage_count: int = 0
    time_off_grid_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class FlagsData:
    """The gateway's flags, and where they came from."""

    # None on a gateway that offers its flags neither on /api/powerwalls/status
    # nor in /api/powerwalls (a restricted local API).
    flags: PowerwallStatus | None
    # "endpoint" (/api/powerwalls/status), "battery_list" (/api/powerwalls), or None.
    source: str | None


@dataclass(frozen=True, slots=True)
class BatteryData:
    """A read of ``/api/powerwalls``, with its batteries by device identifier."""

    # None while the gateway does not offer /api/powerwalls (a restricted local API).
    powerwalls: Powerwalls | None
    batteries: dict[str, Battery]


NOT_OFFERED = BatteryData(None, {})


def flags_of(data: FlagsData) -> PowerwallStatus | None:
    """The flags in a read of them; ``None`` on a gateway that offers none."""
    return data.flags


def sync_of(data: BatteryData) -> Sync | None:
    """The synchronizer in a read of the battery list; ``None`` when it has none."""
    return data.powerwalls.sync if data.powerwalls is not None else None
