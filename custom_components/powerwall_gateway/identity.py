"""Who a gateway is: its identity, the certificate that proves it, and the entry that is it.

Used by the flows, an entry's setup and DHCP discovery. An entry's unique id is
the gateway's **DIN** (upper case, from ``/api/status`` or the battery list's
``gateway_din``); without one (older firmware, a Powerwall 3) ``CERT-`` and 16
hex digits of the SHA-256 of the certificate it was added with (every gateway
makes its own), or its address without TLS. Earlier releases' ids (``SERIALS-``
and a hash, an address) stay until a DIN appears, which the entry, its devices
and entities then move to. A device is an entry's gateway when it reports its
DIN, presents its certificate, or (discovery) has its MAC or address; two DINs
are two gateways. Only the certificate proves anything: a password goes only to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_EMAIL, CONF_HOST, CONF_MAC, CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .api import (
    GatewayInfo,
    PowerwallAuthenticationError,
    PowerwallCertificateError,
    PowerwallClient,
    PowerwallError,
    PowerwallNotGatewayError,
    Powerwalls,
    PowerwallUnsupportedError,
)
from .clients import (
    CONF_CERTIFICATE_FINGERPRINT,
    create_client,
    create_entry_client,
    keep_client_state,
    remember_cooldown,
)
from .const import CONF_SESSION, DOMAIN, LOGGER
from .repairs import async_certificate_changed, async_certificate_trusted


@dataclass(frozen=True, slots=True)
class DeviceAnswer:
    """What the device at an address told about itself before any login."""

    host: str
    info: GatewayInfo
    fingerprint: str | None  # of the certificate it presented; ``None`` only without TLS
    # ``/api/status`` answered "404 page not found": a restricted API, or no gateway at all.
    restricted: bool = False

    @property
    def din(self) -> str | None:
        """The DIN it reports, upper case; ``None`` before a login on firmware without one."""
        return self.info.din.upper() if self.info.din else None


@dataclass(frozen=True, slots=True)
class LoggedInGateway:
    """A gateway that accepted the password: what its entry stores."""

    host: str
    unique_id: str
    title: str
    session: dict[str, str] | None
    # The certificate of every connection that carried the password and session.
    fingerprint: str | None

    def entry_data(self, user_input: Mapping[str, Any], mac: str | None) -> dict[str, Any]:
        """What its entry stores: the password typed, the session, the certificate to pin."""
        return {
            CONF_HOST: self.host,
            CONF_PASSWORD: user_input[CONF_PASSWORD],
            CONF_EMAIL: user_input.get(CONF_EMAIL, ""),
            CONF_SESSION: self.session,
            CONF_CERTIFICATE_FINGERPRINT: self.fingerprint,
        } | ({CONF_MAC: mac} if mac else {})


def is_din(unique_id: str | None) -> bool:
    """Whether a gateway identity is a DIN ("1232100-00-E--TG123456789A4M")."""
    return unique_id is not None and "--" in unique_id


def trusts(entry: ConfigEntry | None, fingerprint: str | None) -> bool:
    """Whether ``entry`` trusts the certificate of this SHA-256 fingerprint."""
    return (
        entry is not None
        and fingerprint is not None
        and entry.data.get(CONF_CERTIFICATE_FINGERPRINT) == fingerprint
    )


def configured_entry(
    hass: HomeAssistant,
    device: DeviceAnswer,
    *,
    mac: str | None = None,
    host: str | None = None,
    other_than: ConfigEntry | None = None,
) -> ConfigEntry | None:
    """The entry whose gateway ``device`` is, if any: by DIN, certificate, MAC (if given), address.

    Ignored gateways are matched by their unique id only, as the flows' own checks do.
    """
    entries = hass.config_entries.async_entries(DOMAIN, include_ignore=False)
    matches: list[Callable[[ConfigEntry], bool]] = [
        lambda entry: device.din is not None and entry.unique_id == device.din,
        lambda entry: trusts(entry, device.fingerprint),
        lambda entry: mac is not None and entry.data.get(CONF_MAC) == mac,
        lambda entry: host is not None and entry.data.get(CONF_HOST) == host,
    ]
    for match in matches:
        for entry in entries:
            # Two different DINs are two gateways, whatever else they share.
            if (
                entry is not other_than
                and match(entry)
                and not (device.din and is_din(entry.unique_id) and entry.unique_id != device.din)
            ):
                return entry
    return None


def abort_if_not_entrys_gateway(
    hass: HomeAssistant, entry: ConfigEntry, device: DeviceAnswer
) -> None:
    """Stop a flow before the login if ``device`` is not ``entry``'s gateway, or another's.

    A gateway known by its DIN reports it, but on the restricted local API,
    where the certificate the entry trusts tells it.
    """
    if (
        is_din(entry.unique_id)
        and device.din != entry.unique_id
        and (device.din is not None or not trusts(entry, device.fingerprint))
    ):
        raise AbortFlow("wrong_gateway")
    if other := configured_entry(hass, device, host=device.host, other_than=entry):
        raise AbortFlow("other_gateway_configured", {"title": other.title})


def abort_if_untrusted(entry: ConfigEntry | None, device: DeviceAnswer) -> None:
    """Stop a flow adding ``device`` that claims ``entry``'s identity without its certificate."""
    trusted = entry.data.get(CONF_CERTIFICATE_FINGERPRINT) if entry else None
    if entry and trusted not in (None, device.fingerprint):
        warn_untrusted(entry, device)
        raise AbortFlow("untrusted_certificate")


