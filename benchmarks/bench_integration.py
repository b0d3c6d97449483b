"""What the integration costs the gateway and Home Assistant, measured in Home Assistant.

For 1, 4 and 12 batteries at the default options, :mod:`benchmarks.integration_run`
runs in Home Assistant's test harness (``pytest_homeassistant_custom_component``),
in a process of its own per battery count, against the gateway simulator over
real HTTPS on loopback, with an accelerated clock. The harness rather than a
``hass`` started in-process with a temporary configuration: its frozen clock
fires Home Assistant's own timers on demand, so the coordinator's real schedule
runs an hour in seconds and stays deterministic, and it is the set-up every test
of this repository already runs (loopback-only sockets, the simulator fixtures,
clean teardown). A real ``hass`` would need real time, or a patched event-loop
clock that nobody tests.

The results are printed as one table and written to ``docs/benchmarks.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from homeassistant import const as ha_const

ROOT = Path(__file__).parent.parent
RUN = "benchmarks/integration_run.py"
DOC = ROOT / "docs" / "benchmarks.md"
BATTERY_COUNTS = (1, 4, 12)
# Home Assistant's own powerwall integration, measured earlier side by side with
# this one against the simulator (issue 16): about 1,200 requests an hour.
CORE_POWERWALL_REQUESTS_PER_HOUR = 1200
RUN_TIMEOUT = 240.0
ENDPOINTS = (
    ("/api/system_status/grid_status", "grid_status"),
    ("/api/powerwalls/status", "powerwalls/status"),
    ("/api/powerwalls", "powerwalls"),
    ("/api/login/Basic", "login"),
)


def measure(batteries: int) -> dict[str, Any]:
    """Run the harness for one battery count; return what it wrote."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "result.json"
        env = {**os.environ, "BENCH_BATTERIES": str(batteries), "BENCH_OUTPUT": str(output)}
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "simulator.pytest_plugin",
            "-q",
            "--no-header",
            RUN,
        ]
        done = subprocess.run(  # noqa: S603  # our own interpreter and file
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        if done.returncode != 0 or not output.exists():
            sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
            raise SystemExit(f"the integration benchmark failed for {batteries} batteries")
        result: dict[str, Any] = json.loads(output.read_text())
        return result


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of ``values``, interpolated between the closest ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def requests_row(phase: dict[str, Any]) -> str:
    """Total requests an hour, then each endpoint's share."""
    counts = phase["requests"]
    parts = [f"{counts.get(path, 0)}" for path, _ in ENDPOINTS]
    return f"**{sum(counts.values())}** ({' + '.join(parts)})"


def kilobytes(value: float) -> str:
    """Bytes as kB (1,000 bytes)."""
    return f"{value / 1000:,.0f} kB"


def table(results: list[dict[str, Any]]) -> str:
    """The one table, Markdown, a column per battery count."""
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, value: Any) -> None:
        rows.append((label, [value(result) for result in results]))

    endpoints = " + ".join(label for _, label in ENDPOINTS)
    for phase, title in (
        ("steady", "steady state"),
        ("outage", "grid outage"),
        ("update", "firmware update"),
    ):
        row(
            f"Requests/h, {title} ({endpoints})",
            lambda r, p=phase: requests_row(r["phases"][p]),
        )
        row(f"Response bytes/h, {title}", lambda r, p=phase: kilobytes(r["phases"][p]["bytes"]))
        row(
            f"New TLS connections/h, {title}",
            lambda r, p=phase: f"{r['phases'][p]['tls_connections']}",
        )
    row(
        f"Steady requests/h vs core `powerwall` (~{CORE_POWERWALL_REQUESTS_PER_HOUR:,}/h,"
        " measured earlier); budget ≤ 50 %",
        lambda r: (
            f"{100 * sum(r['phases']['steady']['requests'].values()) / CORE_POWERWALL_REQUESTS_PER_HOUR:.0f} %"
        ),
    )
    row(
        "Logins per simulated day (sessions expire daily; setup's login not counted)",
        lambda r: f"{r['logins_per_day']}",
    )
    row(
        "Outage latency p50 / p95 (grid interval)",
        lambda r: (
            f"{statistics.median(r['latencies']):.1f} s / {percentile(r['latencies'], 0.95):.1f} s"
            f" ({r['intervals']['grid']} s, n={len(r['latencies'])})"
        ),
    )
    row(
        "State writes/h, unchanging gateway (target 0)",
        lambda r: f"{r['phases']['steady']['state_writes']}",
    )
    row(
        "State writes for one changed value (every battery's grid state)",
        lambda r: (
            f"{r['changed_value']['state_writes']} for {r['changed_value']['changed_values']}"
            + (" (exactly those)" if r["changed_value"]["exactly_those"] else " (**others too**)")
        ),
    )
    row(
        "State writes/h, outage / firmware update",
        lambda r: (
            f"{r['phases']['outage']['state_writes']} / {r['phases']['update']['state_writes']}"
        ),
    )
    row(
        "CPU per `/api/powerwalls` poll ÷ `json.loads`, unchanged / changed",
        lambda r: f"{r['cpu']['unchanged_ratio']:.0f}x / {r['cpu']['changed_ratio']:.0f}x",
    )
    row(
        "… in µs (payload; `json.loads`)",
        lambda r: (
            f"{r['cpu']['unchanged_us']:,.0f} / {r['cpu']['changed_us']:,.0f}"
            f" ({r['cpu']['payload_bytes'] / 1000:.1f} kB; {r['cpu']['json_loads_us']:.0f})"
        ),
    )
    row("Memory held by Home Assistant for the entry", lambda r: kilobytes(r["memory_bytes"]))
    header = [
        "",
        *(f"{r['batteries']} batter{'y' if r['batteries'] == 1 else 'ies'}" for r in results),
    ]
    lines = [
        "| " + " | ".join(header) + " |",
        "| --- |" + " ---: |" * len(results),
    ]
    lines += [f"| {label} | " + " | ".join(values) + " |" for label, values in rows]
    return "\n".join(lines)


