"""The gateway's devices and entity keys, and removing what the gateway no longer reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_MAC
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.util import slugify

from .api import Battery, Diagnostic, GatewayInfo, Powerwalls, Sync
from .const import DOMAIN, LOGGER, MANUFACTURER, STALE_DEVICE_READS
from .identity import is_din, move_identities


@callback
def async_migrate_battery_identities(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Scope the battery devices and entities of an entry before 1.2 by its gateway.

    They were known by serial alone (``battery_<serial>``), so a second gateway
    seeing the same batteries got none; entity ids, history and automations stay.
    """
    gateway_id = entry.unique_id or entry.entry_id

    def scoped(ident: str) -> str:
        if ident == gateway_id or ident.startswith(f"{gateway_id}_"):
            return ident
        return f"{gateway_id}_{ident.removeprefix('battery_')}"

    move_identities(hass, entry, scoped)


def battery_id(serial: str, gateway_id: str) -> str:
    """A battery's device identifier and entities' unique-id prefix, scoped by its gateway."""
    return f"{gateway_id}_{serial}"


def gateway_device_info(entry: ConfigEntry, gateway_id: str, info: GatewayInfo) -> DeviceInfo:
    """The gateway device, by the entry's gateway id; named by its address without a DIN.

    So two gateways without one (Powerwall 3), and their statistics, are told apart.
    """
    mac = entry.data.get(CONF_MAC)
    host = entry.data[CONF_HOST]
    # A DIN is "<part number>--<serial number>" (1232100-00-E--TG123456789A4M).
    part_number, _, serial = (info.din or "").rpartition("--")
    return DeviceInfo(
        # Known through DHCP discovery; lets Home Assistant follow the gateway to a new address.
        connections={(CONNECTION_NETWORK_MAC, mac)} if mac else set(),
        identifiers={(DOMAIN, gateway_id)},
        manufacturer=MANUFACTURER,
        model="Backup Gateway",
        model_id=part_number or None,
        name="Backup Gateway" if info.din or is_din(gateway_id) else f"Backup Gateway {host}",
        serial_number=serial or None,
        sw_version=info.firmware_version,
        configuration_url=f"https://{host}/",
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


def _gone(reads: dict[str, int], missing: Iterable[str]) -> set[str]:
    """Count a read lacking ``missing`` (the rest reset); return what STALE_DEVICE_READS lacked."""
    counted = {key: reads.get(key, 0) + 1 for key in missing}
    gone = {key for key, count in counted.items() if count >= STALE_DEVICE_READS}
    reads.clear()
    reads.update((key, count) for key, count in counted.items() if key not in gone)
    return gone


# The diagnostic runs whose checks get a sensor each: the run's key, and how to
# find the run in a battery or in the synchronizer.
type DiagnosticOwner = Battery | Sync
type DiagnosticRun = Callable[[DiagnosticOwner], Diagnostic | None]
DIAGNOSTIC_RUNS: tuple[tuple[str, DiagnosticRun], ...] = (
    ("commissioning_diagnostic", lambda owner: owner.commissioning_diagnostic),
    ("update_diagnostic", lambda owner: owner.update_diagnostic),
)
CHECK_TRANSLATION_KEYS = frozenset(
    f"{prefix}{run_key}_check" for prefix in ("", "sync_") for run_key, _ in DIAGNOSTIC_RUNS
)


def check_keys(
    prefix: str, owner: DiagnosticOwner
) -> Iterator[tuple[str, str, DiagnosticRun, str]]:
    """``(key, run key, run, check name)`` per check; "Grid code" and "grid-code" share a key."""
    for run_key, run in DIAGNOSTIC_RUNS:
        if (diagnostic := run(owner)) is None:
            continue
        keys: set[str] = set()
        for check in diagnostic.checks:
            key = check_key(f"{prefix}{run_key}", check.name)
            if key not in keys:
                keys.add(key)
                yield key, f"{prefix}{run_key}", run, check.name


def check_key(run_key: str, name: str) -> str:
    """The key of a check's sensor; a check called "Progress" must not take the run's progress sensor's."""
    key = f"{run_key}_{slugify(name)}"
    return f"{key}_check" if key == f"{run_key}_progress" else key


class StaleEntries:
    """Remove the battery devices and check sensors the gateway no longer reports.

    What STALE_DEVICE_READS full reads in a row lack goes (a battery that left, a
    check firmware renamed); a read that proves nothing does not count, nor a
    battery or run absent altogether.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, gateway_id: str) -> None:
        """Watch the devices and check sensors of one entry."""
        self._hass, self._entry, self._gateway_id = hass, entry, gateway_id
        self._missing_devices: dict[str, int] = {}
        self._missing_checks: dict[str, int] = {}

    @callback
    def battery_list_read(self, powerwalls: Powerwalls, batteries: dict[str, Battery]) -> None:
        """Count one full read of the battery list; remove what was gone long enough."""
        if (
            not powerwalls.powerwalls
            or powerwalls.skipped_powerwalls
            or powerwalls.status.enumerating
        ):
            return  # empty, an entry garbled or dropped, or still enumerating: proves nothing
        self._prune_devices(batteries.keys())
        if not powerwalls.truncated:  # a list cut to the parse bounds proves nothing of checks
            owners: list[tuple[str, str, DiagnosticOwner]] = [
                (battery_id, "", battery) for battery_id, battery in batteries.items()
            ]
            if powerwalls.sync is not None:
                owners.append((self._gateway_id, "sync_", powerwalls.sync))
            self._prune_checks(owners)

    def _prune_devices(self, current: Iterable[str]) -> None:
        registry = dr.async_get(self._hass)
        present = set(current)
        missing: dict[str, dr.DeviceEntry] = {}
        for device in dr.async_entries_for_config_entry(registry, self._entry.entry_id):
            ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
            if ids and self._gateway_id not in ids and not ids & present:
                missing[device.id] = device
        for device_id in _gone(self._missing_devices, missing):
            LOGGER.info("Removing %s: the gateway no longer lists it", missing[device_id].name)
            registry.async_remove_device(device_id)

    def _prune_checks(self, owners: list[tuple[str, str, DiagnosticOwner]]) -> None:
        current: set[str] = set()
        runs: list[str] = []  # unique-id prefixes of the runs this read reports checks for
        for owner_id, prefix, owner in owners:
            current.update(f"{owner_id}_{key}" for key, *_ in check_keys(prefix, owner))
            runs += [
                f"{owner_id}_{prefix}{run_key}_"
                for run_key, run in DIAGNOSTIC_RUNS
                if (diagnostic := run(owner)) is not None and diagnostic.checks
            ]
        registry = er.async_get(self._hass)
        missing = {
            entry.unique_id: entry.entity_id
            for entry in er.async_entries_for_config_entry(registry, self._entry.entry_id)
            if entry.domain == "sensor"
            and entry.translation_key in CHECK_TRANSLATION_KEYS
            and entry.unique_id not in current
            and entry.unique_id.startswith(tuple(runs))
        }
        for uid in _gone(self._missing_checks, missing):
            LOGGER.info("Removing %s: the gateway no longer reports its check", missing[uid])
            registry.async_remove(missing[uid])
