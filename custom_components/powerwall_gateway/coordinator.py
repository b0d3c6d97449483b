"""The one place that polls the gateway and turns client errors into Home Assistant ones."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from typing import override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
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
    PowerwallClient,
    PowerwallConnectionError,
    PowerwallError,
    PowerwallRateLimitError,
    Powerwalls,
    PowerwallStatus,
    PowerwallUnsupportedError,
    Sync,
)
from .const import (
    CONF_POWERWALLS_INTERVAL,
    CONF_SCAN_INTERVAL,
    CONF_SESSION,
    COOLDOWNS,
    DEFAULT_POWERWALLS_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    ISSUE_RATE_LIMITED,
    LOGGER,
    REPEATED_RATE_LIMIT_COUNT,
    REPEATED_RATE_LIMIT_WINDOW,
    REQUEST_TIMEOUT,
    STALE_AFTER,
    STALE_DEVICE_READS,
    rate_limited_issue_id,
)

type PowerwallGatewayConfigEntry = ConfigEntry[PowerwallGatewayCoordinator]


def create_client(
    hass: HomeAssistant, host: str, password: str, email: str = ""
) -> PowerwallClient:
    """A gateway client on Home Assistant's shared session and event-loop clock."""
    return PowerwallClient(
        host,
        password,
        email=email,
        session=async_get_clientsession(hass, verify_ssl=False),
        request_timeout=REQUEST_TIMEOUT,
        # Cooldowns run on the event loop's monotonic clock, as COOLDOWNS does.
        monotonic=hass.loop.time,
    )


@dataclass(frozen=True, slots=True)
class GatewayData:
    """What one poll knows about the gateway."""

    status: PowerwallStatus
    grid: GridStatusInfo
    powerwalls: Powerwalls
    # The battery list could not be read for too long: its values are no longer shown.
    powerwalls_stale: bool = False

    def battery(self, serial: str) -> Battery | None:
        """Return the battery with this serial number, if the gateway still lists it."""
        if self.powerwalls_stale:
            return None
        for battery in self.powerwalls.powerwalls:
            if battery.package_serial_number == serial:
                return battery
        return None


def _update_failed(err: PowerwallError) -> UpdateFailed:
    """The translated failure for a client error."""
    if isinstance(err, PowerwallRateLimitError):
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="rate_limited",
            translation_placeholders={"error": str(err)},
            retry_after=err.retry_after,
        )
    if isinstance(err, PowerwallBusyError):
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="busy",
            translation_placeholders={"error": str(err)},
        )
    if isinstance(err, PowerwallUnsupportedError):
        return UpdateFailed(translation_domain=DOMAIN, translation_key="unsupported")
    if isinstance(err, PowerwallConnectionError):
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
        )
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key="invalid_response",
        translation_placeholders={"error": str(err)},
    )


