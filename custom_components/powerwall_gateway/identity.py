"""Who a gateway is: its identity, the certificate that proves it, and the entry that is it.

The config flows, the setup of an entry and DHCP discovery all decide here
which gateway answers at an address and which entry, if any, it belongs to.

The identity model (an entry's unique id):

- **A DIN** (``1232100-00-E--TG123456789A4M``, upper case) when the gateway
  reports one: in ``/api/status`` before any login, or as ``gateway_din`` in
  the battery list after one.
- **Without a DIN** (older firmware; the restricted local API of a Powerwall 3,
  where ``/api/status`` answers ``404 page not found``): the certificate the
  gateway presented when it was added, ``CERT-`` and the first 16 hex digits of
  its SHA-256. Every gateway makes its own self-signed certificate, so two
  gateways that see the same batteries are two gateways; the entry pins that
  certificate anyway, and the form and discovery both see it before any
  password is sent. Only a device that presented no certificate is known by
  the address it was added at.
- **Entries of earlier releases keep theirs**: ``SERIALS-`` and a hash of the
  battery serials, or the address they were added at. Entity ids never change.

An identity only improves: when a gateway set up without a DIN reports one,
its entry, devices and entities move to the DIN in place (at setup, which
discovery triggers when it sees the DIN).

A device at an address is an entry's gateway when it reports the entry's
DIN; or presents the certificate the entry trusts; or, for discovery, has the
MAC address the entry was discovered with or the address the entry stores.
Two devices that report different DINs are different gateways, whatever else
they share. So two entries never get one identity, and discovery never offers
a configured gateway as new. Of all these, only the trusted certificate
proves anything: a DIN, a host name and a MAC address are told to anyone who
asks, so an entry follows its gateway to a new address, and sends its
password there, only for the certificate it trusts.
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
from .connection import (
    CONF_CERTIFICATE_FINGERPRINT,
    create_client,
    create_entry_client,
    remember_client,
    remember_cooldown,
)
from .const import CONF_SESSION, DOMAIN, LOGGER
from .errors import error_key
from .repairs import async_certificate_changed, async_certificate_trusted


@dataclass(frozen=True, slots=True)
class DeviceAnswer:
    """What the device at an address told about itself before any login."""

    host: str
    info: GatewayInfo
    # SHA-256 of the certificate it presented; ``None`` only without TLS.
    fingerprint: str | None
    # ``/api/status`` answered Go's "404 page not found": the restricted local API
    # of a Powerwall 3 or recent firmware, or no gateway at all; a login tells.
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
        data: dict[str, Any] = {
            CONF_HOST: self.host,
            CONF_PASSWORD: user_input[CONF_PASSWORD],
            CONF_EMAIL: user_input.get(CONF_EMAIL, ""),
            CONF_SESSION: self.session,
            CONF_CERTIFICATE_FINGERPRINT: self.fingerprint,
        }
        if mac:
            data[CONF_MAC] = mac
        return data


@dataclass(frozen=True, slots=True)
class CertificateToConfirm:
    """A device at an entry's address that presents another certificate than the trusted one.

    It was asked only who it is: the password waits for the person to confirm
    its certificate.
    """

    device: DeviceAnswer
    fingerprint: str
    trusted: str
    user_input: dict[str, Any]


def is_din(unique_id: str | None) -> bool:
    """Whether a gateway identity is a DIN ("1232100-00-E--TG123456789A4M")."""
    return unique_id is not None and "--" in unique_id


def gateway_identity(din: str | None, fingerprint: str | None, host: str) -> str:
    """A new entry's unique id: the DIN, else the certificate, else the address (see above)."""
    if din:
        return din.upper()
    if fingerprint:
        return f"CERT-{fingerprint[:16].upper()}"
    return host.upper()


