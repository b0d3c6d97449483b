"""The gateway's one coordinator: each poll reads the live grid status, and the details when due.

Every grid interval it reads ``/api/system_status/grid_status``; the flags
(``/api/powerwalls/status``) and the battery list (``/api/powerwalls``) are read
when their own interval is due, and once more, as soon as the flags interval
allows, after the grid status changed or an activity started. Each poll returns
one immutable ``GatewaySnapshot`` of everything the entities show. What an
answer or a failure means is decided in ``api.site``; this module asks, keeps
the session and backoff in the entry, and raises the repair issues.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    Battery,
    GatewayInfo,
    GridStatus,
    GridStatusInfo,
    PowerwallAuthenticationError,
    PowerwallCertificateError,
    PowerwallClient,
    PowerwallError,
    PowerwallLoginBackoffError,
    PowerwallRateLimitError,
    Powerwalls,
    PowerwallStatus,
    PowerwallUnsupportedError,
    Sync,
)
from .api.site import (
    RESTRICTED_REPROBE_INTERVAL,
    STATUS_REPROBE_INTERVAL,
    BatteryListPresence,
    DetailReads,
    OffGridReason,
    UnknownValues,
    flags_endpoint_locked,
    keeps_last_values,
    off_grid_reason,
    seconds_until_reconnect,
)
from .clients import keep_client_state
from .const import (
    CONF_GRID_INTERVAL,
    CONF_POWERWALLS_INTERVAL,
    CONF_SCAN_INTERVAL,
    DEFAULT_GRID_INTERVAL,
    DEFAULT_POWERWALLS_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
)
from .devices import StaleEntries, battery_id
from .outages import Outage, OutageEvent, OutageTracker
from .repairs import (
    RateLimitIssue,
    RestrictedApiIssue,
    async_certificate_changed,
    async_certificate_trusted,
)

type PowerwallGatewayConfigEntry = ConfigEntry[PowerwallCoordinator]

# A failed detail read is tried again at the flags interval, at most a minute later.
RETRY_AT_MOST = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class GatewaySnapshot:
    """Everything the entities show, as one poll left it."""

    # Each part is None once a failed read left it overdue (the grid at once on
    # an answer that cannot be used), and the details before their first read
    # and on a gateway that does not offer them (a restricted local API).
    grid: GridStatusInfo | None
    flags: PowerwallStatus | None
    powerwalls: Powerwalls | None
    # The listed batteries by device identifier (``<gateway id>_<serial>``).
    batteries: dict[str, Battery] = field(default_factory=dict)
    # Why the site is not on grid, and the longest reconnection timer counting down.
    off_grid_reason: OffGridReason | None = None
    seconds_until_reconnect: float | None = None
    # The outage history, kept across restarts.
    last_outage: Outage | None = None
    outage_count: int = 0
    time_off_grid_seconds: float = 0.0
    # The change of the grid connection this poll saw; no later snapshot carries it.
    event: OutageEvent | None = None

    def has_grid(self) -> bool:
        """Whether it holds the live grid status (the grid entities' ``available_fn``)."""
        return self.grid is not None

    def has_flags(self) -> bool:
        """Whether it holds the gateway's flags."""
        return self.flags is not None

    @property
    def sync(self) -> Sync | None:
        """The synchronizer, when the battery list reports one."""
        return self.powerwalls.sync if self.powerwalls is not None else None


def _update_failed(err: PowerwallError) -> UpdateFailed:
    """A failed poll, translated, with the gateway's own words."""
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=err.translation_key,
        translation_placeholders={"error": str(err)},
    )


def _interval(entry: ConfigEntry[Any], option: str, default: int) -> timedelta:
    return timedelta(seconds=entry.options.get(option, default))


