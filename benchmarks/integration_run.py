"""One run of the integration benchmark inside Home Assistant's test harness.

Started by :mod:`benchmarks.bench_integration` as ``pytest benchmarks/integration_run.py``
in a process of its own per battery count (``BENCH_BATTERIES``), so that the memory
each count holds is measured from the same starting point. It writes what it
measured as JSON to ``BENCH_OUTPUT``.

The harness is the one the tests use: a real ``HomeAssistant`` with the
integration set up from a config entry, the gateway simulator over real HTTPS on
loopback, and a frozen clock moved on by ``freezer``. Home Assistant's own timers
fire the polls (``async_fire_time_changed``), so the cadence measured is the one
the coordinator schedules, an hour of it in a second or two.
"""

from __future__ import annotations

import asyncio.sslproto
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
import gc
import json
import os
from pathlib import Path
import random
import time
import tracemalloc
from typing import Any
from unittest.mock import patch

import freezegun
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_EMAIL, CONF_HOST, CONF_PASSWORD, EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.util import dt as dt_util
from multidict import CIMultiDict, CIMultiDictProxy
import pytest
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
)

import custom_components  # noqa: F401  # before the harness's own custom_components
from custom_components.powerwall_gateway.api.client import _Answer
from custom_components.powerwall_gateway.const import (
    DEFAULT_GRID_INTERVAL,
    DEFAULT_POWERWALLS_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
)
from custom_components.powerwall_gateway.coordinator import PowerwallCoordinator
from simulator import GatewaySimulator
from simulator.pytest_plugin import SimulatorFactory

# The simulator keeps its own clock, moved on with the frozen one (see step()).
freezegun.configure(extend_ignore_list=["simulator"])

GRID_CONNECTED = "binary_sensor.backup_gateway_grid_connected"
HOUR = 3600
OUTAGES = 40
STEP = 0.25  # seconds: how finely the clock moves while an outage is being waited for
CPU_REPEATS = 200
LOGIN = "/api/login/Basic"


@dataclass
class Phase:
    """What an hour of one kind cost the gateway."""

    requests: dict[str, int]
    bytes: int
    logins: int
    state_writes: int
    tls_connections: int


@dataclass
class Result:
    """Everything one battery count measured; written as JSON."""

    batteries: int
    intervals: dict[str, int]
    phases: dict[str, Phase] = field(default_factory=dict)
    logins_per_day: int = 0
    day_hours: float = 0.0
    changed_value: dict[str, Any] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    memory_bytes: int = 0


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components."""


class Bench:
    """The simulator, Home Assistant, and the two clocks moved on together."""

    def __init__(
        self, hass: HomeAssistant, freezer: FrozenDateTimeFactory, sim: GatewaySimulator
    ) -> None:
        """Count every state write from now on."""
        self.hass = hass
        self.freezer = freezer
        self.sim = sim
        self.writes: list[Event[EventStateChangedData]] = []
        self._logins_cleared = 0

        @callback
        def _written(event: Event[EventStateChangedData]) -> None:
            self.writes.append(event)

        hass.bus.async_listen(EVENT_STATE_CHANGED, _written)

    async def step(self, seconds: float) -> None:
        """Move both clocks on and let Home Assistant run what is due, as ``poll`` does."""
        self.freezer.tick(timedelta(seconds=seconds))
        self.sim.advance(seconds)
        async_fire_time_changed(self.hass)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def run(self, seconds: float, step: float = DEFAULT_GRID_INTERVAL) -> None:
        """Let ``seconds`` pass, in steps of ``step``."""
        for _ in range(round(seconds / step)):
            await self.step(step)

    async def until(self, done: Callable[[], bool], step: float, limit: float) -> float:
        """Step until ``done()``; return the seconds it took (fails after ``limit``)."""
        start = dt_util.utcnow()
        for _ in range(round(limit / step)):
            await self.step(step)
            if done():
                return (dt_util.utcnow() - start).total_seconds()
        raise AssertionError(f"not done within {limit} s")

    async def measure(self, seconds: float = HOUR) -> Phase:
        """What ``seconds`` of polling cost, scaled to an hour."""
        self.clear_requests()
        self.writes.clear()
        handshakes: list[bool] = []
        start_handshake = asyncio.sslproto.SSLProtocol._start_handshake  # noqa: SLF001

        def counted(protocol: asyncio.sslproto.SSLProtocol) -> None:
            handshakes.append(protocol._server_side)  # noqa: SLF001
            start_handshake(protocol)

        # Every TLS connection opened (the simulator's log has requests, not connections).
        with patch.object(asyncio.sslproto.SSLProtocol, "_start_handshake", counted):
            await self.run(seconds)
        scale = HOUR / seconds
        log = self.sim.requests
        requests = Counter(recorded.path for recorded in log)
        return Phase(
            requests={path: round(count * scale) for path, count in sorted(requests.items())},
            bytes=round(sum(recorded.size for recorded in log) * scale),
            logins=round(self.sim.logins * scale),
            state_writes=round(len(self.writes) * scale),
            tls_connections=round(handshakes.count(False) * scale),
        )

    def clear_requests(self) -> None:
        """Forget the simulator's request log, but not how many logins it held."""
        self._logins_cleared += self.sim.logins
        self.sim.clear_requests()

    @property
    def logins(self) -> int:
        """Logins since the bench started counting."""
        return self._logins_cleared + self.sim.logins

    def grid_connected(self) -> str:
        """The state of *Grid connected*."""
        state = self.hass.states.get(GRID_CONNECTED)
        assert state is not None
        return state.state