def title(host: str, din: str | None) -> str:
    """A new entry's title: the serial number in the gateway's DIN, else its address.

    A gateway without a DIN is named by the address it was added at, which its
    owner recognises, not by its certificate.
    """
    # A DIN is "<part number>--<serial number>" (1232100-00-E--TG123456789A4M).
    return f"Backup Gateway {din.rsplit('--', 1)[-1].upper() if din else host}"


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
    """The entry whose gateway ``device`` is, if any: by DIN, certificate, MAC, then address.

    ``mac`` and ``host`` are matched only when given (discovery, reconfiguration);
    ``other_than`` is left out of the search. Ignored gateways are matched by
    their unique id only, as the flows' own checks do.
    """
    entries = [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        if entry is not other_than
    ]
    matches: list[Callable[[ConfigEntry], bool]] = [
        lambda entry: device.din is not None and entry.unique_id == device.din,
        lambda entry: trusts(entry, device.fingerprint),
        lambda entry: mac is not None and entry.data.get(CONF_MAC) == mac,
        lambda entry: host is not None and entry.data.get(CONF_HOST) == host,
    ]
    for match in matches:
        for entry in entries:
            # Two different DINs are two gateways, whatever else they share.
            if match(entry) and not (
                device.din and is_din(entry.unique_id) and entry.unique_id != device.din
            ):
                return entry
    return None


def abort_if_not_entrys_gateway(
    hass: HomeAssistant, entry: ConfigEntry, device: DeviceAnswer
) -> None:
    """Stop a flow before the login if ``device`` is not ``entry``'s gateway.

    A gateway known by its DIN reports it, but on the restricted local API,
    where the certificate the entry trusts tells it. A device that is another
    entry's gateway is refused by that entry's name.
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
    trusted = entry.data.get(CONF_CERTIFICATE_FINGERPRINT) if entry is not None else None
    if entry is not None and trusted is not None and trusted != device.fingerprint:
        _warn_untrusted(entry, device)
        raise AbortFlow("untrusted_certificate")


def _warn_untrusted(entry: ConfigEntry, device: DeviceAnswer) -> None:
    # A device claiming the gateway's identity, or the gateway after a reset
    # or replacement: only the user can tell, so nothing is offered.
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
    if other is not None and other is not entry:
        raise AbortFlow("other_gateway_configured", {"title": other.title})


def is_ip_address(host: str) -> bool:
    """Whether a stored host ("1.2.3.4", "1.2.3.4:443", "[fe80::1]:443") is an IP address.

    Discovery moves only an entry that stores an address, never a name the user typed.
    """
    if host.startswith("["):
        address = host[1 : host.find("]")]
    else:
        address = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        ip_address(address)
    except ValueError:
        return False
    return True


@callback
def async_follow_known_gateway(
    hass: HomeAssistant, entry: ConfigEntry, device: DeviceAnswer, mac: str
) -> bool:
    """Discovery found ``entry``'s gateway: follow it; ``False`` if it does not prove itself.

    Only an entry that stores an address (not a name the user typed) and lost
    contact at the old one follows: a gateway on both Ethernet and Wi-Fi must
    not flip between its two addresses. An entry that trusts the device and is
    known without the DIN it now reports reloads: its setup moves it to the DIN.
    """
    host = entry.data.get(CONF_HOST, "")
    trusted = trusts(entry, device.fingerprint)
    reload = entry.state is ConfigEntryState.SETUP_RETRY
    if is_ip_address(host) and host != device.host and not _working(entry):
        if not trusted:
            _warn_untrusted(entry, device)
            return False
        reload = hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_HOST: device.host, CONF_MAC: mac}
        )
    if trusted and device.din and device.din != entry.unique_id:
        reload = True
    if reload and entry.state in (ConfigEntryState.LOADED, ConfigEntryState.SETUP_RETRY):
        hass.config_entries.async_schedule_reload(entry.entry_id)
    return True


def _working(entry: ConfigEntry) -> bool:
    """Whether an entry is loaded and its last poll reached the gateway."""
    return entry.state is ConfigEntryState.LOADED and entry.runtime_data.data.grid is not None


async def async_ask_device(hass: HomeAssistant, host: str) -> DeviceAnswer:
    """Ask the device at ``host`` who it is, and which certificate it presents.

    Reads ``/api/status``, which needs no login, with a client that holds no
    password and no session: whatever answers learns nothing from it. Client
    errors propagate, but for the restricted local API's "404 page not found".
    """
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

    Client errors propagate; a restricted device that has no login either is
    no gateway at all.
    """
    client = create_client(hass, device.host, password, email, fingerprint=device.fingerprint)
    try:
        await client.login()
        powerwalls = await _async_read_powerwalls(client)
    except PowerwallUnsupportedError as err:
        if device.restricted:
            raise PowerwallNotGatewayError(
                f"The server at {device.host} answered, but it is not a Tesla Backup Gateway"
                f" (404 for /api/status and for the login)"
            ) from err
        raise
    din = device.din or (powerwalls.gateway_din if powerwalls is not None else None)
    return LoggedInGateway(
        host=device.host,
        unique_id=gateway_identity(din, device.fingerprint, device.host),
        title=title(device.host, din),
        session=client.export_session(),
        fingerprint=device.fingerprint,
    )