class PowerwallCoordinator(DataUpdateCoordinator[GatewaySnapshot]):
    """Read one gateway into snapshots; only a failed first read of the grid status fails one.

    Later, each part of the snapshot keeps or loses its data by what its own read met.
    """

    config_entry: PowerwallGatewayConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallGatewayConfigEntry,
        client: PowerwallClient,
        info: GatewayInfo,
        outages: OutageTracker,
    ) -> None:
        """Read the gateway of ``entry`` through ``client`` at the intervals the user chose."""
        grid_interval = _interval(entry, CONF_GRID_INTERVAL, DEFAULT_GRID_INTERVAL)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {client.host}",
            update_interval=grid_interval,
            always_update=False,
        )
        self.client = client
        self.info = info
        self.outages = outages
        # The entry's unique id: the DIN, or for firmware without one the id it was set up with.
        self.gateway_id = entry.unique_id or entry.entry_id
        flags_interval = _interval(entry, CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
        retry = min(flags_interval, RETRY_AT_MOST)
        self.flag_reads = DetailReads(flags_interval, flags_interval, retry)
        self.battery_reads = DetailReads(
            _interval(entry, CONF_POWERWALLS_INTERVAL, DEFAULT_POWERWALLS_INTERVAL),
            flags_interval,
            retry,
        )
        self.grid_reads = DetailReads(grid_interval, grid_interval, grid_interval)
        self.battery_list = BatteryListPresence(served=self._batteries_registered())
        self.unknown_values = UnknownValues(client.host)
        self.rate_limits = RateLimitIssue(hass, entry.entry_id, client.host)
        self.restricted_issue = RestrictedApiIssue(hass, entry.entry_id, client.host)
        entry.async_on_unload(self.rate_limits.remove)
        entry.async_on_unload(self.restricted_issue.remove)
        self._stale = StaleEntries(hass, entry, self.gateway_id)
        # Password refused: only re-authentication logs in again, as failed logins lock it.
        self._password_rejected = False
        # What keeps the gateway from answering (a rate limit, a busy site), logged once.
        self._not_answering: PowerwallError | None = None
        # The reads failing now and why, each logged once until it answers again.
        self.failing: dict[str, PowerwallError] = {}
        # While /api/powerwalls/status is locked or absent: when to ask it again.
        self._flags_locked_until: datetime | None = None
        self._firmware_changed = False
        # Batteries missing from the last list that the one before had: shown once more.
        self._missing_once: set[str] = set()

    def _batteries_registered(self) -> bool:
        """Whether the entry has battery devices: the list was served in an earlier run."""
        devices = dr.async_entries_for_config_entry(
            dr.async_get(self.hass), self.config_entry.entry_id
        )
        return any((DOMAIN, self.gateway_id) not in device.identifiers for device in devices)

    def battery_id(self, battery: Battery) -> str:
        """The identifier of a battery's device and entities on this gateway."""
        return battery_id(battery.package_serial_number, self.gateway_id)

    @override
    async def _async_update_data(self) -> GatewaySnapshot:
        now = dt_util.utcnow()
        previous: GatewaySnapshot | None = self.data  # None before the first poll
        event: OutageEvent | None = None
        grid: GridStatusInfo | None
        try:
            grid = read = await self._request(self.client.get_grid_status)
        except PowerwallError as err:
            if previous is None:
                if isinstance(err, PowerwallUnsupportedError):
                    # Neither the live grid status nor (the client checked) the local API.
                    raise ConfigEntryError(
                        translation_domain=DOMAIN, translation_key="unsupported"
                    ) from err
                raise _update_failed(err) from err
            grid = self._failed_read("grid status", self.grid_reads, err, now, previous.grid)
        else:
            self.grid_reads.succeeded(now)
            self._answered("grid status")
            self.unknown_values.check("grid_status", (read.grid_status,), GridStatus)
            event = self.outages.observe(read.connected, now)
            if previous and previous.grid and previous.grid.grid_status != read.grid_status:
                # Reconnection timers and grid states arrive with the change.
                self.flag_reads.hurry()
                self._hurry_batteries()
        flags = previous.flags if previous is not None else None
        powerwalls = previous.powerwalls if previous is not None else None
        if not self._flags_locked(now) and self.flag_reads.due(now):
            flags = await self._read_flags(now, flags)
        batteries = previous.batteries if previous is not None else {}
        if self.battery_reads.due(now):
            powerwalls, batteries = await self._read_battery_list(
                now, powerwalls, batteries, flags, grid
            )
        if self._flags_locked(now):
            # The flags as the battery list carries them, as fresh as it is.
            held, flags = flags, powerwalls.status if powerwalls is not None else None
            if flags is not held:
                await self._follow_activity(held, flags)
        return GatewaySnapshot(
            grid=grid,
            flags=flags,
            powerwalls=powerwalls,
            batteries=batteries,
            off_grid_reason=off_grid_reason(grid, flags, batteries.values()) if grid else None,
            seconds_until_reconnect=seconds_until_reconnect(batteries.values()),
            last_outage=self.outages.last,
            outage_count=self.outages.outage_count,
            time_off_grid_seconds=self.outages.time_off_grid.total_seconds(),
            event=event,
        )

    @property
    def flags_from_battery_list(self) -> bool:
        """Whether the flags come from the battery list (their endpoint locked or absent)."""
        return self._flags_locked(dt_util.utcnow())

    def _hurry_batteries(self) -> None:
        """Read the battery list as soon as the fast cadence allows; a restricted one waits."""
        if not self.battery_list.restricted:
            self.battery_reads.hurry()

    def _flags_locked(self, now: datetime) -> bool:
        locked_until = self._flags_locked_until
        return locked_until is not None and now < locked_until

    async def _read_flags(
        self, now: datetime, held: PowerwallStatus | None
    ) -> PowerwallStatus | None:
        """Read the flags; an activity starting or a firmware update ending has effects."""
        try:
            flags = await self._request(self.client.get_status)
        except PowerwallError as err:
            if flags_endpoint_locked(err):
                if self._flags_locked_until is None:
                    LOGGER.info(
                        "The gateway at %s does not serve its flags on /api/powerwalls/status"
                        " (%s); they come from /api/powerwalls instead",
                        self.client.host,
                        err,
                    )
                    self._hurry_batteries()  # they come with this poll's list, if it may be read
                self._flags_locked_until = now + STATUS_REPROBE_INTERVAL
                return held
            return self._failed_read("flags", self.flag_reads, err, now, held)
        self._flags_locked_until = None
        self.flag_reads.succeeded(now)
        self._answered("flags")
        await self._follow_activity(held, flags)
        return flags

    async def _follow_activity(
        self, before: PowerwallStatus | None, flags: PowerwallStatus | None
    ) -> None:
        """An activity started: read the batteries soon; a firmware update ended: its version."""
        if before is not None and flags is not None and not before.active and flags.active:
            self._hurry_batteries()  # they show its progress, and its result
        if before is not None and before.updating and not (flags and flags.updating):
            self._firmware_changed = True
        if self._firmware_changed:
            self._firmware_changed = not await self._read_firmware_version()

    async def _read_battery_list(
        self,
        now: datetime,
        held: Powerwalls | None,
        listed: dict[str, Battery],
        flags: PowerwallStatus | None,
        grid: GridStatusInfo | None,
    ) -> tuple[Powerwalls | None, dict[str, Battery]]:
        """Read every battery: the list and its batteries by identifier.

        A failed read keeps the last ones while it may; a 404 may mean a restricted local API.
        """
        reads = self.battery_reads
        try:
            powerwalls = await self._request(self.client.get_powerwalls)
        except PowerwallUnsupportedError as err:
            was_restricted = self.battery_list.restricted
            if not self.battery_list.not_found(now):
                return self._kept_batteries(reads, err, now, held, listed)
            if not was_restricted:
                LOGGER.info(
                    "The gateway at %s does not offer /api/powerwalls (a restricted local API):"
                    " no battery details; asking again every %d hours",
                    self.client.host,
                    RESTRICTED_REPROBE_INTERVAL.total_seconds() // 3600,
                )
            self.restricted_issue.create()
            self._answered("batteries")
            reads.succeeded(now, wait=RESTRICTED_REPROBE_INTERVAL)
            return None, {}
        except PowerwallError as err:
            return self._kept_batteries(reads, err, now, held, listed)
        if self.battery_list.found():
            LOGGER.info("The gateway at %s offers /api/powerwalls again", self.client.host)
        self.restricted_issue.remove()
        self._answered("batteries")
        # While something goes on, the read that finds it over shows its result.
        busy = powerwalls.status.active or (flags is not None and flags.active)
        reads.succeeded(now, fast=busy or (grid is not None and grid.connected is False))
        self.unknown_values.check_battery_list(powerwalls)
        return powerwalls, self._batteries(powerwalls, listed)

    def _kept_batteries(
        self,
        reads: DetailReads,
        err: PowerwallError,
        now: datetime,
        held: Powerwalls | None,
        listed: dict[str, Battery],
    ) -> tuple[Powerwalls | None, dict[str, Battery]]:
        """The list failed: the last one and its batteries while they may be kept."""
        if (kept := self._failed_read("batteries", reads, err, now, held)) is None:
            return None, {}
        return kept, listed

    def _batteries(
        self, powerwalls: Powerwalls, listed_before: dict[str, Battery]
    ) -> dict[str, Battery]:
        """The batteries of a new read of the list; one missing from a single read is kept once.

        One flaky answer shows such a battery as last read, and the list is read
        again as soon as the fast cadence allows. Only reads that lack it after
        that count towards removing its device.
        """
        batteries = {self.battery_id(battery): battery for battery in powerwalls.powerwalls}
        missing = listed_before.keys() - batteries.keys() - self._missing_once
        self._missing_once = set(missing)
        if missing:
            self._hurry_batteries()
            batteries |= {key: listed_before[key] for key in missing}
        self._stale.battery_list_read(powerwalls, batteries)
        return batteries

    def _failed_read[T](
        self, name: str, reads: DetailReads, err: PowerwallError, now: datetime, held: T | None
    ) -> T | None:
        """A read failed: its last data while it may be kept, else nothing (logged once)."""
        reads.failed(
            now, retry_after=err.retry_after if isinstance(err, PowerwallRateLimitError) else None
        )
        self._note_not_answering(err)
        live = reads is self.grid_reads
        if held is not None and keeps_last_values(err, live=live) and not reads.overdue(now):
            LOGGER.debug("Keeping the last %s of %s: %s", name, self.client.host, err)
            return held
        if isinstance(err, PowerwallCertificateError):
            # The certificate issue says it once, in words, with what to do.
            LOGGER.debug("Not reading the %s of %s: untrusted certificate", name, self.client.host)
        elif name not in self.failing:
            LOGGER.warning(
                "Cannot read the %s of the gateway at %s: %s",
                name,
                self.client.host,
                _update_failed(err),  # its translated message, with the gateway's words
            )
        self.failing[name] = err
        return None

    def _answered(self, name: str) -> None:
        if self.failing.pop(name, None) is not None:
            LOGGER.info("The %s of the gateway at %s can be read again", name, self.client.host)

    async def _request[T](self, send: Callable[[], Awaitable[T]]) -> T:
        """Send one request; keep the session and backoff; raise or clear the repair issues.

        A rejected password raises ``ConfigEntryAuthFailed``; other client errors propagate.
        """
        if self._password_rejected:
            raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        try:
            answer = await send()
        except PowerwallError as err:
            failure = err
            if isinstance(err, PowerwallLoginBackoffError) and err.reason is not None:
                failure = err.reason  # the login that failed moments ago is not sent again
            if isinstance(failure, PowerwallAuthenticationError):
                self._password_rejected = True
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="invalid_auth"
                ) from err
            if isinstance(failure, PowerwallCertificateError):
                # Another device answers at the gateway's address, or the gateway was
                # replaced: nothing is sent to it, and the user decides.
                async_certificate_changed(self.hass, self.config_entry, failure)
            elif isinstance(failure, PowerwallRateLimitError) and not isinstance(
                failure, PowerwallLoginBackoffError
            ):
                self.rate_limits.rate_limited(dt_util.utcnow().timestamp())
            raise failure from err
        finally:
            # Also after a failed read: a renewed session or a new login backoff
            # must outlive a restart.
            keep_client_state(self.hass, self.client, self.config_entry)
        if self._not_answering is not None:
            LOGGER.info("The gateway at %s answers again", self.client.host)
            self._not_answering = None
        self.rate_limits.answered(dt_util.utcnow().timestamp())
        async_certificate_trusted(self.hass, self.config_entry.entry_id)
        return answer

    def _note_not_answering(self, err: PowerwallError) -> None:
        """Say once that the gateway keeps its data to itself for now (rate limit, busy)."""
        if keeps_last_values(err, live=True) and self._not_answering is None:
            LOGGER.warning(
                "The gateway at %s does not answer for now (%s); the last values are kept"
                " for up to 10 minutes",
                self.client.host,
                err,
            )
            self._not_answering = err

    async def _read_firmware_version(self) -> bool:
        """Read the firmware version again after an update; ``False`` if not answered yet."""
        try:
            self.info = await self._request(self.client.get_gateway_info)
        except PowerwallError as err:
            LOGGER.debug("Firmware version of %s not read yet: %s", self.client.host, err)
            return False
        registry = dr.async_get(self.hass)
        ident = (DOMAIN, self.gateway_id)
        if device := registry.async_get_device_by_identifier(ident, self.config_entry.entry_id):
            registry.async_update_device(device.id, sw_version=self.info.firmware_version)
        return True
