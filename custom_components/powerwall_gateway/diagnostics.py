"""Diagnostics download: what a bug report needs, with no secret and no serial number."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_EMAIL, CONF_MAC, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_dumps
from homeassistant.util.json import json_loads

from .const import CONF_SESSION

if TYPE_CHECKING:
    from _typeshed import DataclassInstance
from .coordinator import PowerwallCoordinator, PowerwallGatewayConfigEntry

TO_REDACT = {
    CONF_PASSWORD,
    CONF_EMAIL,
    CONF_SESSION,
    CONF_MAC,
    "token",
    "AuthCookie",
    "UserRecord",
    "din",
    "gateway_din",
    "package_serial_number",
    "PackageSerialNumber",
    "serial_number",
    "unique_id",
    "title",
    # A DHCP-discovered entry's discovery keys hold its MAC address.
    "discovery_keys",
}


def _plain(model: DataclassInstance) -> Any:
    """A model as plain JSON types: tuples become lists, so redaction reaches inside them."""
    return json_loads(json_dumps(asdict(model)))


def _coordinator(coordinator: PowerwallCoordinator[Any]) -> dict[str, Any]:
    return {
        "last_update_success": coordinator.last_update_success,
        "last_exception": repr(coordinator.last_exception),
        "interval_seconds": coordinator.interval.total_seconds(),
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PowerwallGatewayConfigEntry
) -> dict[str, Any]:
    """The entry, the gateway's last answers and the coordinators' state, redacted."""
    if entry.state is not ConfigEntryState.LOADED:
        # A gateway that fails to set up is when a bug report needs this most.
        return async_redact_data(
            {"entry": entry.as_dict(), "state": entry.state.value, "reason": entry.reason},
            TO_REDACT,
        )
    runtime = entry.runtime_data
    client = runtime.gateway.client
    return async_redact_data(
        {
            "entry": entry.as_dict(),
            "gateway_info": _plain(runtime.gateway.info),
            "payloads": client.last_payloads,
            "grid": _plain(runtime.grid.data),
            "status": _plain(runtime.status.data),
            "batteries": _plain(powerwalls)
            if (powerwalls := runtime.batteries.data.powerwalls)
            else None,
            "coordinators": {
                "grid": _coordinator(runtime.grid),
                "status": _coordinator(runtime.status),
                "batteries": _coordinator(runtime.batteries),
            },
            "client": {
                "logins": client.login_count,
                "rate_limited_for_seconds": client.rate_limited_for,
                "certificate_fingerprint": client.certificate_fingerprint,
            },
        },
        TO_REDACT,
    )
