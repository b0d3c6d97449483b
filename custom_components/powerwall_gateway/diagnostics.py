"""Diagnostics download: the entry, the gateway's last answers and the coordinator, pseudonymised.

What the download holds is read here; what stands for every identity and
secret in it is decided by ``api.pseudonyms``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from dataclasses import asdict
import socket
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_EMAIL, CONF_HOST, CONF_MAC, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.json import json_dumps
from homeassistant.util.json import json_loads

from .api.pseudonyms import host_name, pseudonyms_for
from .clients import CONF_CERTIFICATE_FINGERPRINT
from .const import CONF_SESSION
from .coordinator import PowerwallCoordinator, PowerwallGatewayConfigEntry
from .identity import is_din

# How long the download waits for the host name to resolve; then its addresses are not known.
RESOLVE_TIMEOUT = 5  # seconds


async def _resolved(hass: HomeAssistant, host: object) -> list[str]:
    """The addresses the entry's host name resolves to now; none for an address.

    Asked of the system's resolver, for at most RESOLVE_TIMEOUT: a name it
    cannot resolve (say one only mDNS knows) adds no address.
    """
    if (name := host_name(host)) is None:
        return []
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT):
            answers = await hass.loop.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except OSError, TimeoutError, UnicodeError:
        return []
    return [str(sockaddr[0]) for *_, sockaddr in answers]


def _secrets(entry: PowerwallGatewayConfigEntry) -> Iterator[object]:
    """The entry's credentials, and the session the client holds now."""
    yield entry.data.get(CONF_PASSWORD)
    yield entry.data.get(CONF_EMAIL)
    sessions = [entry.data.get(CONF_SESSION)]
    if entry.state is ConfigEntryState.LOADED:
        # The session in use may be newer than the one the entry stores.
        sessions.append(entry.runtime_data.client.export_session())
    for session in sessions:
        if isinstance(session, Mapping):
            yield from session.values()


def _registry_serials(hass: HomeAssistant, entry: PowerwallGatewayConfigEntry) -> list[str | None]:
    """The serial numbers of the entry's devices, as the registry holds them."""
    registry = dr.async_get(hass)
    return [
        device.serial_number
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
    ]


def _plain(data: Any) -> Any:
    """A model as plain JSON types."""
    return None if data is None else json_loads(json_dumps(asdict(data)))


def _coordinator(coordinator: PowerwallCoordinator) -> dict[str, Any]:
    """How the coordinator reads the gateway now."""
    reads = {
        "grid": coordinator.grid_reads,
        "flags": coordinator.flag_reads,
        "batteries": coordinator.battery_reads,
    }
    return {
        "last_update_success": coordinator.last_update_success,
        "last_exception": repr(coordinator.last_exception),
        "interval_seconds": {name: r.interval.total_seconds() for name, r in reads.items()},
        "failing": {name: repr(err) for name, err in coordinator.failing.items()},
        "flags_from_battery_list": coordinator.flags_from_battery_list,
        "restricted": coordinator.battery_list.restricted,
    }


def _download(entry: PowerwallGatewayConfigEntry) -> dict[str, Any]:
    """What the download holds, before anything is replaced."""
    if entry.state is not ConfigEntryState.LOADED:
        # A gateway that fails to set up is when a bug report needs this most.
        return {"entry": entry.as_dict(), "state": entry.state.value, "reason": entry.reason}
    coordinator = entry.runtime_data
    client = coordinator.client
    snapshot = _plain(coordinator.data)
    # Its batteries by device identifier repeat the list the gateway sent.
    snapshot.pop("batteries", None)
    return {
        "entry": entry.as_dict(),
        "gateway_info": _plain(coordinator.info),
        # A copy: the client may add an endpoint while the download is made.
        "payloads": dict(client.last_payloads),
        "snapshot": snapshot,
        "coordinator": _coordinator(coordinator),
        "client": {
            "logins": client.login_count,
            "rate_limited_for_seconds": client.rate_limited_for,
            "certificate_fingerprint": client.certificate_fingerprint,
        },
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PowerwallGatewayConfigEntry
) -> dict[str, Any]:
    """The entry, the gateway's last answers and the coordinator's state, pseudonymised."""
    download = _download(entry)
    pseudonyms = pseudonyms_for(
        download,
        host=entry.data.get(CONF_HOST),
        addresses=await _resolved(hass, entry.data.get(CONF_HOST)),
        fingerprint=entry.data.get(CONF_CERTIFICATE_FINGERPRINT),
        din=entry.unique_id if is_din(entry.unique_id) else None,
        device_serials=_registry_serials(hass, entry),
        secrets=_secrets(entry),
        mac=entry.data.get(CONF_MAC),
    )
    # Megabytes of answers (a flooding gateway) take a while to go through:
    # not in the event loop. The payloads are never changed once decoded.
    anonymized: dict[str, Any] = await hass.async_add_executor_job(pseudonyms.anonymize, download)
    return anonymized