def warn_untrusted(entry: ConfigEntry, device: DeviceAnswer) -> None:
    """A device claims to be ``entry``'s gateway without its certificate: only a person can tell."""
    LOGGER.warning(
        "The device at %s says it is the gateway set up at %s, but does not present the"
        " certificate trusted for it; the entry stays where it is. If the gateway was"
        " replaced or reset, reconfigure the entry with its new address",
        device.host,
        entry.data.get(CONF_HOST),
    )


def abort_if_identity_taken(hass: HomeAssistant, entry: ConfigEntry, unique_id: str) -> None:
    """Stop a flow whose login told a DIN that is not ``entry``'s, or is another entry's."""
    if not is_din(unique_id):
        return
    if is_din(entry.unique_id) and unique_id != entry.unique_id:
        raise AbortFlow("wrong_gateway")
    other = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
    if other not in (None, entry):
        raise AbortFlow("other_gateway_configured", {"title": other.title})


def is_ip_address(host: str) -> bool:
    """Whether a stored host ("1.2.3.4", "1.2.3.4:443", "[fe80::1]:443") is an IP address."""
    address = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        ip_address(host[1 : host.find("]")] if host.startswith("[") else address)
    except ValueError:
        return False
    return True


@callback
def async_follow_known_gateway(
    hass: HomeAssistant, entry: ConfigEntry, device: DeviceAnswer, mac: str
) -> bool:
    """Discovery found ``entry``'s gateway: follow it; ``False`` if it does not prove itself.

    Only an entry that stores an address (not a typed name) and lost contact at
    it follows: a gateway on Ethernet and Wi-Fi must not flip between the two.
    One that trusts the device and now sees a DIN reloads: its setup moves it.
    """
    host = entry.data.get(CONF_HOST, "")
    trusted = trusts(entry, device.fingerprint)
    reload = entry.state is ConfigEntryState.SETUP_RETRY
    working = entry.state is ConfigEntryState.LOADED and entry.runtime_data.data.grid is not None
    if is_ip_address(host) and host != device.host and not working:
        if not trusted:
            warn_untrusted(entry, device)
            return False
        reload = hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_HOST: device.host, CONF_MAC: mac}
        )
    if trusted and device.din and device.din != entry.unique_id:
        reload = True
    if reload and entry.state in (ConfigEntryState.LOADED, ConfigEntryState.SETUP_RETRY):
        hass.config_entries.async_schedule_reload(entry.entry_id)
    return True


async def async_ask_device(hass: HomeAssistant, host: str) -> DeviceAnswer:
    """Ask the device at ``host`` who it is (``/api/status``, no password, no session)."""
    client = create_client(hass, host, "")
    try:
        try:
            info, restricted = await client.get_gateway_info(), False
        except PowerwallUnsupportedError:
            info, restricted = GatewayInfo(), True
    finally:
        remember_cooldown(hass, client.host, client.rate_limited_for)
    return DeviceAnswer(host, info, client.certificate_fingerprint, restricted)


