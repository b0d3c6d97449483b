"""The gateway's devices: what each one is, and removing those of batteries that left."""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_MAC
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo

from .api import Battery, GatewayInfo, Powerwalls
from .const import DOMAIN, LOGGER, MANUFACTURER, STALE_DEVICE_READS


def is_din(unique_id: str | None) -> bool:
    """Whether a gateway identity is a DIN ("1232100-00-E--TG123456789A4M")."""
    return unique_id is not None and "--" in unique_id


@callback
def async_migrate_to_din(hass: HomeAssistant, entry: ConfigEntry, din: str) -> None:
    """Give an entry set up without a DIN the DIN its firmware now reports.

    The entry, the gateway device and the gateway's entities move to the new
    identity, so history and automations carry on.
    """
    old = entry.unique_id or entry.entry_id
    LOGGER.info("The gateway at %s now reports its DIN; moving its identity to it", entry.title)
    entities = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(entities, entry.entry_id):
        if entity.unique_id.startswith(f"{old}_"):
            entities.async_update_entity(
                entity.entity_id, new_unique_id=f"{din}_{entity.unique_id.removeprefix(f'{old}_')}"
            )
    devices = dr.async_get(hass)
    if device := devices.async_get_device_by_identifier((DOMAIN, old), entry.entry_id):
        devices.async_update_device(device.id, new_identifiers={(DOMAIN, din)})
    hass.config_entries.async_update_entry(entry, unique_id=din)


def battery_id(serial: str, gateway_id: str) -> str:
    """The identifier of a battery's device, and the prefix of its entities' unique ids.

    It is the serial number, unless that is also the gateway's identity (redacted
    payloads read ``**REDACTED**`` for both): then the battery's own prefix keeps
    its device and entities apart from the gateway's.
    """
    if serial.casefold() == gateway_id.casefold():
        return f"battery_{serial}"
    return serial


def gateway_device_info(entry: ConfigEntry, gateway_id: str, info: GatewayInfo) -> DeviceInfo:
    """The gateway device, identified by the entry's gateway id (the DIN where it has one)."""
    mac = entry.data.get(CONF_MAC)
    # A DIN is "<part number>--<serial number>" (1232100-00-E--TG123456789A4M).
    part_number, _, serial = (info.din or "").rpartition("--")
    return DeviceInfo(
        # Known through DHCP discovery; lets Home Assistant follow the gateway to a new address.
        connections={(CONNECTION_NETWORK_MAC, mac)} if mac else set(),
        identifiers={(DOMAIN, gateway_id)},
        manufacturer=MANUFACTURER,
        model="Backup Gateway",
        model_id=part_number or None,
        name="Backup Gateway",
        serial_number=serial or None,
        sw_version=info.firmware_version,
        configuration_url=f"https://{entry.data[CONF_HOST]}/",
    )


def battery_device_info(
    hass: HomeAssistant, entry: ConfigEntry, gateway_id: str, battery: Battery
) -> DeviceInfo:
    """A battery's device, linked to the gateway's."""
    serial = battery.package_serial_number
    return DeviceInfo(
        identifiers={(DOMAIN, battery_id(serial, gateway_id))},
        manufacturer=MANUFACTURER,
        model=battery.model,
        model_id=battery.package_part_number,
        name=f"{battery.model} {serial}",
        serial_number=serial,
        via_device_id=dr.async_get_device_id_by_identifier(
            hass, (DOMAIN, gateway_id), config_entry_id=entry.entry_id
        ),
    )


def proves_absence(powerwalls: Powerwalls) -> bool:
    """Whether a read of the battery list may count against what it does not list.

    An empty list, a list with a garbled or dropped entry, or a gateway that is
    still enumerating its batteries proves nothing.
    """
    return bool(
        powerwalls.powerwalls
        and not powerwalls.skipped_powerwalls
        and not powerwalls.status.enumerating
    )


class MissingReads:
    """Full reads in a row that lacked something; gone after STALE_DEVICE_READS of them."""

    def __init__(self) -> None:
        """Start with nothing missing."""
        self._reads: dict[str, int] = {}

    def gone(self, missing: Iterable[str]) -> set[str]:
        """Count one read that lacked ``missing``; return those now missing long enough.

        Whatever this read did not lack starts again from zero.
        """
        reads = {key: self._reads.get(key, 0) + 1 for key in missing}
        gone = {key for key, count in reads.items() if count >= STALE_DEVICE_READS}
        self._reads = {key: count for key, count in reads.items() if key not in gone}
        return gone


class StaleDevices:
    """Remove the devices of batteries missing from STALE_DEVICE_READS full reads in a row.

    Only reads that prove absence count (``proves_absence``).
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, gateway_id: str) -> None:
        """Watch the devices of one entry."""
        self._hass = hass
        self._entry = entry
        self._gateway_id = gateway_id
        self._missing = MissingReads()

    @callback
    def battery_list_read(self, powerwalls: Powerwalls) -> None:
        """Count one full read of the battery list; remove devices gone long enough."""
        if not proves_absence(powerwalls):
            return
        current = {
            battery_id(battery.package_serial_number, self._gateway_id)
            for battery in powerwalls.powerwalls
        }
        registry = dr.async_get(self._hass)
        missing: dict[str, dr.DeviceEntry] = {}
        for device in dr.async_entries_for_config_entry(registry, self._entry.entry_id):
            ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
            if ids and self._gateway_id not in ids and not ids & current:
                missing[device.id] = device
        for device_id in self._missing.gone(missing):
            LOGGER.info("Removing %s: the gateway no longer lists it", missing[device_id].name)
            registry.async_remove_device(device_id)


def gateway_unique_id(info: GatewayInfo, powerwalls: Powerwalls | None = None) -> str | None:
    """A gateway's identity: its DIN, else one derived from its batteries (older firmware).

    Every config flow step derives it here, so a gateway has one identity however
    it is added. Never derived from the password; the flow falls back to the
    address only for a gateway with neither a DIN nor batteries to go by.
    Without ``powerwalls`` (read only after a login) a gateway without a DIN has none yet.
    """
    unique_id = info.din or (powerwalls.gateway_id if powerwalls is not None else None)
    return unique_id.upper() if unique_id else None