def entry_for(sim: GatewaySimulator) -> MockConfigEntry:
    """A config entry at the defaults, pointing at the simulator."""
    assert sim.din is not None
    return MockConfigEntry(
        domain=DOMAIN,
        title="Backup Gateway",
        unique_id=sim.din.upper(),
        data={CONF_HOST: sim.host, CONF_PASSWORD: sim.password, CONF_EMAIL: ""},
    )


def held_memory() -> int:
    """Bytes traced now, leaving out what the simulator (the gateway, not Home Assistant) holds."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [
            tracemalloc.Filter(False, "*/simulator/*"),
            tracemalloc.Filter(False, tracemalloc.__file__),
        ]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


async def cpu_per_poll(hass: HomeAssistant, coordinator: PowerwallCoordinator) -> dict[str, float]:
    """Home Assistant's CPU time for one battery poll, next to ``json.loads`` of its bytes.

    The client's network send is replaced by the bytes the gateway answered, so
    what is timed is all on Home Assistant's side: decoding, parsing, comparing
    with the last data and, when a value changed, the entity updates and state
    writes. ``changed`` alternates two payloads that differ in every battery's
    grid state.
    """
    client = coordinator.client
    payload = client.last_payloads["/api/powerwalls"]
    grid_body = json.dumps(client.last_payloads["/api/system_status/grid_status"]).encode()
    flipped = json.loads(json.dumps(payload))
    for battery in flipped["powerwalls"]:
        battery["grid_state"] = "Grid_Qualifying"
    bodies = [json.dumps(payload).encode(), json.dumps(flipped).encode()]
    headers = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))
    current = [bodies[0]]

    async def send(_method: str, path: str, **__: Any) -> _Answer:
        body = grid_body if path.endswith("grid_status") else current[0]
        return _Answer(status=200, body=body, headers=headers, cookies={})

    def loads_time(body: bytes) -> float:
        start = time.thread_time()
        for _ in range(CPU_REPEATS):
            json.loads(body)
        return (time.thread_time() - start) / CPU_REPEATS

    async def poll_time(alternate: bool) -> float:
        total = 0.0
        for index in range(CPU_REPEATS):
            current[0] = bodies[index % 2 if alternate else 0]
            start = time.thread_time()
            coordinator.battery_reads.due_at = None  # the battery list is read at this poll
            await coordinator.async_refresh()
            await hass.async_block_till_done()
            total += time.thread_time() - start
        return total / CPU_REPEATS

    with patch.object(client, "_send", send):
        await poll_time(alternate=False)  # warm up
        unchanged = await poll_time(alternate=False)
        changed = await poll_time(alternate=True)
    current[0] = bodies[0]
    loads = loads_time(bodies[0])
    return {
        "payload_bytes": len(bodies[0]),
        "json_loads_us": loads * 1e6,
        "unchanged_us": unchanged * 1e6,
        "changed_us": changed * 1e6,
        "unchanged_ratio": unchanged / loads,
        "changed_ratio": changed / loads,
        "repeats": CPU_REPEATS,
    }


async def test_integration_benchmark(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    gateway_simulator_factory: SimulatorFactory,
) -> None:
    """Measure one battery count; see the module docstring."""
    # The harness runs the loop in asyncio's debug mode, which records a stack trace
    # for every callback and task; Home Assistant in production does not.
    hass.loop.set_debug(False)
    batteries = int(os.environ.get("BENCH_BATTERIES", "2"))
    rng = random.Random(16)  # noqa: S311  # reproducible phases, not secrets
    result = Result(
        batteries=batteries,
        intervals={
            "grid": DEFAULT_GRID_INTERVAL,
            "status": DEFAULT_SCAN_INTERVAL,
            "powerwalls": DEFAULT_POWERWALLS_INTERVAL,
        },
    )
    sim = await gateway_simulator_factory(batteries=batteries)
    tracemalloc.start()
    entry = entry_for(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await Bench(hass, freezer, sim).run(
        DEFAULT_POWERWALLS_INTERVAL
    )  # every coordinator has polled again
    result.memory_bytes = held_memory()
    tracemalloc.stop()
    sim.clear_requests()
    bench = Bench(hass, freezer, sim)
    day_started = dt_util.utcnow()

    result.phases["steady"] = await bench.measure()

    # One value changes: every battery's grid state, seen at the next battery read.
    bench.writes.clear()
    sim.set_scenario("normal", grid_state="Grid_Uncompliant")
    await bench.run(DEFAULT_POWERWALLS_INTERVAL)
    changed = sorted({event.data["entity_id"] for event in bench.writes})
    expected = sorted(
        f"sensor.powerwall_2_{serial.lower()}_grid_compliance" for serial in sim.serials
    )
    result.changed_value = {
        "changed_values": len(expected),
        "state_writes": len(bench.writes),
        "exactly_those": changed == expected,
        "entities": changed,
    }
    sim.set_scenario("normal")
    await bench.run(DEFAULT_POWERWALLS_INTERVAL)

    sim.set_scenario("grid_outage", outage=2 * HOUR, reconnect=60)
    result.phases["outage"] = await bench.measure()
    sim.set_scenario("normal")
    await bench.run(DEFAULT_POWERWALLS_INTERVAL)

    sim.set_scenario("update", duration=2 * HOUR)
    result.phases["update"] = await bench.measure()
    sim.set_scenario("normal")
    await bench.run(DEFAULT_POWERWALLS_INTERVAL)

    # Outage latency: the grid goes at a random phase of the grid interval.
    for _ in range(OUTAGES):
        await bench.step(rng.uniform(0, DEFAULT_GRID_INTERVAL))
        sim.set_scenario("grid_outage", outage=20, reconnect=10)
        result.latencies.append(
            await bench.until(lambda: bench.grid_connected() == "off", STEP, 60)
        )
        await bench.until(lambda: bench.grid_connected() == "on", 1, 120)
        sim.set_scenario("normal")
        await bench.run(2 * DEFAULT_SCAN_INTERVAL)

    # The rest of a day after setup, sessions lasting the simulator's 24 hours. Walked
    # in steps of the battery interval: fewer polls, but every session expiry is met
    # by a poll, and the logins are what is counted here.
    elapsed = (dt_util.utcnow() - day_started).total_seconds()
    await bench.run(25 * HOUR - elapsed, step=DEFAULT_POWERWALLS_INTERVAL)
    result.day_hours = (dt_util.utcnow() - day_started).total_seconds() / HOUR
    result.logins_per_day = bench.logins

    result.cpu = await cpu_per_poll(hass, entry.runtime_data)
    output = Path(os.environ.get("BENCH_OUTPUT", "bench-integration.json"))
    await hass.async_add_executor_job(output.write_text, json.dumps(asdict(result), indent=1))
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