async def async_log_in(
    hass: HomeAssistant, device: DeviceAnswer, password: str, email: str
) -> LoggedInGateway:
    """Log in to ``device``, pinned to the certificate it presented; learn its identity.

    A restricted local API without the battery list is set up when it has the
    grid status; a restricted device without a login is no gateway at all.
    """
    client = create_client(hass, device.host, password, email, fingerprint=device.fingerprint)
    powerwalls: Powerwalls | None = None
    try:
        await client.login()
        try:
            powerwalls = await client.get_powerwalls()
        except PowerwallUnsupportedError:
            await client.get_grid_status()
    except PowerwallUnsupportedError as err:
        if device.restricted:
            raise PowerwallNotGatewayError(
                f"The server at {device.host} answered, but it is not a Tesla Backup Gateway"
                f" (404 for /api/status and for the login)"
            ) from err
        raise
    din = (device.din or (powerwalls.gateway_din if powerwalls is not None else None) or "").upper()
    certificate = f"CERT-{device.fingerprint[:16].upper()}" if device.fingerprint else None
    return LoggedInGateway(
        host=device.host,
        unique_id=din or certificate or device.host.upper(),
        # By the serial number in the DIN ("<part number>--<serial>"), else by the address.
        title=f"Backup Gateway {din.rsplit('--', 1)[-1] if din else device.host}",
        session=client.export_session(),
        fingerprint=device.fingerprint,
    )


async def async_connect_entry(
    hass: HomeAssistant, entry: ConfigEntry
) -> tuple[PowerwallClient, GatewayInfo]:
    """The entry's client, its certificate pinned, and who its gateway is.

    ``/api/status`` needs no login; where it answers 404 (a restricted API) the
    login and the grid status confirm a gateway without a DIN. An entry set up
    before certificates were recorded trusts the one that first request saw
    (it carried no password); a DIN reported for the first time becomes the
    entry's identity. Raises ``ConfigEntryNotReady``, or ``ConfigEntryAuthFailed``.
    """
    client = create_entry_client(hass, entry)
    try:
        try:
            info: GatewayInfo | None = await client.get_gateway_info()
        except PowerwallUnsupportedError:
            info = None
        if entry.data.get(CONF_CERTIFICATE_FINGERPRINT) is None:
            hass.config_entries.async_update_entry(
                entry,
                data={**entry.data, CONF_CERTIFICATE_FINGERPRINT: client.certificate_fingerprint},
            )
            pinned = create_entry_client(hass, entry)
            pinned.last_payloads.update(client.last_payloads)  # /api/status, for diagnostics
            client = pinned
        if info is None:
            await client.get_grid_status()
            info = GatewayInfo()
    except PowerwallError as err:
        if isinstance(err, PowerwallCertificateError):
            # Retried like any failed setup: it costs a TLS handshake, nothing is sent,
            # and the entry recovers by itself if the trusted gateway answers again.
            async_certificate_changed(hass, entry, err)
        auth = isinstance(err, PowerwallAuthenticationError)
        raise (ConfigEntryAuthFailed if auth else ConfigEntryNotReady)(
            translation_domain=DOMAIN,
            translation_key=err.translation_key,
            translation_placeholders={"error": str(err)},
        ) from err
    finally:
        keep_client_state(hass, client)
    async_certificate_trusted(hass, entry.entry_id)
    din = (info.din or "").upper()
    if din and din != entry.unique_id and not is_din(entry.unique_id):
        # Known without a DIN until now: the entry, its devices and entities move to it.
        old = entry.unique_id or entry.entry_id
        LOGGER.info("The gateway at %s now reports its DIN; moving its identity to it", entry.title)
        move_identities(hass, entry, lambda ident: din if ident == old else _moved(ident, old, din))
        hass.config_entries.async_update_entry(entry, unique_id=din)
    return client, info


def _moved(ident: str, old: str, new: str) -> str:
    return f"{new}_{ident.removeprefix(f'{old}_')}" if ident.startswith(f"{old}_") else ident


def move_identities(hass: HomeAssistant, entry: ConfigEntry, move: Callable[[str], str]) -> None:
    """Give the entry's devices and entities the identities ``move`` makes of theirs."""
    entities = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(entities, entry.entry_id):
        if (new := move(entity.unique_id)) != entity.unique_id:
            entities.async_update_entity(entity.entity_id, new_unique_id=new)
    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        identifiers = {
            (domain, move(ident) if domain == DOMAIN else ident)
            for domain, ident in device.identifiers
        }
        if identifiers != device.identifiers:
            devices.async_update_device(device.id, new_identifiers=identifiers)
