"""The Powerwall Gateway integration: a Tesla Backup Gateway's local API in Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_EMAIL, CONF_HOST, CONF_PASSWORD, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir

from .const import CONF_SESSION, COOLDOWNS, DOMAIN, rate_limited_issue_id
from .coordinator import (
    PowerwallGatewayConfigEntry,
    PowerwallGatewayCoordinator,
    create_client,
)
from .entity import gateway_device_info

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: PowerwallGatewayConfigEntry) -> bool:
    """Set up a gateway: restore its session, read it once, then add its entities."""
    client = create_client(
        hass, entry.data[CONF_HOST], entry.data[CONF_PASSWORD], entry.data.get(CONF_EMAIL, "")
    )
    if session := entry.data.get(CONF_SESSION):
        client.restore_session(session)
    client.hold_off(hass.data.get(COOLDOWNS, {}).get(entry.entry_id, 0.0) - hass.loop.time())
    coordinator = PowerwallGatewayCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    # Registered first: every battery device links to it.
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **gateway_device_info(coordinator)
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Batteries removed while Home Assistant was not running.
    coordinator.remove_stale_devices(coordinator.data)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PowerwallGatewayConfigEntry) -> bool:
    """Unload a gateway; its repair issue goes with it (a new setup raises it again if due)."""
    ir.async_delete_issue(hass, DOMAIN, rate_limited_issue_id(entry.entry_id))
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PowerwallGatewayConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a battery device the gateway no longer lists."""
    identifiers = {ident for domain, ident in device.identifiers if domain == DOMAIN}
    if entry.unique_id in identifiers:
        return False
    if entry.state is not ConfigEntryState.LOADED:
        return True
    coordinator = entry.runtime_data
    if any(coordinator.data.battery(serial) for serial in identifiers):
        return False
    for serial in identifiers:
        coordinator.forget_battery(serial)
    return True
