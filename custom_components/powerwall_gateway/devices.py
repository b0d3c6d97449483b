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
    """Put the gateway into the identity of every battery device and entity of ``entry``.

    Releases before config entry version 1.2 identified a battery by its serial
    alone (``battery_<serial>`` when it equalled the gateway's), so a second
    gateway that sees the same batteries (home-assistant/core#100065) got none.
    Entity ids stay as they are, and with them history and automations.
    """
    gateway_id = entry.unique_id or entry.entry_id

    def scoped(ident: str) -> str:
        if ident == gateway_id or ident.startswith(f"{gateway_id}_"):
            return ident
        return f"{gateway_id}_{ident.removeprefix('battery_')}"

    move_identities(hass, entry, scoped)


def battery_id(serial: str, gateway_id: str) -> str:
    """The identifier of a battery's device, and the prefix of its entities' unique ids.

    Scoped by the gateway: two gateways that see the same batteries (a site
    with two Backup Gateways) each show them.
    """
    return f"{gateway_id}_{serial}"


def gateway_device_info(entry: ConfigEntry, gateway_id: str, info: GatewayInfo) -> DeviceInfo:
    """The gateway device, identified by the entry's gateway id (the DIN where it has one).

    A gateway known without a DIN (a Powerwall 3) is named with its address, so two
    of them, and their statistics, are told apart.
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
        name="Backup Gateway" if is_din(gateway_id) else f"Backup Gateway {host}",
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
    """``(key, run key, run, check name)`` of each check the owner's runs report.

    The key of a check's sensor is ``<prefix><run>_<slug of the check's name>``;
    two names that share a key ("Grid code", "grid-code") share one sensor, the
    first one's.
    """
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
    """Remove the devices of batteries, and the sensors of checks, the gateway no longer reports.

    What is missing from STALE_DEVICE_READS full reads in a row goes (a battery
    that left, a check that firmware renamed or dropped); a read that proves
    nothing (``proves_absence``, or a list cut to the parse bounds for checks)
    does not count, and neither does a battery or a run absent altogether.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, gateway_id: str) -> None:
        """Watch the devices and check sensors of one entry."""
        self._hass = hass
        self._entry = entry
        self._gateway_id = gateway_id
        self._missing_devices = MissingReads()
        self._missing_checks = MissingReads()

    @callback
    def battery_list_read(self, powerwalls: Powerwalls, batteries: dict[str, Battery]) -> None:
        """Count one full read of the battery list; remove what was gone long enough."""
        if not proves_absence(powerwalls):
            return
        self._prune_devices(batteries.keys())
        if not powerwalls.truncated:
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
        for device_id in self._missing_devices.gone(missing):
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
        for uid in self._missing_checks.gone(missing):
            LOGGER.info("Removing %s: the gateway no longer reports its check", missing[uid])
            registry.async_remove(missing[uid])
