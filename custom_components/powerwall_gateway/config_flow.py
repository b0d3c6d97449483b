"""Config flow: add a gateway by hand or when DHCP finds one; re-authenticate; reconfigure."""

from __future__ import annotations

from collections.abc import Mapping
import math
from typing import Any, Final, override

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_EMAIL, CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback
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
    PowerwallError,
    PowerwallLoginBackoffError,
    PowerwallNotGatewayError,
    PowerwallRateLimitError,
    normalize_host,
    readable_fingerprint,
)
from .clients import CONF_CERTIFICATE_FINGERPRINT, cooldown_left, remember_cooldown
from .const import (
    CONF_GRID_INTERVAL,
    CONF_LOGIN_BACKOFF_UNTIL,
    CONF_POWERWALLS_INTERVAL,
    CONF_SCAN_INTERVAL,
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
from .identity import (
    DeviceAnswer,
    LoggedInGateway,
    abort_if_identity_taken,
    abort_if_not_entrys_gateway,
    abort_if_untrusted,
    async_ask_device,
    async_follow_known_gateway,
    async_log_in,
    configured_entry,
    trusts,
)

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


class PowerwallGatewayConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Tesla Backup Gateway."""

    VERSION = 1
    # 1.2: battery devices and entities are identified by gateway and serial.
    MINOR_VERSION = 3

    def __init__(self) -> None:
        """Start with nothing discovered."""
        self._discovered_host: str | None = None
        self._discovered_mac: str | None = None
        # A device with another certificate than the trusted one, and what was typed for it.
        self._new_certificate: tuple[DeviceAnswer, dict[str, Any]] | None = None
        # The certificate the person confirmed in this flow: not asked about twice.
        self._confirmed_fingerprint: str | None = None

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> PowerwallGatewayOptionsFlow:
        """Options: how often to poll."""
        return PowerwallGatewayOptionsFlow()

    async def _async_ask(
        self, host: str, errors: dict[str, str], placeholders: dict[str, str]
    ) -> DeviceAnswer | None:
        """Ask the device at ``host`` who it is, without a login; fill ``errors`` if it cannot."""
        try:
            host = normalize_host(host)
        except ValueError as err:
            LOGGER.debug("Not a host (the form's message has no English reason): %s", err)
            errors[CONF_HOST] = "invalid_host"
            return None
        if (wait := cooldown_left(self.hass, host)) > 0:
            errors["base"] = "rate_limited"
            placeholders["minutes"] = str(math.ceil(wait / 60))
            return None
        try:
            return await async_ask_device(self.hass, host)
        except PowerwallError as err:
            _show_error(self.hass, host, err, errors, placeholders)
            return None

    async def _async_log_in(
        self,
        device: DeviceAnswer,
        user_input: Mapping[str, Any],
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> LoggedInGateway | None:
        """Log in to ``device`` with the typed password; fill ``errors`` if that fails."""
        try:
            return await async_log_in(
                self.hass, device, user_input[CONF_PASSWORD], user_input.get(CONF_EMAIL, "")
            )
        except PowerwallError as err:
            _show_error(self.hass, device.host, err, errors, placeholders)
            return None

    async def _async_add(
        self,
        host: str,
        user_input: Mapping[str, Any],
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> ConfigFlowResult | None:
        """Add the gateway at ``host``; ``None``: show the form again with ``errors``.

        A configured gateway aborts before its login, or after it if only the login tells.
        """
        if (device := await self._async_ask(host, errors, placeholders)) is None:
            return None
        await self._async_abort_if_configured(device)
        if (gateway := await self._async_log_in(device, user_input, errors, placeholders)) is None:
            return None
        await self._async_abort_if_configured(device, gateway.unique_id)
        return self.async_create_entry(
            title=gateway.title, data=gateway.entry_data(user_input, self._discovered_mac)
        )

    async def _async_abort_if_configured(
        self, device: DeviceAnswer, unique_id: str | None = None
    ) -> None:
        """Abort if ``device`` (or ``unique_id``) is set up; its trusted certificate moves it."""
        entry = configured_entry(self.hass, device)
        abort_if_untrusted(entry, device)
        unique_id = entry.unique_id if entry is not None else unique_id or device.din
        if unique_id is None:
            return
        await self.async_set_unique_id(unique_id, raise_on_progress=False)
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
        if trusts(entry, device.fingerprint):
            self._abort_if_unique_id_configured(updates={CONF_HOST: device.host})
        self._abort_if_unique_id_configured()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the gateway's address and password."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None and (
            result := await self._async_add(user_input[CONF_HOST], user_input, errors, placeholders)
        ):
            return result
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                USER_SCHEMA, _without_password(user_input)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A gateway joined the network: update a known one, or offer it (no password sent)."""
        self._discovered_host = ip = discovery_info.ip
        self._discovered_mac = mac = format_mac(discovery_info.macaddress)
        try:
            device = await async_ask_device(self.hass, ip)
        except PowerwallNotGatewayError:
            return self.async_abort(reason="not_gateway")
        except PowerwallError:
            return self.async_abort(reason="cannot_connect")
        if (entry := configured_entry(self.hass, device, mac=mac, host=ip)) is not None:
            followed = async_follow_known_gateway(self.hass, entry, device, mac)
            return self.async_abort(
                reason="already_configured" if followed else "untrusted_certificate"
            )
        # Without a DIN (older firmware, a restricted local API) the flow goes by the
        # MAC address until the login tells the gateway's identity.
        await self.async_set_unique_id(device.din or f"MAC-{mac}")
        self._abort_if_unique_id_configured()
        self.context["title_placeholders"] = {"name": device.din or ip}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the password of a discovered gateway."""
        assert self._discovered_host is not None
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None and (
            result := await self._async_add(self._discovered_host, user_input, errors, placeholders)
        ):
            return result
        return self.async_show_form(
            step_id="discovery_confirm",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA, _without_password(user_input)
            ),
            errors=errors,
            description_placeholders={**placeholders, "host": self._discovered_host},
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
            password = entry.data[CONF_PASSWORD] if stored else user_input[CONF_PASSWORD]
            connect_input = {**user_input, CONF_PASSWORD: password}
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
        if (device := await self._async_ask(host, errors, placeholders)) is None:
            return None
        abort_if_not_entrys_gateway(self.hass, entry, device)
        trusted = entry.data.get(CONF_CERTIFICATE_FINGERPRINT)
        actual = device.fingerprint
        if trusted and actual != trusted:
            if stored_password or actual is None:
                errors[CONF_PASSWORD] = "confirm_new_certificate"
                return None
            if actual != self._confirmed_fingerprint:
                self._new_certificate = (device, dict(user_input))
                return await self.async_step_confirm_certificate()
        if (gateway := await self._async_log_in(device, user_input, errors, placeholders)) is None:
            return None
        return self._update(entry, gateway, user_input)

    def _update(
        self, entry: ConfigEntry, gateway: LoggedInGateway, user_input: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Store new connection data in an entry, if it is still the same gateway."""
        abort_if_identity_taken(self.hass, entry, gateway.unique_id)
        # A person just logged in with this password: no login backoff is kept.
        data = {k: v for k, v in entry.data.items() if k != CONF_LOGIN_BACKOFF_UNTIL}
        return self.async_update_reload_and_abort(
            entry, data={**data, **gateway.entry_data(user_input, self._discovered_mac)}
        )

    async def async_step_confirm_certificate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show both certificates; on submit, send the typed password to the new one.

        The entry trusts the new certificate only once that login worked. Closing
        the dialog sends nothing.
        """
        assert self._new_certificate is not None
        device, typed = self._new_certificate
        reauth = self.source == SOURCE_REAUTH
        entry = self._get_reauth_entry() if reauth else self._get_reconfigure_entry()
        if user_input is None or not user_input[CONF_TRUST_CERTIFICATE]:
            return self.async_show_form(
                step_id="confirm_certificate",
                data_schema=CONFIRM_CERTIFICATE_SCHEMA,
                errors={CONF_TRUST_CERTIFICATE: "trust_not_confirmed"} if user_input else {},
                description_placeholders={
                    "host": device.host,
                    "expected": readable_fingerprint(entry.data[CONF_CERTIFICATE_FINGERPRINT]),
                    "actual": readable_fingerprint(device.fingerprint or ""),
                },
            )
        self._confirmed_fingerprint = device.fingerprint
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        gateway = await self._async_log_in(device, typed, errors, placeholders)
        if gateway is None:
            if reauth:
                return self._reauth_form(errors, placeholders)
            return self._reconfigure_form(errors, placeholders, typed)
        return self._update(entry, gateway, typed)


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
    errors["base"] = key = err.translation_key
    if key in ("invalid_response", PowerwallError.translation_key):
        LOGGER.warning("Unexpected answer from %s: %s", host, err)
        placeholders["error"] = str(err)


def _without_password(user_input: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What to show again in a form after an error: everything but the password."""
    if user_input is None:
        return None
    return {key: value for key, value in user_input.items() if key != CONF_PASSWORD}


# Each polling interval option: its default and the bounds that keep the gateway safe.
_INTERVALS: Final = {
    CONF_GRID_INTERVAL: (DEFAULT_GRID_INTERVAL, MIN_GRID_INTERVAL, MAX_GRID_INTERVAL),
    CONF_SCAN_INTERVAL: (DEFAULT_SCAN_INTERVAL, MIN_SCAN_INTERVAL, MAX_SCAN_INTERVAL),
    CONF_POWERWALLS_INTERVAL: (
        DEFAULT_POWERWALLS_INTERVAL,
        MIN_POWERWALLS_INTERVAL,
        MAX_POWERWALLS_INTERVAL,
    ),
}


class _Seconds(NumberSelector):
    """A box for whole seconds that shows its bounds, and leaves checking them to the form.

    Home Assistant's number selector refuses a value out of bounds with an English
    message that names no field ("Value 2.0 is too small"); the options step
    answers with a translated error at the field instead.
    """

    def __init__(self, minimum: int, maximum: int) -> None:
        """A box from ``minimum`` to ``maximum`` in steps of a second."""
        super().__init__(
            NumberSelectorConfig(
                min=minimum,
                max=maximum,
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


OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(key, default=default): _Seconds(low, high)
        for key, (default, low, high) in _INTERVALS.items()
    }
)


class PowerwallGatewayOptionsFlow(OptionsFlowWithReload):
    """How often to poll, within bounds that keep the gateway safe."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the polling intervals, in whole seconds."""
        errors = {
            key: f"{key}_out_of_range"
            for key, (_, low, high) in _INTERVALS.items()
            if user_input is not None
            and not (low <= user_input[key] <= high and float(user_input[key]).is_integer())
        }
        if user_input is not None and not errors:
            return self.async_create_entry(
                data={key: int(value) for key, value in user_input.items()}
            )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, user_input or self.config_entry.options
            ),
            errors=errors,
            # The bounds each field's error names.
            description_placeholders={
                "grid_interval_min": str(MIN_GRID_INTERVAL),
                "grid_interval_max": str(MAX_GRID_INTERVAL),
                "scan_interval_min": str(MIN_SCAN_INTERVAL),
                "scan_interval_max": str(MAX_SCAN_INTERVAL),
                "powerwalls_interval_min": str(MIN_POWERWALLS_INTERVAL),
                "powerwalls_interval_max": str(MAX_POWERWALLS_INTERVAL),
            },
        )
