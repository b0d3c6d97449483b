"""Config flow: add a gateway by hand or when DHCP finds one; re-authenticate; reconfigure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import ip_address
import math
from typing import Any, Final, override

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_EMAIL, CONF_HOST, CONF_MAC, CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import probatio as vol

from .api import (
    GatewayInfo,
    PowerwallClient,
    PowerwallError,
    PowerwallLoginBackoffError,
    PowerwallNotGatewayError,
    PowerwallRateLimitError,
    Powerwalls,
    PowerwallUnsupportedError,
    normalize_host,
    readable_fingerprint,
)
from .connection import (
    CONF_CERTIFICATE_FINGERPRINT,
    async_identify,
    cooldown_left,
    create_client,
    remember_cooldown,
)
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
    MAX_GRID_INTERVAL,
    MAX_POWERWALLS_INTERVAL,
    MAX_SCAN_INTERVAL,
    MIN_GRID_INTERVAL,
    MIN_POWERWALLS_INTERVAL,
    MIN_SCAN_INTERVAL,
)
from .devices import gateway_unique_id, is_din
from .errors import UNKNOWN_ERROR, error_key

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_EMAIL = TextSelector(TextSelectorConfig(type=TextSelectorType.EMAIL))
CREDENTIALS_SCHEMA = vol.Schema(
    {vol.Required(CONF_PASSWORD): _PASSWORD, vol.Optional(CONF_EMAIL): _EMAIL}
)
USER_SCHEMA = vol.Schema({vol.Required(CONF_HOST): TextSelector()}).extend(
    CREDENTIALS_SCHEMA.schema
)
# Trusting a gateway's new certificate takes ticking a box, not just a click.
CONF_TRUST_CERTIFICATE: Final = "trust_certificate"
CONFIRM_CERTIFICATE_SCHEMA = vol.Schema(
    {vol.Required(CONF_TRUST_CERTIFICATE, default=False): BooleanSelector()}
)
RECONFIGURE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Optional(CONF_PASSWORD): _PASSWORD,
        vol.Optional(CONF_EMAIL): _EMAIL,
    }
)


@dataclass(frozen=True, slots=True)
class _Gateway:
    """A gateway that answered and accepted the password."""

    host: str
    unique_id: str
    title: str
    session: dict[str, str] | None
    # The certificate of every connection that carried the password and session.
    fingerprint: str | None


@dataclass(frozen=True, slots=True)
class _Device:
    """What a device told about itself before any login: who it is, which certificate."""

    host: str
    info: GatewayInfo
    fingerprint: str | None


@dataclass(frozen=True, slots=True)
class _NewCertificate:
    """A device at an entry's address that presents another certificate than the trusted one.

    It was asked only who it is: the password waits for the person to confirm
    its certificate.
    """

    device: _Device
    fingerprint: str
    trusted: str
    user_input: dict[str, Any]


class PowerwallGatewayConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Tesla Backup Gateway."""

    VERSION = 1
    # 1.2: battery devices and entities are identified by gateway and serial.
    MINOR_VERSION = 2

    def __init__(self) -> None:
        """Start with nothing discovered."""
        self._discovered_host: str | None = None
        self._discovered_mac: str | None = None
        self._new_certificate: _NewCertificate | None = None
        # The certificate the person confirmed in this flow: not asked about twice.
        self._confirmed_fingerprint: str | None = None

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> PowerwallGatewayOptionsFlow:
        """Options: how often to poll."""
        return PowerwallGatewayOptionsFlow()

    async def _async_connect(
        self,
        host: str,
        user_input: Mapping[str, Any],
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> _Gateway | None:
        """Check that ``host`` is a new gateway that takes this password; fill ``errors`` if not."""
        device = await self._async_identify(host, errors, placeholders)
        if device is None:
            return None
        return await self._async_login(device, user_input, errors, placeholders)

    async def _async_identify(
        self,
        host: str,
        errors: dict[str, str],
        placeholders: dict[str, str],
        entry: ConfigEntry | None = None,
    ) -> _Device | None:
        """Ask the device at ``host`` who it is, without a login; fill ``errors`` if it cannot.

        A new gateway that is already set up aborts the flow, and so does another
        gateway than ``entry``'s, before any password is sent to it.
        """
        try:
            host = normalize_host(host)
        except ValueError as err:
            errors[CONF_HOST] = "invalid_host"
            placeholders["error"] = str(err)
            return None
        if (wait := cooldown_left(self.hass, host)) > 0:
            errors["base"] = "rate_limited"
            placeholders["minutes"] = str(math.ceil(wait / 60))
            return None
        try:
            info, fingerprint = await async_identify(self.hass, host)
        except PowerwallError as err:
            _show_error(self.hass, host, err, errors, placeholders)
            return None
        await self._abort_if_other_gateway(gateway_unique_id(info), host, fingerprint, entry)
        return _Device(host, info, fingerprint)

    async def _async_login(
        self,
        device: _Device,
        user_input: Mapping[str, Any],
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> _Gateway | None:
        """Log in to ``device``, pinned to the certificate it presented; read its batteries."""
        client = create_client(
            self.hass,
            device.host,
            user_input[CONF_PASSWORD],
            user_input.get(CONF_EMAIL, ""),
            fingerprint=device.fingerprint,
        )
        try:
            await client.login()
            powerwalls = await self._read_powerwalls(client)
        except PowerwallError as err:
            _show_error(self.hass, device.host, err, errors, placeholders)
            return None
        return _Gateway(
            host=device.host,
            unique_id=gateway_unique_id(device.info, powerwalls) or device.host.upper(),
            title=_title(device.host, device.info, powerwalls),
            session=client.export_session(),
            fingerprint=device.fingerprint,
        )

    @staticmethod
    async def _read_powerwalls(client: PowerwallClient) -> Powerwalls | None:
        """The battery list; ``None`` for a restricted local API that has the grid status.

        Powerwall 3 and recent gateway firmware answer "not found" for
        /api/powerwalls but still tell whether the site is on grid: they are set
        up with what they offer. A device with neither is unsupported.
        """
        try:
            return await client.get_powerwalls()
        except PowerwallUnsupportedError:
            await client.get_grid_status()
            return None

    async def _abort_if_other_gateway(
        self, din: str | None, host: str, fingerprint: str | None, entry: ConfigEntry | None
    ) -> None:
        """Stop before the login if this gateway is set up already, or is not ``entry``'s.

        A gateway that has a DIN reports it: a device reporting none (or another
        one) at the address of an entry known by its DIN is another device.
        """
        if entry is not None:
            if is_din(entry.unique_id) and entry.unique_id != din:
                raise AbortFlow("wrong_gateway")
        elif din is not None:
            await self.async_set_unique_id(din, raise_on_progress=False)
            self._abort_if_configured(din, host, fingerprint)

    def _abort_if_configured(self, unique_id: str, host: str, fingerprint: str | None) -> None:
        """Abort if this gateway is set up; move its entry to ``host`` only if it proved itself.

        The DIN and the DHCP host name are served to anyone who asks, so any device
        can claim them. Only the certificate the entry trusts proves that the
        device at ``host`` is the entry's gateway; without it, the entry stays
        where it is and never sends its session or password there.
        """
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
        if _trusts(entry, fingerprint):
            self._abort_if_unique_id_configured(updates={CONF_HOST: host})
        self._abort_if_unique_id_configured()

    def _entry_data(self, gateway: _Gateway, user_input: Mapping[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            CONF_HOST: gateway.host,
            CONF_PASSWORD: user_input[CONF_PASSWORD],
            CONF_EMAIL: user_input.get(CONF_EMAIL, ""),
            CONF_SESSION: gateway.session,
            CONF_CERTIFICATE_FINGERPRINT: gateway.fingerprint,
        }
        if self._discovered_mac:
            data[CONF_MAC] = self._discovered_mac
        return data

    async def _async_create(
        self, gateway: _Gateway, user_input: Mapping[str, Any]
    ) -> ConfigFlowResult:
        await self.async_set_unique_id(gateway.unique_id, raise_on_progress=False)
        self._abort_if_configured(gateway.unique_id, gateway.host, gateway.fingerprint)
        return self.async_create_entry(
            title=gateway.title, data=self._entry_data(gateway, user_input)
        )

    async def _async_update(
        self, entry: ConfigEntry, gateway: _Gateway, user_input: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Store new connection data in an entry, if it is still the same gateway.

        Only two DINs can be compared: an identity derived from battery serials or
        an address (firmware without a DIN) changes when a battery or the address does.
        """
        if is_din(gateway.unique_id) and is_din(entry.unique_id):
            await self.async_set_unique_id(gateway.unique_id)
            self._abort_if_unique_id_mismatch(reason="wrong_gateway")
        # A person just logged in with this password: no login backoff is kept.
        data = {k: v for k, v in entry.data.items() if k != CONF_LOGIN_BACKOFF_UNTIL}
        return self.async_update_reload_and_abort(
            entry, data={**data, **self._entry_data(gateway, user_input)}
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the gateway's address and password."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            gateway = await self._async_connect(
                user_input[CONF_HOST], user_input, errors, placeholders
            )
            if gateway is not None:
                return await self._async_create(gateway, user_input)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                USER_SCHEMA, _without_password(user_input)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A gateway joined the network: update a known one that lost contact, or offer it."""
        self._discovered_host = discovery_info.ip
        self._discovered_mac = format_mac(discovery_info.macaddress)
        # Ask the device who it is: no login, so no password is guessed or sent. Its
        # host name, and even the DIN it reports, prove nothing: only the certificate
        # an entry trusts lets the entry follow a gateway to a new address.
        try:
            info, fingerprint = await async_identify(self.hass, discovery_info.ip)
        except PowerwallNotGatewayError:
            return self.async_abort(reason="not_gateway")
        except PowerwallError:
            return self.async_abort(reason="cannot_connect")
        if (unique_id := gateway_unique_id(info)) is None:
            # Older firmware has no DIN, and its identity needs a login (its batteries):
            # the flow goes by the MAC address until the password is confirmed, and an
            # entry at this address is the same gateway, never offered again.
            self._async_abort_entries_match({CONF_HOST: discovery_info.ip})
            await self.async_set_unique_id(f"MAC-{self._discovered_mac}")
            self._abort_if_unique_id_configured()
            self.context["title_placeholders"] = {"name": discovery_info.ip}
            return await self.async_step_discovery_confirm()
        await self.async_set_unique_id(unique_id)
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
        # Follow a gateway to its new address only when the entry stores an address
        # (not a name the user typed) and has lost contact at the old one: a gateway
        # on both Ethernet and Wi-Fi must not flip between its two addresses.
        # An ignored gateway has an entry without data: it is simply left alone.
        host = entry.data.get(CONF_HOST, "") if entry is not None else ""
        if entry is not None and _is_ip_address(host) and not _working(entry):
            if not _trusts(entry, fingerprint):
                # A device claiming the gateway's identity, or the gateway after a reset
                # or replacement: only the user can tell, so nothing is offered.
                LOGGER.warning(
                    "The device at %s says it is the gateway set up at %s, but does not"
                    " present the certificate trusted for it; the entry stays where it is."
                    " If the gateway was replaced or reset, reconfigure the entry with its"
                    " new address",
                    discovery_info.ip,
                    host,
                )
                return self.async_abort(reason="untrusted_certificate")
            self._abort_if_unique_id_configured(
                updates={CONF_HOST: discovery_info.ip, CONF_MAC: self._discovered_mac}
            )
        self._abort_if_unique_id_configured()
        self.context["title_placeholders"] = {"name": unique_id}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the password of a discovered gateway."""
        assert self._discovered_host is not None
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"host": self._discovered_host}
        if user_input is not None:
            gateway = await self._async_connect(
                self._discovered_host, user_input, errors, placeholders
            )
            if gateway is not None:
                return await self._async_create(gateway, user_input)
        return self.async_show_form(
            step_id="discovery_confirm",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA, _without_password(user_input)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The gateway stopped accepting the stored password."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new password."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            entry = self._get_reauth_entry()
            if result := await self._async_connect_entry(
                entry, entry.data[CONF_HOST], user_input, errors, placeholders
            ):
                return result
        return self._reauth_form(errors, placeholders)

    def _reauth_form(
        self, errors: dict[str, str], placeholders: dict[str, str]
    ) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA, {CONF_EMAIL: entry.data.get(CONF_EMAIL, "")}
            ),
            errors=errors,
            description_placeholders={**placeholders, "host": entry.data[CONF_HOST]},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the gateway's address or password."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            entry = self._get_reconfigure_entry()
            # Moving the gateway to a new address should not mean typing the password
            # again, as long as the gateway there presents the trusted certificate.
            stored = not user_input.get(CONF_PASSWORD)
            connect_input = user_input
            if stored:
                connect_input = {**user_input, CONF_PASSWORD: entry.data[CONF_PASSWORD]}
            if result := await self._async_connect_entry(
                entry,
                user_input[CONF_HOST],
                connect_input,
                errors,
                placeholders,
                stored_password=stored,
            ):
                return result
        return self._reconfigure_form(errors, placeholders, user_input)

    def _reconfigure_form(
        self,
        errors: dict[str, str],
        placeholders: dict[str, str],
        user_input: Mapping[str, Any] | None,
    ) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        suggested = _without_password(user_input) or {
            CONF_HOST: entry.data[CONF_HOST],
            CONF_EMAIL: entry.data.get(CONF_EMAIL, ""),
        }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(RECONFIGURE_SCHEMA, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_connect_entry(
        self,
        entry: ConfigEntry,
        host: str,
        user_input: Mapping[str, Any],
        errors: dict[str, str],
        placeholders: dict[str, str],
        *,
        stored_password: bool = False,
    ) -> ConfigFlowResult | None:
        """Update ``entry`` from its gateway once it took the password; ``None``: show the form.

        The password goes only to a device presenting the certificate the entry
        trusts. For another one the person is asked to confirm it first; the
        stored password never goes there at all.
        """
        device = await self._async_identify(host, errors, placeholders, entry)
        if device is None:
            return None
        trusted = entry.data.get(CONF_CERTIFICATE_FINGERPRINT)
        actual = device.fingerprint
        if trusted and actual != trusted:
            if stored_password or actual is None:
                errors[CONF_PASSWORD] = "confirm_new_certificate"
                return None
            if actual != self._confirmed_fingerprint:
                self._new_certificate = _NewCertificate(device, actual, trusted, dict(user_input))
                return await self.async_step_confirm_certificate()
        gateway = await self._async_login(device, user_input, errors, placeholders)
        if gateway is None:
            return None
        return await self._async_update(entry, gateway, user_input)

    async def async_step_confirm_certificate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show both certificates; on submit, send the typed password to the new one.

        The entry trusts the new certificate only once that login worked. Closing
        the dialog sends nothing.
        """
        new = self._new_certificate
        assert new is not None
        if user_input is None or not user_input[CONF_TRUST_CERTIFICATE]:
            return self.async_show_form(
                step_id="confirm_certificate",
                data_schema=CONFIRM_CERTIFICATE_SCHEMA,
                errors={CONF_TRUST_CERTIFICATE: "trust_not_confirmed"} if user_input else {},
                description_placeholders={
                    "host": new.device.host,
                    "expected": readable_fingerprint(new.trusted),
                    "actual": readable_fingerprint(new.fingerprint),
                },
            )
        self._confirmed_fingerprint = new.fingerprint
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        gateway = await self._async_login(new.device, new.user_input, errors, placeholders)
        if self.source == SOURCE_REAUTH:
            if gateway is None:
                return self._reauth_form(errors, placeholders)
            return await self._async_update(self._get_reauth_entry(), gateway, new.user_input)
        if gateway is None:
            return self._reconfigure_form(errors, placeholders, new.user_input)
        return await self._async_update(self._get_reconfigure_entry(), gateway, new.user_input)


def _show_error(
    hass: HomeAssistant,
    host: str,
    err: PowerwallError,
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> None:
    """Put a client error in the form; a rate limit holds every client of ``host``."""
    if isinstance(err, PowerwallRateLimitError):
        if not isinstance(err, PowerwallLoginBackoffError):
            remember_cooldown(hass, host, err.retry_after)
        placeholders["minutes"] = str(math.ceil(err.retry_after / 60))
    errors["base"] = key = error_key(err)
    if key in ("invalid_response", UNKNOWN_ERROR):
        LOGGER.warning("Unexpected answer from %s: %s", host, err)
        placeholders["error"] = str(err)


def _title(host: str, info: GatewayInfo, powerwalls: Powerwalls | None) -> str:
    """A new entry's title: the serial number in the gateway's DIN, else its address.

    A gateway without a DIN (older firmware) is named by the address it was added
    at, which its owner recognises, not by the identity derived from its batteries.
    """
    din = info.din or (powerwalls.gateway_din if powerwalls is not None else None)
    # A DIN is "<part number>--<serial number>" (1232100-00-E--TG123456789A4M).
    return f"Backup Gateway {din.rsplit('--', 1)[-1].upper() if din else host}"


def _is_ip_address(host: str) -> bool:
    """Whether a stored host ("1.2.3.4", "1.2.3.4:443", "[fe80::1]:443") is an IP address."""
    if host.startswith("["):
        address = host[1 : host.find("]")]
    else:
        address = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        ip_address(address)
    except ValueError:
        return False
    return True


def _trusts(entry: ConfigEntry | None, fingerprint: str | None) -> bool:
    """Whether ``entry`` trusts the certificate of this SHA-256 fingerprint."""
    return (
        entry is not None
        and fingerprint is not None
        and entry.data.get(CONF_CERTIFICATE_FINGERPRINT) == fingerprint
    )


def _working(entry: ConfigEntry) -> bool:
    """Whether an entry is loaded and its last poll reached the gateway."""
    return entry.state is ConfigEntryState.LOADED and entry.runtime_data.data.grid is not None


def _without_password(user_input: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What to show again in a form after an error: everything but the password."""
    if user_input is None:
        return None
    return {key: value for key, value in user_input.items() if key != CONF_PASSWORD}


@dataclass(frozen=True, slots=True)
class _Interval:
    """A polling interval option: its default and the bounds that keep the gateway safe."""

    default: int
    minimum: int
    maximum: int

    def holds(self, value: float) -> bool:
        """Whether ``value`` is a whole number of seconds within the bounds."""
        return self.minimum <= value <= self.maximum and float(value).is_integer()


_INTERVALS: Final = {
    CONF_GRID_INTERVAL: _Interval(DEFAULT_GRID_INTERVAL, MIN_GRID_INTERVAL, MAX_GRID_INTERVAL),
    CONF_SCAN_INTERVAL: _Interval(DEFAULT_SCAN_INTERVAL, MIN_SCAN_INTERVAL, MAX_SCAN_INTERVAL),
    CONF_POWERWALLS_INTERVAL: _Interval(
        DEFAULT_POWERWALLS_INTERVAL, MIN_POWERWALLS_INTERVAL, MAX_POWERWALLS_INTERVAL
    ),
}


class _Seconds(NumberSelector):
    """A box for whole seconds that shows its bounds, and leaves checking them to the form.

    Home Assistant's number selector refuses a value out of bounds with an English
    message that names no field ("Value 2.0 is too small"); the options step
    answers with a translated error at the field instead.
    """

    def __init__(self, interval: _Interval) -> None:
        """A box from ``interval.minimum`` to ``interval.maximum`` in steps of a second."""
        super().__init__(
            NumberSelectorConfig(
                min=interval.minimum,
                max=interval.maximum,
                step=1,
                unit_of_measurement="s",
                mode=NumberSelectorMode.BOX,
            )
        )

    @override
    def __call__(self, data: Any) -> float:
        """Read the number; the options step checks its bounds."""
        value: float = vol.Coerce(float)(data)
        return value


class PowerwallGatewayOptionsFlow(OptionsFlowWithReload):
    """How often to poll, within bounds that keep the gateway safe."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the polling intervals, in whole seconds."""
        errors = {
            key: f"{key}_out_of_range"
            for key, interval in _INTERVALS.items()
            if user_input is not None and not interval.holds(user_input[key])
        }
        if user_input is not None and not errors:
            return self.async_create_entry(
                data={key: int(value) for key, value in user_input.items()}
            )
        grid, scan, powerwalls = (
            _INTERVALS[CONF_GRID_INTERVAL],
            _INTERVALS[CONF_SCAN_INTERVAL],
            _INTERVALS[CONF_POWERWALLS_INTERVAL],
        )
        schema = vol.Schema(
            {
                vol.Required(CONF_GRID_INTERVAL, default=grid.default): _Seconds(grid),
                vol.Required(CONF_SCAN_INTERVAL, default=scan.default): _Seconds(scan),
                vol.Required(CONF_POWERWALLS_INTERVAL, default=powerwalls.default): _Seconds(
                    powerwalls
                ),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self.config_entry.options
            ),
            errors=errors,
            # The bounds each field's error names.
            description_placeholders={
                "grid_interval_min": str(grid.minimum),
                "grid_interval_max": str(grid.maximum),
                "scan_interval_min": str(scan.minimum),
                "scan_interval_max": str(scan.maximum),
                "powerwalls_interval_min": str(powerwalls.minimum),
                "powerwalls_interval_max": str(powerwalls.maximum),
            },
        )