def per_battery(results: list[dict[str, Any]]) -> float:
    """Memory held per battery: the difference between the most and fewest batteries."""
    first, last = results[0], results[-1]
    held = float(last["memory_bytes"] - first["memory_bytes"])
    return held / float(last["batteries"] - first["batteries"])


def machine() -> str:
    """CPU model and count, and the operating system."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def document(results: list[dict[str, Any]], summary: str, seconds: float) -> str:
    """``docs/benchmarks.md``."""
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""# Benchmarks

Written by `scripts/bench` (`python -m benchmarks integration`); do not edit by
hand, run it again.

- Date: {today}
- Machine: {machine()}
- Home Assistant {ha_const.__version__}, Python {platform.python_version()}
- Run time: {seconds:.0f} s

## The integration in Home Assistant

{summary}

### How it is measured

For 1, 4 and 12 batteries, at the default options (grid every
{results[0]["intervals"]["grid"]} s, flags every {results[0]["intervals"]["status"]} s,
batteries every {results[0]["intervals"]["powerwalls"]} s), `benchmarks/integration_run.py`
sets the integration up in Home Assistant's test harness
(`pytest-homeassistant-custom-component`, one process per battery count)
against the gateway simulator over real HTTPS on loopback. The clock is frozen
and moved on in steps of the grid interval; Home Assistant's own timers fire
the polls, so the schedule measured is the coordinator's own. The simulator's
clock is moved on with it. asyncio's debug mode, which the harness turns on,
is off, as in production.

- **Requests and bytes per hour**: the simulator's request log over one
  simulated hour of each kind: a healthy gateway (steady), the site off grid
  (`grid_outage`), a firmware update running (`update`). Bytes are the
  response bodies the gateway sent (no HTTP headers, no TLS). New TLS
  connections are the client's TLS handshakes in that hour (aiohttp keeps an
  idle connection for 15 s; polls due at the same moment each need one).
- **Logins per day**: the simulator's sessions last 24 hours; the day after
  setup is walked on (the part after the measured hours in steps of the
  battery interval) and every login is counted.
- **Outage latency**: {len(results[0]["latencies"])} outages; each starts at a
  random moment within the grid interval (the clock moves in 0.25 s steps
  meanwhile) and ends when *Grid connected* turns off in Home Assistant. Home
  Assistant spreads coordinator polls over 0.05-0.5 s of a second, and the
  harness fires timers up to 0.5 s early to match: figures are good to about
  half a second. Expect the mean near half the interval and p95 near the
  interval itself.
- **State writes**: `state_changed` events on the bus. "Unchanging": the steady
  hour. "One changed value": every battery's grid state changes
  (`Grid_Compliant` to `Grid_Uncompliant`); the writes until the next battery
  read are counted, and compared with exactly the grid compliance entities.
- **CPU per poll**: a poll that reads the grid status and the battery list,
  with the network send replaced by the gateway's bytes (thread CPU time, {results[0]["cpu"]["repeats"]}
  refreshes each): decoding, parsing, comparing with the last data, and, when
  a value changed, the entity updates and state writes. Divided by
  `json.loads` of the same bytes, timed in the same process.
- **Memory**: `tracemalloc` from before the entry is set up until after its
  first battery interval, after a garbage collection, leaving out what the
  simulator allocates. The total includes the code the setup imports (the
  integration, its platforms); per battery is the difference between 12 and 1
  batteries, divided by 11.

Home Assistant's own `powerwall` integration was measured earlier against the
same simulator at about {CORE_POWERWALL_REQUESTS_PER_HOUR:,} requests an hour
(issue 16); it is not run here.

## Reproduce

```
scripts/setup
scripts/bench integration   # this table only ({seconds:.0f} s on this machine)
scripts/bench               # and the parser and gzip-bomb micro-benchmarks
```
"""  # noqa: S608  # Markdown, not SQL


def main() -> None:
    """Measure each battery count, print the table, write ``docs/benchmarks.md``."""
    started = time.monotonic()
    results = []
    for batteries in BATTERY_COUNTS:
        sys.stdout.write(f"integration benchmark: {batteries} batteries ...\n")
        sys.stdout.flush()
        results.append(measure(batteries))
    memory = per_battery(results)
    summary = (
        table(results)
        + f"\n\nMemory held per battery: **{memory / 1000:.0f} kB**"
        + f" (({results[-1]['batteries']} - {results[0]['batteries']} batteries)"
        + f" ÷ {results[-1]['batteries'] - results[0]['batteries']})."
    )
    seconds = time.monotonic() - started
    sys.stdout.write(f"\n{summary}\n")
    DOC.write_text(document(results, summary, seconds))
    sys.stdout.write(f"\nwritten to {DOC.relative_to(ROOT)} in {seconds:.0f} s\n")
