"""The three coordinators, one per cadence: the live grid status, the flags, the batteries.

- grid: ``/api/system_status/grid_status`` (a few dozen bytes) every grid
  interval, for outage automations; a change reads the flags and the
  batteries at once, so the reconnection timers arrive with the outage.
- status: the gateway's flags (``/api/powerwalls/status``) every status interval.
- batteries: the full ``/api/powerwalls`` every battery interval, and at every
  status poll while the gateway is busy or the site is off grid (and once after).

Each fails on its own: a battery list that cannot be read never holds back the
live grid status, nor the reverse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
from typing import ClassVar, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api import (
    Battery,
    BatteryType,
    CheckStatus,
    GatewayInfo,
    GridState,
    GridStatus,
    GridStatusInfo,
    PowerwallAuthenticationError,
    PowerwallBusyError,
    PowerwallCertificateError,
    PowerwallClient,
    PowerwallError,
    PowerwallInvalidResponseError,
    PowerwallLoginBackoffError,
    PowerwallRateLimitError,
    Powerwalls,
    PowerwallStatus,
    PowerwallUnsupportedError,
    Sync,
)
from .connection import remember_client
from .const import (
    CONF_GRID_INTERVAL,
    CONF_LOGIN_BACKOFF_UNTIL,
    CONF_POWERWALLS_INTERVAL,
    CONF_SCAN_INTERVAL,
    CONF_SESSION,
    DEFAULT_GRID_INTERVAL,
    DEFAULT_POWERWALLS_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_LOGGED_UNKNOWN_VALUES,
    RESTRICTED_REPROBE_INTERVAL,
    STALE_AFTER,
    STATUS_REPROBE_INTERVAL,
)
from .devices import StaleDevices, battery_id
from .errors import update_failed
from .outages import OutageTracker
from .repairs import (
    RateLimitIssue,
    RestrictedApiIssue,
    async_certificate_changed,
    async_certificate_trusted,
)

type PowerwallGatewayConfigEntry = ConfigEntry[PowerwallGatewayData]


class UnknownValues:
    """Log each enum value this integration does not know, once (and at most so many)."""

    def __init__(self) -> None:
        """Start with nothing logged."""
        self._logged: set[tuple[str, str]] = set()

    def check(self, field_name: str, values: Iterable[str | None], known: type[StrEnum]) -> None:
        """Log the values of ``field_name`` that are not members of ``known``."""
        for value in values:
            if value is None or isinstance(value, known) or (field_name, value) in self._logged:
                continue
            if len(self._logged) >= MAX_LOGGED_UNKNOWN_VALUES:
                return
            self._logged.add((field_name, value))
            LOGGER.warning(
                "The gateway reported a %s this integration does not know: %r. "
                "It is shown as it is; please report it so it can be translated",
                field_name,
                value,
            )


@dataclass(kw_only=True)
class PowerwallGateway:
    """One gateway as an entry reaches it: what its coordinators share."""

    client: PowerwallClient
    # The entry's unique id: the DIN, or for firmware without one the id it was set up with.
    gateway_id: str
    info: GatewayInfo
    rate_limits: RateLimitIssue
    unknown_values: UnknownValues = field(default_factory=UnknownValues)
    # Set once the gateway refused the password: only re-authentication (which
    # reloads the entry) may log in again, since repeated failed logins lock it.
    password_rejected: bool = False
    # What keeps the gateway from answering (a rate limit, a busy site controller),
    # logged once for all coordinators.
    not_answering: PowerwallError | None = None

    def battery_id(self, battery: Battery) -> str:
        """The identifier of a battery's device and entities on this gateway."""
        return battery_id(battery.package_serial_number, self.gateway_id)

    def held(self, err: PowerwallError) -> None:
        """A coordinator keeps its last values through ``err``: say so once."""
        if self.not_answering is None:
            LOGGER.warning("The gateway at %s is not answering data: %s", self.client.host, err)
        self.not_answering = err

    def answered(self) -> None:
        """A read succeeded: say so once if the gateway was not answering."""
        if self.not_answering is not None:
            LOGGER.info("The gateway at %s answers again", self.client.host)
            self.not_answering = None


