"""Replay: finding gateway answers in recorded files and diagnostics downloads.

The ``replay`` and ``diagnostics`` scenarios (:mod:`simulator.scenarios`) serve
what these functions find: a ``/api/powerwalls`` or ``/api/powerwalls/status``
answer in a file, whole or nested, and the payloads a diagnostics download of
the integration keeps, by endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .endpoints import DATA_ENDPOINTS, Endpoint
from .payloads import Fleet


def find_powerwalls(data: Any) -> dict[str, Any] | None:
    """Find a ``/api/powerwalls`` answer in a file: the whole file or nested (diagnostics)."""
    if isinstance(data, dict):
        if isinstance(data.get("powerwalls"), list):
            return data
        for value in data.values():
            found = find_powerwalls(value)
            if found is not None:
                return found
    return None


def find_status(data: Any) -> Any:
    """Find a ``/api/powerwalls/status`` answer in a file: the whole file or nested."""
    pending = [data]
    while pending:
        item = pending.pop(0)
        if isinstance(item, dict):
            if "enumerating" in item and "powerwalls" not in item:
                return item
            pending.extend(item.values())
    return data


REPLAYABLE = DATA_ENDPOINTS | {Endpoint.STATUS}
"""The endpoints whose answers a diagnostics download can hold."""


def diagnostics_payloads(download: Any) -> dict[Endpoint, Any]:
    """Return the gateway answers a diagnostics download holds, by endpoint.

    Accepts the download as Home Assistant wraps it or its bare ``data``;
    ``payloads`` keys may be paths (``/api/powerwalls``) or paths without
    ``/api/`` (``powerwalls``). A ``null`` payload counts as missing; keys that
    are no endpoint of the simulator are ignored.
    """
    data = download.get("data") if isinstance(download, dict) else None
    if not (isinstance(data, dict) and "payloads" in data):
        data = download
    payloads = data.get("payloads") if isinstance(data, dict) else None
    if not isinstance(payloads, dict):
        raise ValueError(  # noqa: TRY004 - a wrong file, reported like unreadable JSON
            "not a diagnostics download of this integration: no 'payloads' "
            "(a download of an entry that failed to load has none)"
        )
    known = {endpoint.value: endpoint for endpoint in REPLAYABLE}
    found: dict[Endpoint, Any] = {}
    for key, payload in payloads.items():
        path = key if str(key).startswith("/") else f"/api/{key}"
        endpoint = known.get(path)
        if endpoint is not None and payload is not None:
            found[endpoint] = payload
    if not found:
        raise ValueError("the diagnostics download holds no gateway payload")
    return found


def string_field(payload: Any, key: str) -> str | None:
    """Return ``payload[key]`` if ``payload`` is an object and that is a non-empty string."""
    value = payload.get(key) if isinstance(payload, dict) else None
    return value if isinstance(value, str) and value else None


def adopt_batteries(fleet: Fleet, powerwalls: Any) -> None:
    """Make ``fleet`` the batteries listed in a replayed ``/api/powerwalls`` (if it lists any)."""
    batteries = powerwalls.get("powerwalls") if isinstance(powerwalls, dict) else None
    if isinstance(batteries, list):
        fleet.adopt(
            [
                serial
                for battery in batteries
                if (serial := string_field(battery, "PackageSerialNumber")) is not None
            ]
        )


def read_json(path: str) -> Any:
    """Return the decoded JSON of a file to replay; ``ValueError`` names the file."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot replay {path}: {err}") from err
