"""One gateway as an entry reaches it: the one place that decides what its answers mean.

The coordinators only fetch their endpoint. Every request goes through
``PowerwallGateway.request``, which keeps the session and any login backoff
in the entry, raises and clears the repair issues, and turns a rejected
password into re-authentication. Whether a failed read keeps the last values
(``holds``), whether a missing battery list means a restricted local API, and
whether the flags endpoint is locked are decided here too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from enum import StrEnum
from http import HTTPStatus
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util

from .api import (
    Battery,
    GatewayInfo,
    GridStatusInfo,
    PowerwallAuthenticationError,
    PowerwallBusyError,
    PowerwallCertificateError,
    PowerwallClient,
    PowerwallError,
    PowerwallInvalidResponseError,
    PowerwallLoginBackoffError,
    PowerwallRateLimitError,
    PowerwallUnsupportedError,
)
from .connection import remember_client
from .const import (
    CONF_LOGIN_BACKOFF_UNTIL,
    CONF_SESSION,
    DOMAIN,
    LOGGER,
    MAX_LOGGED_UNKNOWN_VALUES,
    RESTRICTED_AFTER,
    RESTRICTED_AFTER_READS,
    RESTRICTED_REPROBE_INTERVAL,
    STATUS_REPROBE_INTERVAL,
)
from .devices import battery_id
from .outages import OutageTracker
from .repairs import (
    RateLimitIssue,
    RestrictedApiIssue,
    async_certificate_changed,
    async_certificate_trusted,
)

# What keeps the last values until they are overdue: the gateway protecting itself
# or busy, for every read; an answer that cannot be used, for the slow-changing
# flags and battery details only. The live grid status fails at once on those: it
# is the integration's pulse. A gateway that cannot be reached fails every read.
HELD_BY_EVERY_READ: tuple[type[PowerwallError], ...] = (
    PowerwallRateLimitError,
    PowerwallBusyError,
)
HELD_BY_DETAILS: tuple[type[PowerwallError], ...] = (
    *HELD_BY_EVERY_READ,
    PowerwallInvalidResponseError,
    PowerwallUnsupportedError,
)


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


class PowerwallGateway:
    """One gateway: its client, identity, outage history, and what its answers mean."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        client: PowerwallClient,
        info: GatewayInfo,
        outages: OutageTracker,
    ) -> None:
        """Speak to the gateway of ``entry`` through ``client``."""
        self.hass = hass
        self.entry = entry
        entry_id = entry.entry_id
        # The entry's unique id: the DIN, or for firmware without one the id it was set up with.
        self.gateway_id = entry.unique_id or entry_id
        self.client = client
        self.info = info
        self.outages = outages
        self.unknown_values = UnknownValues()
        # The live grid status last read.
        self.grid: GridStatusInfo | None = None
        self.rate_limits = RateLimitIssue(hass, entry_id, client.host)
        self.restricted_issue = RestrictedApiIssue(hass, entry_id, client.host)
        entry.async_on_unload(self.rate_limits.remove)
        entry.async_on_unload(self.restricted_issue.remove)
        # Set once the gateway refused the password: only re-authentication (which
        # reloads the entry) may log in again, since repeated failed logins lock it.
        self._password_rejected = False
        # What keeps the gateway from answering (a rate limit, a busy site controller),
        # logged once for all reads.
        self._not_answering: PowerwallError | None = None
        # /api/powerwalls: whether it was ever served, and its "not found" answers
        # since it last answered: how many, and when the first came.
        self._battery_list_served = False
        self._battery_list_missing = 0
        self._battery_list_missing_since: datetime | None = None
        self.restricted = False
        # While /api/powerwalls/status is locked (409) or absent (404): when to try it again.
        self._flags_endpoint_retry_at: datetime | None = None

    @property
    def off_grid(self) -> bool:
        """Whether the last live grid status said the site is off grid."""
        return self.grid is not None and self.grid.connected is False

    def battery_id(self, battery: Battery) -> str:
        """The identifier of a battery's device and entities on this gateway."""
        return battery_id(battery.package_serial_number, self.gateway_id)

    async def request[T](self, send: Callable[[], Awaitable[T]]) -> T:
        """Send one request, and apply what its outcome says about the gateway.

        Client errors propagate (a failed login already answered is raised as
        itself); a rejected password raises ``ConfigEntryAuthFailed``.
        """
        if self._password_rejected:
            raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        try:
            answer = await send()
        except PowerwallError as err:
            raise self._failed(err) from err
        finally:
            remember_client(self.hass, self.client)
            # Also after a failed read: a session renewed by it, or a login backoff
            # it began, must outlive a restart.
            self._save_client_state()
        self._answered()
        return answer

    def _failed(self, err: PowerwallError) -> PowerwallError | ConfigEntryAuthFailed:
        """What a failed request means: issues to raise, and the error to raise."""
        if isinstance(err, PowerwallLoginBackoffError) and err.reason is not None:
            # The login that failed moments ago is not sent again: the same failure.
            err = err.reason
        if isinstance(err, PowerwallAuthenticationError):
            self._password_rejected = True
            return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        if isinstance(err, PowerwallCertificateError):
            # Another device answers at the gateway's address, or the gateway was
            # replaced: nothing is sent to it, and the user decides.
            async_certificate_changed(self.hass, self.entry, err)
        elif isinstance(err, PowerwallRateLimitError) and not isinstance(
            err, PowerwallLoginBackoffError
        ):
            self.rate_limits.rate_limited(dt_util.utcnow().timestamp())
        return err

    def _answered(self) -> None:
        """A request was answered: say so once if the gateway was not answering."""
        if self._not_answering is not None:
            LOGGER.info("The gateway at %s answers again", self.client.host)
            self._not_answering = None
        self.rate_limits.answered(dt_util.utcnow().timestamp())
        async_certificate_trusted(self.hass, self.entry.entry_id)

    def holds(self, err: PowerwallError, *, live: bool) -> bool:
        """Whether a read keeps its last values through ``err`` (until they are overdue).

        ``live`` is the live grid status, which keeps them only while the gateway
        protects itself or is busy. Those two are news, logged once.
        """
        held = isinstance(err, HELD_BY_EVERY_READ if live else HELD_BY_DETAILS)
        if isinstance(err, HELD_BY_EVERY_READ):
            if self._not_answering is None:
                LOGGER.warning("The gateway at %s is not answering data: %s", self.client.host, err)
            self._not_answering = err
        elif held:
            LOGGER.debug("Keeping the last data of %s: %s", self.client.host, err)
        return held

    def _save_client_state(self) -> None:
        """Store the session and any login backoff in the entry.

        A restart then neither logs in needlessly nor logs in during a backoff.
        """
        entry = self.entry
        new = {**entry.data, CONF_SESSION: self.client.export_session()}
        if (backoff := self.client.login_backoff_for) > 0:
            new[CONF_LOGIN_BACKOFF_UNTIL] = round(dt_util.utcnow().timestamp() + backoff)
        else:
            new.pop(CONF_LOGIN_BACKOFF_UNTIL, None)
        if new != entry.data:
            self.hass.config_entries.async_update_entry(entry, data=new)

    def battery_list_read(self) -> None:
        """``/api/powerwalls`` answered: the gateway offers it (again)."""
        if self.restricted:
            LOGGER.info("The gateway at %s offers /api/powerwalls again", self.client.host)
        self._battery_list_served = True
        self._battery_list_missing = 0
        self._battery_list_missing_since = None
        self.restricted = False
        self.restricted_issue.remove()

    def battery_list_not_found(self) -> bool:
        """``/api/powerwalls`` answered "not found": whether the gateway restricts its API.

        A gateway that never served the list in this run restricts it. One that
        did is held like a busy one, and counts as restricted only after
        RESTRICTED_AFTER_READS such answers over at least RESTRICTED_AFTER.
        """
        now = dt_util.utcnow()
        self._battery_list_missing += 1
        since = self._battery_list_missing_since = self._battery_list_missing_since or now
        if self._battery_list_served and (
            self._battery_list_missing < RESTRICTED_AFTER_READS or now - since < RESTRICTED_AFTER
        ):
            return False
        if not self.restricted:
            LOGGER.info(
                "The gateway at %s does not offer /api/powerwalls (a restricted local API):"
                " no battery details; asking again every %d hours",
                self.client.host,
                RESTRICTED_REPROBE_INTERVAL.total_seconds() // 3600,
            )
        self.restricted = True
        self._battery_list_served = False
        self.restricted_issue.create()
        return True

    @property
    def flags_endpoint_due(self) -> bool:
        """Whether to ask ``/api/powerwalls/status`` (not while it is known to be locked)."""
        retry_at = self._flags_endpoint_retry_at
        return retry_at is None or dt_util.utcnow() >= retry_at

    def flags_endpoint_read(self) -> None:
        """``/api/powerwalls/status`` answered."""
        self._flags_endpoint_retry_at = None

    @staticmethod
    def flags_endpoint_locked(err: PowerwallError) -> bool:
        """Whether ``err`` says the flags endpoint is locked (409) or absent (404)."""
        if isinstance(err, PowerwallBusyError):
            return err.status == HTTPStatus.CONFLICT
        return isinstance(err, PowerwallUnsupportedError)

    def flags_from_battery_list(self, err: PowerwallError) -> None:
        """The flags endpoint is locked or absent: the flags come from the battery list."""
        if self._flags_endpoint_retry_at is None:
            LOGGER.info(
                "The gateway at %s does not serve its flags on /api/powerwalls/status"
                " (%s); they come from /api/powerwalls instead",
                self.client.host,
                err,
            )
        self._flags_endpoint_retry_at = dt_util.utcnow() + STATUS_REPROBE_INTERVAL

    async def async_read_firmware_version(self) -> bool:
        """Read the firmware version again (after an update) and show it on the device.

        A gateway often restarts right after an update: ``False`` if it did not
        answer, to be asked again later.
        """
        try:
            self.info = await self.request(self.client.get_gateway_info)
        except PowerwallError as err:
            LOGGER.debug("Firmware version of %s not read yet: %s", self.client.host, err)
            return False
        registry = dr.async_get(self.hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, self.gateway_id), self.entry.entry_id
        )
        if device is not None:
            registry.async_update_device(device.id, sw_version=self.info.firmware_version)
        return True
