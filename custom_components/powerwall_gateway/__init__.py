"""The Powerwall Gateway integration: a Tesla Backup Gateway's local API in Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import DOMAIN
from .coordinator import PowerwallCoordinator, PowerwallGatewayConfigEntry
from .devices import async_migrate_battery_identities, gateway_device_info
from .identity import async_connect_entry
from .outages import OutageTracker
from .repairs import async_certificate_trusted

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.EVENT, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: PowerwallGatewayConfigEntry) -> bool:
    """Set up a gateway: who it is, then one poll of it (only its live grid status must answer)."""
    client, info = await async_connect_entry(hass, entry)
    outages = OutageTracker(hass, entry.entry_id)
    await outages.async_load()
    # Home Assistant does not unload entries when it stops: the outage history
    # (and when the grid was last seen) is written at its final write.
    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, outages.save_at_stop))
    entry.async_on_unload(outages.async_save)
    coordinator = PowerwallCoordinator(hass, entry, client, info, outages)
    # The live grid status is what makes the entry useful: only its failure fails setup.
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    # Registered before the platforms: every battery device links to it.
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **gateway_device_info(entry, coordinator.gateway_id, info)
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: PowerwallGatewayConfigEntry) -> bool:
    """Bring an entry of an earlier release up to date, in place.

    Home Assistant itself refuses an entry of a newer major version; a newer
    minor version is compatible and left as it is.
    """
    if entry.minor_version < 2:
        async_migrate_battery_identities(hass, entry)
        hass.config_entries.async_update_entry(entry, minor_version=2)
    if entry.minor_version < 3:
        # The last outage's duration in seconds (whole minutes read 50 s as "1m").
        registry = er.async_get(hass)
        unique_id = f"{entry.unique_id or entry.entry_id}_last_outage_duration"
        if entity_id := registry.async_get_entity_id(Platform.SENSOR, DOMAIN, unique_id):
            registry.async_update_entity_options(
                entity_id, "sensor.private", {"suggested_unit_of_measurement": UnitOfTime.SECONDS}
            )
        hass.config_entries.async_update_entry(entry, minor_version=3)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PowerwallGatewayConfigEntry) -> bool:
    """Unload a gateway."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: PowerwallGatewayConfigEntry) -> None:
    """Forget a removed gateway's outage history and its certificate issue."""
    async_certificate_trusted(hass, entry.entry_id)
    await OutageTracker(hass, entry.entry_id).async_remove()


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
    powerwalls = coordinator.data.powerwalls
    listed = {coordinator.battery_id(b) for b in powerwalls.powerwalls} if powerwalls else set()
    return not identifiers & listed
