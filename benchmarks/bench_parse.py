"""How long parsing ``/api/powerwalls`` takes, next to decoding its JSON.

Payloads of 1, 4 and 12 batteries are built from the seed payload; then the
largest payload within the parser's bounds (32 batteries, each with two runs
of 64 checks) and a flood beyond them (1,000 batteries of 20 checks per run),
whose parse the bounds keep short. The parse column times
``Powerwalls.from_json`` on an already decoded payload, so the ratio says how
much the tolerant parser costs on top of ``json.loads``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
import sys
import timeit
from typing import Any

from custom_components.powerwall_gateway.api import (
    Powerwalls,
)
from custom_components.powerwall_gateway.api.models import (
    MAX_BATTERIES,
    MAX_CHECKS,
)

SEED = Path(__file__).parent.parent / "tests" / "fixtures" / "powerwalls.json"
# (batteries, checks per diagnostic run or None for the seed's own, label)
CASES: tuple[tuple[int, int | None, str], ...] = (
    (1, None, ""),
    (4, None, ""),
    (12, None, ""),
    (MAX_BATTERIES, MAX_CHECKS, "largest within bounds"),
    (1000, 20, "flood (compact JSON)"),
)
REPEATS = 7


def payload(batteries: int, checks: int | None = None) -> bytes:
    """Return the seed ``/api/powerwalls`` answer with ``batteries`` batteries, as bytes.

    With ``checks``, every diagnostic run (of the batteries and the synchronizer)
    has that many checks, copies of the seed's first one under new names.
    """
    seed: dict[str, Any] = json.loads(SEED.read_bytes())
    template = seed["powerwalls"][0]
    if checks is not None:
        for owner in (template, seed["sync"]):
            for key in ("commissioning_diagnostic", "update_diagnostic"):
                diagnostic = owner[key]
                first = diagnostic["checks"][0]
                diagnostic["checks"] = [
                    {**first, "name": f"{first['name']} {index}"} for index in range(checks)
                ]
    seed["powerwalls"] = []
    for index in range(batteries):
        battery = copy.deepcopy(template)
        battery["PackageSerialNumber"] = f"TG1{index:08d}V61"
        seed["powerwalls"].append(battery)
    if batteries > MAX_BATTERIES:
        # Compact, as a flood must be to fit under the client's 4 MB read cap.
        return json.dumps(seed, separators=(",", ":")).encode()
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
        f"{'batteries':>9} {'checks':>6} {'bytes':>8} {'json.loads µs':>14} {'parse µs':>9}"
        f" {'parse/json':>10}  kept\n"
    )
    for batteries, checks, label in CASES:
        raw = payload(batteries, checks)
        decoded = json.loads(raw)
        parsed = Powerwalls.from_json(decoded)
        assert len(parsed.powerwalls) == min(batteries, MAX_BATTERIES)
        loads = best_microseconds(lambda raw=raw: json.loads(raw))
        parse = best_microseconds(lambda decoded=decoded: Powerwalls.from_json(decoded))
        kept = f"{len(parsed.powerwalls)} batteries" + (" (truncated)" if parsed.truncated else "")
        out.write(
            f"{batteries:>9} {checks or '':>6} {len(raw):>8} {loads:>14.1f} {parse:>9.1f}"
            f" {parse / loads:>10.2f}  {kept} {label}\n"
        )


if __name__ == "__main__":
    main()
