"""How long parsing ``/api/powerwalls`` takes, next to decoding its JSON.

Payloads of 1, 4 and 12 batteries are built from the seed payload. The parse
column times ``Powerwalls.from_json`` on an already decoded payload, so the
ratio says how much the tolerant parser costs on top of ``json.loads``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
import sys
import timeit
from typing import Any

from custom_components.powerwall_gateway.api import Powerwalls

SEED = Path(__file__).parent.parent / "tests" / "fixtures" / "powerwalls.json"
BATTERY_COUNTS = (1, 4, 12)
REPEATS = 7


def payload(batteries: int) -> bytes:
    """Return the seed ``/api/powerwalls`` answer with ``batteries`` batteries, as bytes."""
    seed: dict[str, Any] = json.loads(SEED.read_bytes())
    template = seed["powerwalls"][0]
    seed["powerwalls"] = []
    for index in range(batteries):
        battery = copy.deepcopy(template)
        battery["PackageSerialNumber"] = f"TG1234567{89 - index:02d}V61"
        seed["powerwalls"].append(battery)
    return json.dumps(seed, indent=4).encode()


def best_microseconds(statement: Any) -> float:
    """Return the best time of one call of ``statement`` over ``REPEATS`` runs, in µs."""
    timer = timeit.Timer(statement)
    number, _ = timer.autorange()
    return min(timer.repeat(REPEATS, number)) / number * 1e6


def main() -> None:
    """Print the table."""
    out = sys.stdout
    out.write(
        f"{'batteries':>9} {'bytes':>7} {'json.loads µs':>14} {'parse µs':>9} {'parse/json':>10}\n"
    )
    for batteries in BATTERY_COUNTS:
        raw = payload(batteries)
        decoded = json.loads(raw)
        assert len(Powerwalls.from_json(decoded).powerwalls) == batteries
        loads = best_microseconds(lambda raw=raw: json.loads(raw))
        parse = best_microseconds(lambda decoded=decoded: Powerwalls.from_json(decoded))
        out.write(
            f"{batteries:>9} {len(raw):>7} {loads:>14.1f} {parse:>9.1f} {parse / loads:>10.2f}\n"
        )


if __name__ == "__main__":
    main()