@dataclass(frozen=True, slots=True)
class StatusData:
    """The gateway's flags, and where they came from."""

    # None on a gateway that offers its flags neither on /api/powerwalls/status
    # nor in /api/powerwalls (a restricted local API).
    status: PowerwallStatus | None
    # "endpoint" (/api/powerwalls/status), "battery_list" (/api/powerwalls), or None.
    source: str | None


@dataclass(frozen=True, slots=True)
class BatteryData:
    """A read of ``/api/powerwalls``, with its batteries by device identifier."""

    # None while the gateway does not offer /api/powerwalls (a restricted local API).
    powerwalls: Powerwalls | None
    batteries: dict[str, Battery]


NOT_OFFERED = BatteryData(None, {})


@dataclass(frozen=True, slots=True)
class PowerwallGatewayData:
    """An entry's runtime data."""

    gateway: PowerwallGateway
    grid: PowerwallGridCoordinator
    status: PowerwallStatusCoordinator
    batteries: PowerwallBatteryCoordinator


class PowerwallCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """What the coordinators share: the client, the error handling, the session kept.

    An error in ``HELD_ERRORS`` keeps the last data, and asks again every status
    interval, until the data is overdue by STALE_AFTER; any other error fails
    the poll at once. A rejected password stops all polling until the user
    re-authenticates.
    """

    config_entry: PowerwallGatewayConfigEntry
    HELD_ERRORS: ClassVar[tuple[type[PowerwallError], ...]]

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallGatewayConfigEntry,
        gateway: PowerwallGateway,
        *,
        name: str,
        interval: timedelta,
    ) -> None:
        """Poll ``gateway`` every ``interval``."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {gateway.client.host} {name}",
            update_interval=interval,
            always_update=False,
        )
        self.gateway = gateway
        self.client = gateway.client
        self.interval = interval
        self._retry_interval = timedelta(
            seconds=min(entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL), 60)
        )
        self._last_success = dt_util.utcnow()
        # Whether the last read sent a request (see _succeeded).
        self._asked = True

    async def _fetch(self) -> DataT:
        """Read the gateway; client errors propagate."""
        raise NotImplementedError

    @override
    async def _async_update_data(self) -> DataT:
        if self.gateway.password_rejected:
            raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        try:
            data = await self._fetch()
        except PowerwallError as err:
            return self._failed(err)
        finally:
            remember_client(self.hass, self.client)
            # Also after a failed read: a session renewed by it, or a login
            # backoff it began, must outlive a restart.
            self._save_client_state()
        self._succeeded()
        return data

    def _save_client_state(self) -> None:
        """Store the session and any login backoff in the entry.

        A restart then neither logs in needlessly nor logs in during a backoff.
        """
        data = self.config_entry.data
        new = {**data, CONF_SESSION: self.client.export_session()}
        if (backoff := self.client.login_backoff_for) > 0:
            new[CONF_LOGIN_BACKOFF_UNTIL] = round(dt_util.utcnow().timestamp() + backoff)
        else:
            new.pop(CONF_LOGIN_BACKOFF_UNTIL, None)
        if new != data:
            self.hass.config_entries.async_update_entry(self.config_entry, data=new)

    def _failed(self, err: PowerwallError) -> DataT:
        """Keep the last data through a held error until it is stale; else fail the poll."""
        if isinstance(err, PowerwallLoginBackoffError) and err.reason is not None:
            # The login that failed moments ago is not sent again: the same failure.
            err = err.reason
        if isinstance(err, PowerwallAuthenticationError):
            self.gateway.password_rejected = True
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        if isinstance(err, PowerwallCertificateError):
            # Another device answers at the gateway's address, or the gateway was
            # replaced: nothing is sent to it, and the user decides. The grid
            # coordinator fails at once; the others keep their values as for any
            # failure, until they are overdue.
            async_certificate_changed(self.hass, self.config_entry, err)
        if isinstance(err, PowerwallRateLimitError) and not isinstance(
            err, PowerwallLoginBackoffError
        ):
            self.gateway.rate_limits.rate_limited(dt_util.utcnow().timestamp())
        if self.data is None:
            if isinstance(err, PowerwallUnsupportedError):
                # A Powerwall 3, or a device without this API: retrying cannot help.
                raise ConfigEntryError(
                    translation_domain=DOMAIN, translation_key="unsupported"
                ) from err
            raise update_failed(err) from err
        held = isinstance(err, self.HELD_ERRORS)
        if held:
            self._holding(err)
        # Ask again soon rather than a whole battery interval later.
        self.update_interval = min(self.interval, self._retry_interval)
        if not held or dt_util.utcnow() - self._last_success >= self.interval + STALE_AFTER:
            raise update_failed(err) from err
        return self.data

    def _holding(self, err: PowerwallError) -> None:
        """The last values are kept through ``err``: a rate limit or a busy gateway is news."""
        if isinstance(err, PowerwallRateLimitError | PowerwallBusyError):
            self.gateway.held(err)
        else:
            LOGGER.debug("Keeping the last data of %s: %s", self.name, err)

    def _succeeded(self) -> None:
        self._last_success = dt_util.utcnow()
        self.update_interval = self.interval
        if not self._asked:
            # Served without a request (flags taken from the battery list): it says
            # nothing about whether the gateway answers.
            return
        self.gateway.answered()
        self.gateway.rate_limits.answered(self._last_success.timestamp())
        async_certificate_trusted(self.hass, self.config_entry.entry_id)


# What the flags and the battery details (slow-changing) keep their last values
# through, until overdue. A gateway that cannot be reached is not among them.
DETAILS_HELD_THROUGH: tuple[type[PowerwallError], ...] = (
    PowerwallRateLimitError,
    PowerwallBusyError,
    PowerwallInvalidResponseError,
    PowerwallUnsupportedError,
)


class PowerwallBatteryCoordinator(PowerwallCoordinator[BatteryData]):
    """Every battery and the synchronizer (``/api/powerwalls``), every battery interval.

    A rate limit, a busy site controller or a garbled answer keeps the last
    list (asked again every status interval) until it is overdue by
    STALE_AFTER: they must not blank out slow-changing details. A gateway that
    cannot be reached makes them unavailable at the next read.
    """

    HELD_ERRORS = DETAILS_HELD_THROUGH

    def __init__(
        self, hass: HomeAssistant, entry: PowerwallGatewayConfigEntry, gateway: PowerwallGateway
    ) -> None:
        """Read the batteries at the interval the user chose."""
        interval = entry.options.get(CONF_POWERWALLS_INTERVAL, DEFAULT_POWERWALLS_INTERVAL)
        super().__init__(
            hass, entry, gateway, name="batteries", interval=timedelta(seconds=interval)
        )
        self._stale_devices = StaleDevices(hass, entry, gateway.gateway_id)
        # Told of every full read, changed or not (entity listeners hear of changes only).
        self.read_listeners: list[Callable[[BatteryData], None]] = []
        self._skipped_logged = False
        self._truncated_logged = False
        self._restricted = RestrictedApiIssue(hass, entry.entry_id, gateway.client.host)
        entry.async_on_unload(self._restricted.remove)

    @override
    async def _async_update_data(self) -> BatteryData:
        data = await super()._async_update_data()
        if data.powerwalls is None:
            # Asking a 404 again every few minutes cannot help; a firmware update might.
            self.update_interval = RESTRICTED_REPROBE_INTERVAL
        return data

    @override
    async def _fetch(self) -> BatteryData:
        try:
            powerwalls = await self.client.get_powerwalls()
        except PowerwallUnsupportedError:
            # A restricted local API (Powerwall 3, recent firmware): the live grid
            # status still works; say plainly what is missing.
            if self.data is None or self.data.powerwalls is not None:
                LOGGER.info(
                    "The gateway at %s does not offer /api/powerwalls (a restricted local API):"
                    " no battery details; asking again every %d hours",
                    self.client.host,
                    RESTRICTED_REPROBE_INTERVAL.total_seconds() // 3600,
                )
            self._restricted.create()
            return NOT_OFFERED
        if self.data is not None and self.data.powerwalls is None:
            LOGGER.info("The gateway at %s offers /api/powerwalls again", self.client.host)
        self._restricted.remove()
        if powerwalls.truncated and not self._truncated_logged:
            self._truncated_logged = True
            LOGGER.warning(
                "The gateway at %s lists more than this integration keeps (%d batteries,"
                " %d checks, %d states left out); the rest is shown",
                self.client.host,
                powerwalls.dropped_powerwalls,
                powerwalls.dropped_checks,
                powerwalls.dropped_states,
            )
        if powerwalls.skipped_powerwalls and not self._skipped_logged:
            self._skipped_logged = True
            LOGGER.warning(
                "The gateway at %s lists %d battery entries without a usable serial number,"
                " or with one listed twice; they are left out",
                self.client.host,
                powerwalls.skipped_powerwalls,
            )
        batteries = {self.gateway.battery_id(battery): battery for battery in powerwalls.powerwalls}
        unknown = self.gateway.unknown_values
        unknown.check("grid_state", (b.grid_state for b in batteries.values()), GridState)
        unknown.check("battery type", (b.type for b in batteries.values()), BatteryType)
        owners: list[Battery | Sync] = [*batteries.values()]
        if powerwalls.sync is not None:
            owners.append(powerwalls.sync)
        unknown.check(
            "check status",
            (
                check.status
                for owner in owners
                for diagnostic in (owner.commissioning_diagnostic, owner.update_diagnostic)
                if diagnostic is not None
                for check in diagnostic.checks
            ),
            CheckStatus,
        )
        self._stale_devices.battery_list_read(powerwalls)
        data = BatteryData(powerwalls, batteries)
        for listener in self.read_listeners:
            listener(data)
        return data


class PowerwallStatusCoordinator(PowerwallCoordinator[StatusData]):
    """The gateway's flags, every status interval.

    While the gateway is busy or the site is off grid, every poll asks the
    battery coordinator for a read too (and once more after), so progress,
    grid states and reconnection timers show up within one poll.

    Like the battery details, the flags keep their last values through a rate
    limit, a busy site controller or a garbled answer until a read is overdue
    by STALE_AFTER; a gateway that cannot be reached makes them unavailable at
    the next read.
    """

    HELD_ERRORS = DETAILS_HELD_THROUGH

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallGatewayConfigEntry,
        gateway: PowerwallGateway,
        grid: PowerwallGridCoordinator,
        batteries: PowerwallBatteryCoordinator,
    ) -> None:
        """Poll at the status interval the user chose; wake ``batteries`` when needed."""
        interval = entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
        super().__init__(hass, entry, gateway, name="status", interval=timedelta(seconds=interval))
        self.grid = grid
        self.batteries = batteries
        self._was_active = False
        self._firmware_changed = False
        # The grid status last seen: a change reads the flags at once, which read the
        # batteries too while the site is off grid (and once after).
        self._grid_status_seen: GridStatus | str | None = None
        entry.async_on_unload(grid.async_add_listener(self._grid_changed))
        # While /api/powerwalls/status is locked (409) or absent (404), the flags
        # come from the battery list, and the endpoint is asked again only then.
        self._status_endpoint_retry_at: datetime | None = None

    @override
    async def _fetch(self) -> StatusData:
        data = await self._read_status()
        status = data.status
        grid = self.grid.data
        active = (status is not None and status.active) or (
            grid is not None and grid.connected is False
        )
        if self.data is not None:
            # One more read after the activity ends shows its final result.
            offered = self.batteries.data is None or self.batteries.data.powerwalls is not None
            # A restricted gateway's battery list is probed on its own slow cadence.
            if offered and (active or self._was_active or not self.last_update_success):
                self.config_entry.async_create_background_task(
                    self.hass, self.batteries.async_refresh(), f"{self.name} battery read"
                )
            previous = self.data.status
            if previous is not None and previous.updating and not (status and status.updating):
                self._firmware_changed = True
        self._was_active = active
        if self._firmware_changed:
            await self._refresh_firmware_version()
        return data

    @callback
    def _grid_changed(self) -> None:
        """The grid coordinator stored new data: on a new grid status, read now."""
        grid_status = self.grid.data.grid_status
        seen, self._grid_status_seen = self._grid_status_seen, grid_status
        if seen is not None and seen != grid_status and self.data is not None:
            self.config_entry.async_create_background_task(
                self.hass, self.async_refresh(), f"{self.name} after a grid change"
            )

    async def _read_status(self) -> StatusData:
        """The gateway's flags: from their small endpoint, else from the battery list.

        Some gateways lock /api/powerwalls/status while the site runs (HTTP 409
        "Sitemaster is current running") and restricted ones have none (404);
        /api/powerwalls carries the same flags. They are then as fresh as the
        battery list (every battery interval, every poll while the gateway is
        busy or off grid), and the small endpoint is tried again every
        STATUS_REPROBE_INTERVAL.
        """
        now = dt_util.utcnow()
        self._asked = False
        if self._status_endpoint_retry_at is None or now >= self._status_endpoint_retry_at:
            self._asked = True
            try:
                status = await self.client.get_status()
            except (PowerwallUnsupportedError, PowerwallBusyError) as err:
                if isinstance(err, PowerwallBusyError) and err.status != HTTPStatus.CONFLICT:
                    raise
                if self.batteries.data is None:
                    raise
                if self._status_endpoint_retry_at is None:
                    LOGGER.info(
                        "The gateway at %s does not serve its flags on /api/powerwalls/status"
                        " (%s); they come from /api/powerwalls instead",
                        self.client.host,
                        err,
                    )
                self._status_endpoint_retry_at = now + STATUS_REPROBE_INTERVAL
            else:
                self._status_endpoint_retry_at = None
                return StatusData(status, "endpoint")
        if (fallback := self.batteries.data) is None or fallback.powerwalls is None:
            return StatusData(None, None)
        return StatusData(fallback.powerwalls.status, "battery_list")

    async def _refresh_firmware_version(self) -> None:
        """After a firmware update, show the gateway's new version on its device.

        A gateway often restarts right after an update: if it does not answer,
        the next poll asks again.
        """
        try:
            self.gateway.info = await self.client.get_gateway_info()
        except PowerwallError as err:
            LOGGER.debug("Firmware version of %s not read yet: %s", self.client.host, err)
            return
        self._firmware_changed = False
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, self.gateway.gateway_id), self.config_entry.entry_id
        )
        if device is not None:
            registry.async_update_device(device.id, sw_version=self.gateway.info.firmware_version)


class PowerwallGridCoordinator(PowerwallCoordinator[GridStatusInfo]):
    """The live grid connection, every grid interval: what outage automations wait for.

    A change of the connection reads the flags and the batteries at once, and
    is remembered as the last outage (``outages``). It is the integration's
    pulse: a gateway that cannot be reached, or answers garbage, makes it fail
    at once (one log line), while a rate limit or a busy site controller keeps
    the last status until it is overdue by STALE_AFTER.
    """

    HELD_ERRORS = (PowerwallRateLimitError, PowerwallBusyError)

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallGatewayConfigEntry,
        gateway: PowerwallGateway,
        outages: OutageTracker,
    ) -> None:
        """Poll at the grid interval the user chose."""
        interval = entry.options.get(CONF_GRID_INTERVAL, DEFAULT_GRID_INTERVAL)
        super().__init__(hass, entry, gateway, name="grid", interval=timedelta(seconds=interval))
        self.outages = outages

    @override
    async def _fetch(self) -> GridStatusInfo:
        grid = await self.client.get_grid_status()
        self.gateway.unknown_values.check("grid_status", (grid.grid_status,), GridStatus)
        self.outages.observe(grid.connected, dt_util.utcnow())
        return grid