class PowerwallGatewayCoordinator(DataUpdateCoordinator[GatewayData]):
    """Poll the gateway: small endpoints every time, the full battery list when needed."""

    config_entry: PowerwallGatewayConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PowerwallGatewayConfigEntry,
        client: PowerwallClient,
    ) -> None:
        """Set the coordinator up with the intervals the user chose."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {client.host}",
            update_interval=timedelta(
                seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
            ),
            always_update=False,
        )
        self.client = client
        self.gateway_info = GatewayInfo()
        self.powerwalls_interval = timedelta(
            seconds=entry.options.get(CONF_POWERWALLS_INTERVAL, DEFAULT_POWERWALLS_INTERVAL)
        )
        self.gateway_id: str = entry.unique_id or entry.entry_id
        self._powerwalls_fetched_at = dt_util.utcnow() - self.powerwalls_interval
        self._last_success_at = dt_util.utcnow()
        self._throttled: PowerwallError | None = None
        self._rate_limit_episodes: deque[float] = deque()
        self._unknown_values_logged: set[tuple[str, str]] = set()
        # Unique ids each platform has added; a removed battery's are forgotten so
        # that its entities come back if it does.
        self.added_unique_ids: dict[str, set[str]] = {}
        # Full reads in a row that did not list a battery we have a device for.
        self._missing_reads: dict[str, int] = {}
        self._last_pruned: Powerwalls | None = None
        self._auth_failed = False
        self._firmware_changed = False

    @override
    async def _async_setup(self) -> None:
        """Read the gateway's identity and firmware once (no login needed)."""
        try:
            self.gateway_info = await self.client.get_gateway_info()
        except PowerwallError as err:
            raise _update_failed(err) from err
        finally:
            self._remember_cooldown()

    @override
    async def _async_update_data(self) -> GatewayData:
        """Fetch what this poll needs, and keep the session for the next start."""
        try:
            return await self._update()
        finally:
            self._remember_cooldown()

    def _remember_cooldown(self) -> None:
        """Keep the client's rate-limit cooldown for the client of a later setup."""
        cooldowns = self.hass.data.setdefault(COOLDOWNS, {})
        cooldowns[self.config_entry.entry_id] = self.hass.loop.time() + self.client.rate_limited_for

    async def _update(self) -> GatewayData:
        # After a rejected password, only re-authentication (which reloads the
        # entry) may log in again: repeated failed logins lock the gateway.
        if self._auth_failed:
            raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        try:
            data = await self._fetch()
        except PowerwallAuthenticationError as err:
            self._auth_failed = True
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except (PowerwallRateLimitError, PowerwallBusyError) as err:
            return self._hold_last_data(err)
        except PowerwallUnsupportedError as err:
            if self.data is None:
                # A Powerwall 3, or a gateway without this API: retrying cannot help.
                raise ConfigEntryError(
                    translation_domain=DOMAIN, translation_key="unsupported"
                ) from err
            raise _update_failed(err) from err
        except PowerwallError as err:
            raise _update_failed(err) from err
        self._last_success_at = dt_util.utcnow()
        if self._throttled is not None:
            LOGGER.info("The gateway at %s answers again", self.client.host)
            self._throttled = None
        self._expire_rate_limit_issue()
        self._save_session()
        self._log_unknown_values(data)
        if self.data is not None:  # at setup, the platforms have not added anything yet
            self.remove_stale_devices(data)
        return data

    async def _fetch(self) -> GatewayData:
        status = await self.client.get_status()
        grid = await self.client.get_grid_status()
        previous = self.data.powerwalls if self.data is not None else None
        # Off grid, the batteries' grid states and reconnection timers are the news.
        active = status.active or grid.connected is False
        was_active = self.data is not None and (
            self.data.status.active or self.data.grid.connected is False
        )
        due = dt_util.utcnow() - self._powerwalls_fetched_at >= self.powerwalls_interval
        # One more full read after the activity ends shows its final result.
        if previous is None or due or active or was_active:
            powerwalls = await self._read_powerwalls(previous)
        else:
            powerwalls = previous
        if was_active and self.data.status.updating and not status.updating:
            self._firmware_changed = True
        if self._firmware_changed:
            await self._refresh_firmware_version()
        # Stale once a read has been due for longer than STALE_AFTER without success.
        overdue = dt_util.utcnow() - (self._powerwalls_fetched_at + self.powerwalls_interval)
        return GatewayData(
            status=status,
            grid=grid,
            powerwalls=powerwalls,
            powerwalls_stale=overdue >= STALE_AFTER,
        )

    async def _read_powerwalls(self, previous: Powerwalls | None) -> Powerwalls:
        """Read the battery list; a failed read keeps the last one (asked again next poll).

        The big endpoint failing must not take the live flags and grid status,
        read moments before, down with it. Only a rejected password, or a first
        read with nothing to keep, fails the poll.
        """
        try:
            powerwalls = await self.client.get_powerwalls()
        except PowerwallAuthenticationError:
            raise
        except PowerwallError as err:
            if previous is None:
                raise
            LOGGER.debug("Keeping the last battery list of %s: %s", self.client.host, err)
            return previous
        self._powerwalls_fetched_at = dt_util.utcnow()
        return powerwalls

    async def _refresh_firmware_version(self) -> None:
        """After a firmware update, show the gateway's new version on its device.

        A gateway often restarts right after an update: if it does not answer,
        the next poll asks again.
        """
        try:
            self.gateway_info = await self.client.get_gateway_info()
        except PowerwallError as err:
            LOGGER.debug("Firmware version of %s not read yet: %s", self.client.host, err)
            return
        self._firmware_changed = False
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, self.gateway_id), self.config_entry.entry_id
        )
        if device is not None:
            registry.async_update_device(device.id, sw_version=self.gateway_info.firmware_version)

    def _hold_last_data(self, err: PowerwallRateLimitError | PowerwallBusyError) -> GatewayData:
        """Keep the last values through a rate limit or a busy spell, until they are stale."""
        if self._throttled is None:
            LOGGER.warning("The gateway at %s is not answering data: %s", self.client.host, err)
        if isinstance(err, PowerwallRateLimitError) and not isinstance(
            self._throttled, PowerwallRateLimitError
        ):
            self._note_rate_limit_episode()
        self._throttled = err
        if self.data is None or dt_util.utcnow() - self._last_success_at >= STALE_AFTER:
            raise _update_failed(err) from err
        return self.data

    def _note_rate_limit_episode(self) -> None:
        now = dt_util.utcnow().timestamp()
        window = REPEATED_RATE_LIMIT_WINDOW.total_seconds()
        self._rate_limit_episodes.append(now)
        while self._rate_limit_episodes[0] < now - window:
            self._rate_limit_episodes.popleft()
        if len(self._rate_limit_episodes) >= REPEATED_RATE_LIMIT_COUNT:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                rate_limited_issue_id(self.config_entry.entry_id),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_RATE_LIMITED,
                translation_placeholders={
                    "host": self.client.host,
                    "count": str(len(self._rate_limit_episodes)),
                },
            )

    def _expire_rate_limit_issue(self) -> None:
        """Drop the repair issue once a full window has passed without a rate limit."""
        window = REPEATED_RATE_LIMIT_WINDOW.total_seconds()
        if (
            self._rate_limit_episodes
            and self._rate_limit_episodes[-1] < dt_util.utcnow().timestamp() - window
        ):
            self._rate_limit_episodes.clear()
            ir.async_delete_issue(
                self.hass, DOMAIN, rate_limited_issue_id(self.config_entry.entry_id)
            )

    def _save_session(self) -> None:
        """Store a new gateway session so a restart does not cost a login."""
        session = self.client.export_session()
        if session != self.config_entry.data.get(CONF_SESSION):
            self.hass.config_entries.async_update_entry(
                self.config_entry, data={**self.config_entry.data, CONF_SESSION: session}
            )

    def _log_unknown_values(self, data: GatewayData) -> None:
        """Log each enum value this integration does not know, once."""
        seen: list[tuple[str, str | None]] = [("grid_status", data.grid.grid_status)]
        owners: list[Battery | Sync] = list(data.powerwalls.powerwalls)
        if data.powerwalls.sync is not None:
            owners.append(data.powerwalls.sync)
        for owner in owners:
            if isinstance(owner, Battery):
                seen.append(("grid_state", owner.grid_state))
                seen.append(("battery type", owner.type))
            for diagnostic in (owner.commissioning_diagnostic, owner.update_diagnostic):
                if diagnostic is not None:
                    seen.extend(("check status", check.status) for check in diagnostic.checks)
        known = {*GridStatus, *GridState, *CheckStatus, *BatteryType}
        for field, value in seen:
            if value is None or value in known or (field, value) in self._unknown_values_logged:
                continue
            self._unknown_values_logged.add((field, value))
            LOGGER.warning(
                "The gateway reported a %s this integration does not know: %r. "
                "It is shown as it is; please report it so it can be translated",
                field,
                value,
            )

    @callback
    def remove_stale_devices(self, data: GatewayData) -> None:
        """Remove the devices of batteries missing from two full reads in a row.

        An empty list, a list with a garbled entry, or a gateway that is still
        enumerating its batteries proves nothing: devices stay.
        """
        powerwalls = data.powerwalls
        if (
            powerwalls is self._last_pruned
            or not powerwalls.powerwalls
            or powerwalls.skipped_powerwalls
            or data.status.enumerating
        ):
            return
        self._last_pruned = powerwalls
        current = {battery.package_serial_number for battery in powerwalls.powerwalls}
        registry = dr.async_get(self.hass)
        missing: dict[str, int] = {}
        for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            serials = {ident for domain, ident in device.identifiers if domain == DOMAIN}
            if not serials or self.gateway_id in serials or serials & current:
                continue
            for serial in serials:
                missing[serial] = self._missing_reads.get(serial, 0) + 1
            if max(missing[serial] for serial in serials) < STALE_DEVICE_READS:
                continue
            registry.async_remove_device(device.id)
            for serial in serials:
                del missing[serial]
                self.forget_battery(serial)
        self._missing_reads = missing

    @callback
    def forget_battery(self, serial: str) -> None:
        """Forget a removed battery's entities, so they are added again if it returns."""
        self._missing_reads.pop(serial, None)
        for unique_ids in self.added_unique_ids.values():
            unique_ids.difference_update(
                {uid for uid in unique_ids if uid.startswith(f"{serial}_")}
            )
