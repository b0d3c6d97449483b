"""The three coordinators, one per endpoint and cadence: live grid status, flags, batteries.

Each one fetches its endpoint through the gateway (``gateway.py``), which
decides what an answer or an error means. A coordinator only chooses its own
next interval and wakes another through Home Assistant's debounced
``async_request_refresh``:

- grid: ``/api/system_status/grid_status`` every grid interval; a change wakes
  the other two, so the reconnection timers arrive with the outage.
- flags: ``/api/powerwalls/status`` every flags interval, or the same flags
  from the battery list while that endpoint is locked; an activity starting or
  ending wakes the batteries.
- batteries: ``/api/powerwalls`` every battery interval, and every flags
  interval while the gateway is busy or the site is off grid.

Only the grid status gates setup: the flags and batteries are read after it,
and their entities appear with their first successful read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api import (
    Battery,
    BatteryType,
    CheckStatus,
    GridState,
    GridStatus,
    GridStatusInfo,
    PowerwallError,
    Powerwalls,
    PowerwallUnsupportedError,
    Sync,
)
from .const import (
    CONF_GRID_INTERVAL,
    CONF_POWERWALLS_INTERVAL,
    CONF_SCAN_INTERVAL,
    DEFAULT_GRID_INTERVAL,
    DEFAULT_POWERWALLS_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    RESTRICTED_REPROBE_INTERVAL,
    STALE_AFTER,
)
from .devices import StaleEntries
from .errors import update_failed
from .gateway import PowerwallGateway
from .models import (
    NOT_OFFERED,
    BatteryData,
    FlagsData,
    GridData,
    off_grid_reason,
    seconds_until_reconnect,
)
from .outages import OutageEvent

type PowerwallGatewayConfigEntry = ConfigEntry[PowerwallGatewayData]

# A coordinator that read this recently is not woken: its read is as good.
JUST_READ = timedelta(seconds=5)


def _seconds(entry: ConfigEntry[PowerwallGatewayData], option: str, default: int) -> timedelta:
    return timedelta(seconds=entry.options.get(option, default))


class PowerwallCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Fetch one endpoint through the gateway; keep or fail as the gateway decides.

    A failed read is tried again every flags interval (at most every minute).
    Data the gateway says to keep through an error stays until it is overdue by
    STALE_AFTER.
    """

    config_entry: PowerwallGatewayConfigEntry
    # What it reads, in its name; the option that sets its interval, and the default.
    READS: ClassVar[str]
    INTERVAL_OPTION: ClassVar[tuple[str, int]]
    # The live grid status keeps its last value through fewer errors than the details.
    LIVE: ClassVar[bool] = False

    def __init__(
        self, hass: HomeAssistant, entry: PowerwallGatewayConfigEntry, gateway: PowerwallGateway
    ) -> None:
        """Read through ``gateway`` at the interval the user chose."""
        interval = _seconds(entry, *self.INTERVAL_OPTION)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {gateway.client.host} {self.READS}",
            update_interval=interval,
            always_update=False,
        )
        self.gateway = gateway
        self.interval = interval
        self.retry_interval = min(
            _seconds(entry, CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL), timedelta(minutes=1)
        )
        # When the data was last read, and the error of the last read (None when it worked).
        self.last_read = dt_util.utcnow()
        self.read_error: PowerwallError | None = None

    async def _fetch(self) -> DataT:
        """Read the endpoint; client errors propagate."""
        raise NotImplementedError

    def _next_interval(self, data: DataT) -> timedelta:
        """When to read again after a successful read."""
        return self.interval

    def _read_at(self, data: DataT) -> datetime:
        """When what ``data`` shows was read."""
        return dt_util.utcnow()

    @override
    async def _async_update_data(self) -> DataT:
        try:
            data = await self._fetch()
        except PowerwallError as err:
            self.read_error = err
            self.update_interval = min(self.interval, self.retry_interval)
            if (
                self.data is not None
                and self.gateway.holds(err, live=self.LIVE)
                and dt_util.utcnow() - self.last_read < self.interval + STALE_AFTER
            ):
                return self.data
            raise update_failed(err) from err
        self.read_error = None
        self.last_read = self._read_at(data)
        self.update_interval = self._next_interval(data)
        return data

    def wake(self, *coordinators: PowerwallCoordinator[Any]) -> None:
        """Ask ``coordinators`` to read now (debounced), without waiting for them.

        One that has just read (its own poll fell on the same moment) is not asked again.
        """
        for coordinator in coordinators:
            if dt_util.utcnow() - coordinator.last_read < JUST_READ:
                continue
            self.config_entry.async_create_background_task(
                self.hass, coordinator.async_request_refresh(), f"{coordinator.name} wake-up"
            )


