"""The gateway clients: made one way, and what they learn outliving them.

A reload, a setup retry or a config flow builds a new client. The gateway's
rate limit does not reset with it, so the cooldown a client learnt is kept per
gateway address here, handed to the next client for that address and to every
client still talking to it, whether an entry's or a config flow's: no client
may log in into a rate limit another one has met. An entry's session and login
backoff are kept in the entry, so a restart neither logs in needlessly nor
during a backoff.

An entry's client also pins the certificate the entry trusts (trust on first
use): a device that presents another one is sent nothing at all.
"""

from __future__ import annotations

from typing import Any, Final
from weakref import WeakSet

from aiohttp import ClientSession, DummyCookieJar
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_EMAIL, CONF_HOST, CONF_PASSWORD, EVENT_HOMEASSISTANT_CLOSE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import PowerwallClient
from .const import (
    CONF_LOGIN_BACKOFF_UNTIL,
    CONF_SESSION,
    DOMAIN,
    LOGGER,
    LOGIN_BACKOFF,
    REQUEST_TIMEOUT,
)

# The SHA-256 (lower-case hex) of the certificate an entry trusts, in its data.
CONF_CERTIFICATE_FINGERPRINT: Final = "certificate_fingerprint"

# When each gateway (by normalised host) allows requests again, in event-loop time.
COOLDOWNS: HassKey[dict[str, float]] = HassKey(f"{DOMAIN}_cooldowns")
# The clients alive for each gateway: a cooldown one of them meets holds them all.
CLIENTS: HassKey[dict[str, WeakSet[PowerwallClient]]] = HassKey(f"{DOMAIN}_clients")
# One HTTP session for every gateway, without a cookie jar: the client sends its
# own session cookies, and Home Assistant's shared jar must neither override them
# nor carry them to other integrations' requests to the same host.
SESSION: HassKey[ClientSession] = HassKey(f"{DOMAIN}_session")


def create_client(
    hass: HomeAssistant,
    host: str,
    password: str,
    email: str = "",
    *,
    fingerprint: str | None = None,
) -> PowerwallClient:
    """A gateway client on our own session and the event-loop clock.

    It inherits the cooldown any earlier client met at the same address, and
    pins ``fingerprint`` when given. ``ValueError`` for a host that is not a
    host name or address.
    """
    client = PowerwallClient(
        host,
        password,
        email=email,
        session=_session(hass),
        request_timeout=REQUEST_TIMEOUT,
        login_backoff=LOGIN_BACKOFF,
        fingerprint=fingerprint,
        # Cooldowns are kept in event-loop time, the clock every client here runs on.
        monotonic=hass.loop.time,
    )
    client.hold_off(cooldown_left(hass, client.host))
    hass.data.setdefault(CLIENTS, {}).setdefault(client.host, WeakSet()).add(client)
    return client


def create_entry_client(hass: HomeAssistant, entry: ConfigEntry[Any]) -> PowerwallClient:
    """The client of an entry: its password and stored session, its certificate pinned.

    An entry created before certificates were recorded has none to pin yet;
    its setup records the first one it sees (see ``identity.async_connect_entry``).
    """
    data = entry.data
    client = create_client(
        hass,
        data[CONF_HOST],
        data[CONF_PASSWORD],
        data.get(CONF_EMAIL, ""),
        fingerprint=data.get(CONF_CERTIFICATE_FINGERPRINT),
    )
    resume_login_backoff(client, data.get(CONF_LOGIN_BACKOFF_UNTIL))
    if session := data.get(CONF_SESSION):
        client.restore_session(session)
    return client


def _session(hass: HomeAssistant) -> ClientSession:
    """The integration's HTTP session, made on first use and kept until Home Assistant stops.

    Not tied to the entry whose setup happens to make it: config flows and
    every entry share it.
    """
    if (session := hass.data.get(SESSION)) is not None:
        return session
    session = hass.data[SESSION] = async_create_clientsession(
        hass, verify_ssl=False, auto_cleanup=False, cookie_jar=DummyCookieJar()
    )

    @callback
    def _detach(_: Event) -> None:
        session.detach()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_CLOSE, _detach)
    return session


def cooldown_left(hass: HomeAssistant, host: str) -> float:
    """Seconds before the gateway at ``host`` (normalised) may be asked again."""
    return max(0.0, hass.data.get(COOLDOWNS, {}).get(host, 0.0) - hass.loop.time())


def remember_cooldown(hass: HomeAssistant, host: str, seconds: float) -> None:
    """Ask the gateway at ``host`` nothing for ``seconds``; 0 when it answered again.

    Every live client of that gateway (an entry's, a flow's) holds off too.
    """
    if seconds > 0:
        hass.data.setdefault(COOLDOWNS, {})[host] = hass.loop.time() + seconds
    else:
        hass.data.get(COOLDOWNS, {}).pop(host, None)
    for client in hass.data.get(CLIENTS, {}).get(host, ()):
        client.hold_off(seconds)


def keep_client_state(
    hass: HomeAssistant, client: PowerwallClient, entry: ConfigEntry[Any] | None = None
) -> None:
    """Keep what a client learnt: its cooldown for every client of its gateway.

    With an ``entry``, also its session and any login backoff (a UTC timestamp)
    in the entry, the one place a reload and a restart both read them from.
    """
    remember_cooldown(hass, client.host, client.rate_limited_for)
    if entry is None:
        return
    new = {**entry.data, CONF_SESSION: client.export_session()}
    if (backoff := client.login_backoff_for) > 0:
        new[CONF_LOGIN_BACKOFF_UNTIL] = round(dt_util.utcnow().timestamp() + backoff)
    else:
        new.pop(CONF_LOGIN_BACKOFF_UNTIL, None)
    if new != entry.data:
        hass.config_entries.async_update_entry(entry, data=new)


def resume_login_backoff(client: PowerwallClient, stored_until: object) -> None:
    """Give an entry's new client the login backoff stored in the entry (a UTC timestamp).

    A stored wait longer than the backoff's own maximum (a clock that was ahead
    when it was saved, a hand-edited entry) is discarded: it would keep the
    gateway from ever being logged into again.
    """
    if not isinstance(stored_until, int | float) or isinstance(stored_until, bool):
        return
    wait = stored_until - dt_util.utcnow().timestamp()
    if wait > LOGIN_BACKOFF[1]:
        LOGGER.warning(
            "Ignoring a stored login backoff of %d s for %s: longer than the longest backoff"
            " (%d s), so the clock was probably wrong when it was saved",
            wait,
            client.host,
            LOGIN_BACKOFF[1],
        )
        return
    client.hold_off_login(wait)