async def _async_read_powerwalls(client: PowerwallClient) -> Powerwalls | None:
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


async def async_connect_entry(
    hass: HomeAssistant, entry: ConfigEntry
) -> tuple[PowerwallClient, GatewayInfo]:
    """The entry's client, its certificate pinned, and who its gateway is.

    ``/api/status`` needs no login. Where it answers "404 page not found" (a
    Powerwall 3, recent firmware) a login and the grid status confirm that it
    is a gateway, which reports no DIN then. An entry set up before
    certificates were recorded trusts the one presented to that first request,
    which carries no password. A DIN the gateway reports for the first time
    becomes the entry's identity. Raises ``ConfigEntryNotReady`` (or
    ``ConfigEntryAuthFailed`` for a refused password) when that fails.
    """
    client = create_entry_client(hass, entry)
    try:
        try:
            info: GatewayInfo | None = await client.get_gateway_info()
        except PowerwallUnsupportedError:
            info = None
        if entry.data.get(CONF_CERTIFICATE_FINGERPRINT) is None:
            client = _pin_first_certificate(hass, entry, client)
        if info is None:
            await client.get_grid_status()
            info = GatewayInfo()
    except PowerwallAuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key=error_key(err),
            translation_placeholders={"error": str(err)},
        ) from err
    except PowerwallError as err:
        if isinstance(err, PowerwallCertificateError):
            # Retried like any failed setup: it costs a TLS handshake, nothing is sent,
            # and the entry recovers by itself if the trusted gateway answers again.
            async_certificate_changed(hass, entry, err)
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key=error_key(err),
            translation_placeholders={"error": str(err)},
        ) from err
    finally:
        remember_client(hass, client)
    async_certificate_trusted(hass, entry.entry_id)
    if (din := info.din) and din.upper() != entry.unique_id and not is_din(entry.unique_id):
        async_migrate_to_din(hass, entry, din.upper())
    return client, info


def _pin_first_certificate(
    hass: HomeAssistant, entry: ConfigEntry, client: PowerwallClient
) -> PowerwallClient:
    """Trust the certificate ``client`` just saw; return a client pinned to it."""
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_CERTIFICATE_FINGERPRINT: client.certificate_fingerprint}
    )
    pinned = create_entry_client(hass, entry)
    pinned.last_payloads.update(client.last_payloads)  # /api/status, for diagnostics
    return pinned


@callback
def async_migrate_to_din(hass: HomeAssistant, entry: ConfigEntry, din: str) -> None:
    """Give an entry set up without a DIN the DIN its firmware now reports.

    The entry, its devices (the gateway's and its batteries') and its entities
    move to the new identity, so history and automations carry on.
    """
    old = entry.unique_id or entry.entry_id
    LOGGER.info("The gateway at %s now reports its DIN; moving its identity to it", entry.title)
    move_identities(hass, entry, lambda ident: _replace_prefix(ident, old, din))
    hass.config_entries.async_update_entry(entry, unique_id=din)


def _replace_prefix(ident: str, old: str, new: str) -> str:
    if ident == old:
        return new
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