class PowerwallBatteryCoordinator(PowerwallCoordinator[BatteryData]):
    """Every battery and the synchronizer (``/api/powerwalls``).

    Fast (every flags interval) while the gateway is busy or the site is off
    grid, so progress, grid states and reconnection timers show within one
    flags interval. A restricted gateway is asked again every
    RESTRICTED_REPROBE_INTERVAL.
    """

    READS = "batteries"
    INTERVAL_OPTION = (CONF_POWERWALLS_INTERVAL, DEFAULT_POWERWALLS_INTERVAL)

    def __init__(
        self, hass: HomeAssistant, entry: PowerwallGatewayConfigEntry, gateway: PowerwallGateway
    ) -> None:
        """Read the batteries; fast at the flags interval while something goes on."""
        super().__init__(hass, entry, gateway)
        self._fast_interval = _seconds(entry, CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
        self._stale = StaleEntries(hass, entry, gateway.gateway_id)
        self._truncated_logged = False
        self._skipped_logged = False

    @override
    async def _fetch(self) -> BatteryData:
        gateway = self.gateway
        try:
            powerwalls = await gateway.request(gateway.client.get_powerwalls)
        except PowerwallUnsupportedError:
            if not gateway.battery_list_not_found():
                raise  # a gateway that served the list: held like a busy one
            return NOT_OFFERED
        gateway.battery_list_read()
        self._log_bounds(powerwalls)
        batteries = {gateway.battery_id(battery): battery for battery in powerwalls.powerwalls}
        self._log_unknown_values(powerwalls)
        self._stale.battery_list_read(powerwalls, batteries)
        return BatteryData(powerwalls, batteries)

    @override
    def _next_interval(self, data: BatteryData) -> timedelta:
        if data.powerwalls is None:
            # Asking a 404 again every few minutes cannot help; a firmware update might.
            return RESTRICTED_REPROBE_INTERVAL
        # The read that finds the activity over shows its result; then the usual pace.
        if data.powerwalls.status.active or self.gateway.off_grid:
            return min(self.interval, self._fast_interval)
        return self.interval

    def _log_bounds(self, powerwalls: Powerwalls) -> None:
        """Say once that the list was cut to the parse bounds, and once that it had unusable entries."""
        host = self.gateway.client.host
        if powerwalls.truncated and not self._truncated_logged:
            self._truncated_logged = True
            LOGGER.warning(
                "The gateway at %s lists more than this integration keeps (%d batteries,"
                " %d checks, %d states left out); the rest is shown",
                host,
                powerwalls.dropped_powerwalls,
                powerwalls.dropped_checks,
                powerwalls.dropped_states,
            )
        if powerwalls.skipped_powerwalls and not self._skipped_logged:
            self._skipped_logged = True
            LOGGER.warning(
                "The gateway at %s lists %d battery entries without a usable serial number,"
                " or with one listed twice; they are left out",
                host,
                powerwalls.skipped_powerwalls,
            )

    def _log_unknown_values(self, powerwalls: Powerwalls) -> None:
        unknown = self.gateway.unknown_values
        batteries = powerwalls.powerwalls
        unknown.check("grid_state", (b.grid_state for b in batteries), GridState)
        unknown.check("battery type", (b.type for b in batteries), BatteryType)
        owners: list[Battery | Sync] = list(batteries)
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


class PowerwallFlagsCoordinator(PowerwallCoordinator[FlagsData]):
    """The gateway's flags, every flags interval.

    Some gateways lock ``/api/powerwalls/status`` while the site runs (409
    "Sitemaster is current running") and restricted ones have none (404);
    ``/api/powerwalls`` carries the same flags. They then come from the battery
    list, only while it is itself read successfully, and are as fresh as it.
    The endpoint is asked again every STATUS_REPROBE_INTERVAL.
    """

    READS = "flags"
    INTERVAL_OPTION = (CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallGatewayConfigEntry,
        gateway: PowerwallGateway,
        batteries: PowerwallBatteryCoordinator,
    ) -> None:
        """Read the flags; wake ``batteries`` when an activity starts."""
        super().__init__(hass, entry, gateway)
        self.batteries = batteries
        self._firmware_changed = False

    @override
    async def _fetch(self) -> FlagsData:
        data = await self._read_flags()
        previous = self.data.flags if self.data is not None else None
        flags = data.flags
        if previous is not None and not previous.active and flags is not None and flags.active:
            # An activity started: the batteries show its progress (and, being
            # read fast until it ends, its result).
            self.wake(self.batteries)
        if previous is not None and previous.updating and not (flags and flags.updating):
            self._firmware_changed = True
        if self._firmware_changed:
            self._firmware_changed = not await self.gateway.async_read_firmware_version()
        return data

    async def _read_flags(self) -> FlagsData:
        gateway = self.gateway
        if gateway.flags_endpoint_due:
            try:
                flags = await gateway.request(gateway.client.get_status)
            except PowerwallError as err:
                batteries = self.batteries
                if not gateway.flags_endpoint_locked(err) or batteries.data is None:
                    raise
                gateway.flags_from_battery_list(err)
            else:
                gateway.flags_endpoint_read()
                return FlagsData(flags, "endpoint")
        if self.batteries.read_error is not None:
            # The battery list is failing: so are the flags it carries.
            raise self.batteries.read_error
        if (battery_data := self.batteries.data) is None or battery_data.powerwalls is None:
            return FlagsData(None, None)
        return FlagsData(battery_data.powerwalls.status, "battery_list")

    @override
    def _read_at(self, data: FlagsData) -> datetime:
        if data.source == "battery_list":
            return self.batteries.last_read
        return super()._read_at(data)


class PowerwallGridCoordinator(PowerwallCoordinator[GridData]):
    """The live grid connection, every grid interval: what outage automations wait for.

    A change of the connection wakes the flags and the batteries, and is
    remembered as the last outage. It is the integration's pulse, and the only
    read setup waits for. What the flags and batteries add (why the site is
    off grid) is brought up to date whenever they change.
    """

    READS = "grid"
    INTERVAL_OPTION = (CONF_GRID_INTERVAL, DEFAULT_GRID_INTERVAL)
    LIVE = True

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallGatewayConfigEntry,
        gateway: PowerwallGateway,
        flags: PowerwallFlagsCoordinator,
        batteries: PowerwallBatteryCoordinator,
    ) -> None:
        """Read the grid status; keep what the flags and batteries add to it up to date."""
        super().__init__(hass, entry, gateway)
        self.flags = flags
        self.batteries = batteries
        for details in (flags, batteries):
            entry.async_on_unload(details.async_add_listener(self._details_changed))

    @callback
    def _details_changed(self) -> None:
        """New flags or batteries: what they add to the grid status, without asking the gateway.

        They are read only after the grid status, which setup waits for.
        """
        new = self.grid_data(self.data.status)
        if new != replace(self.data, event=None):
            self.data = new
            self.async_update_listeners()

    @override
    async def _fetch(self) -> GridData:
        gateway = self.gateway
        try:
            status = await gateway.request(gateway.client.get_grid_status)
        except PowerwallUnsupportedError as err:
            if self.data is None:
                # Neither the live grid status nor (the client checked) the local API.
                raise ConfigEntryError(
                    translation_domain=DOMAIN, translation_key="unsupported"
                ) from err
            raise
        gateway.unknown_values.check("grid_status", (status.grid_status,), GridStatus)
        previous, gateway.grid = gateway.grid, status
        event = gateway.outages.observe(status.connected, dt_util.utcnow())
        if previous is not None and previous.grid_status != status.grid_status:
            self.wake(self.flags, *(() if gateway.restricted else (self.batteries,)))
        return self.grid_data(status, event)

    def grid_data(self, status: GridStatusInfo, event: OutageEvent | None = None) -> GridData:
        """The live grid status with what the latest flags and battery list add to it."""
        flags = self.flags.data.flags if self.flags.data is not None else None
        battery_data = self.batteries.data
        batteries = list(battery_data.batteries.values()) if battery_data is not None else []
        return GridData(
            status=status,
            off_grid_reason=off_grid_reason(status, flags, batteries),
            seconds_until_reconnect=seconds_until_reconnect(batteries),
            on_grid_check_error=flags.on_grid_check_error if flags is not None else None,
            last_outage=self.gateway.outages.last,
            event=event,
            outage_count=self.gateway.outages.outage_count,
            time_off_grid_seconds=self.gateway.outages.time_off_grid.total_seconds(),
        )


@dataclass(frozen=True, slots=True)
class PowerwallGatewayData:
    """An entry's runtime data: its gateway and the coordinators that read it."""

    gateway: PowerwallGateway
    grid: PowerwallGridCoordinator
    flags: PowerwallFlagsCoordinator
    batteries: PowerwallBatteryCoordinator
