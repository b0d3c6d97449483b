"""A simulated day against the simulator: budgets kept, memory flat, no spurious gaps.

24 hours on an accelerated clock at the default options, with the faults of a
real day: the gateway's daily session expiry and a few extra ones, a firmware
update, a rate-limit storm (something else hammering the gateway, a session
expiry in the middle of it), another device answering in the gateway's place
with another certificate for ten minutes (nothing may reach it; the gateway
then comes back, its sessions lost with its restart), and a grid outage. The
clock moves in steps of the grid interval and Home Assistant's own timers fire
the polls.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
import gc
import math
from pathlib import Path
import tracemalloc

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.powerwall_gateway.const import (
    DEFAULT_GRID_INTERVAL,
    DEFAULT_POWERWALLS_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
)
from simulator import GatewaySimulator, RateLimit
from simulator.app import DEFAULT_ENDPOINT_LIMIT, DEFAULT_LOGIN_LIMIT
from simulator.pytest_plugin import SimulatorFactory

from .conftest import simulator_entry
from .test_certificates import certificate_files, replace

GRID_CONNECTED = "binary_sensor.backup_gateway_grid_connected"
LOGIN = "/api/login/Basic"
HOUR = 3600
DAY = 24 * HOUR
STEP = DEFAULT_GRID_INTERVAL
RETRY_AFTER = 60  # what the gateway's 429 answers ask for during the storm
# Login cooldown after a rate-limited login (README: 5 minutes).
LOGIN_COOLDOWN = 300

# The day's plan, in seconds after setup. The setup's session is SESSION_AGE old
# when the day starts, so its daily expiry falls 4 hours in.
SESSION_AGE = 20 * HOUR
UPDATE_AT, UPDATE_FOR = 9 * HOUR, 20 * 60
STORM_AT, STORM_FOR = 12 * HOUR, 15 * 60
EXTRA_EXPIRIES = (STORM_AT + 5 * 60, 18 * HOUR, 20 * HOUR)
IMPOSTOR_AT, IMPOSTOR_FOR = 13 * HOUR + 30 * 60, 10 * 60
OUTAGE_AT, OUTAGE_FOR, RECONNECT_FOR = 15 * HOUR, 20 * 60, 5 * 60
NORMAL_AT = (OUTAGE_AT + 2 * HOUR,)
END = DAY
# Memory is traced from TRACE_FROM (tracing doubles the cost of a poll), before
# every fault, and sampled every MEMORY_EVERY.
TRACE_FROM = 8 * HOUR
MEMORY_EVERY = 2 * HOUR
QUIET_FROM = 16 * HOUR  # every fault is over
# Memory may grow once over the day by what its faults leave for good: an idle
# pooled TLS connection (128 KiB of buffers each), the outage remembered,
# log-once records, and after the impostor the coordinator's failing reads
# (with their tracebacks) and new TLS state:
# under 1 MiB when this test runs alone, 1.8 MB in a full run. The quiet window
# below is what would catch a leak.
MEMORY_ONE_OFF_BOUND = 4 * 1024 * 1024
# Once the faults are over it stays flat: 4,000 polls in those 8 hours, so a leak
# of a few dozen bytes a poll is caught.
MEMORY_QUIET_BOUND = 64 * 1024
# What the test harness itself keeps (patched timers, freezegun, captured log
# records) and what the simulator (the gateway) holds are not Home Assistant's.
NOT_HOME_ASSISTANT = (
    "*/simulator/*",
    "*/unittest/mock.py",
    "*/freezegun/*",
    "*/pytest_homeassistant_custom_component/*",
    "*/_pytest/*",
    "*/logging/__init__.py",
    tracemalloc.__file__,
)


@dataclass
class Day:
    """What the day cost, and what *Grid connected* showed."""

    requests: Counter[str]
    successful_logins: int
    login_attempts: int
    history: list[tuple[datetime, str]]
    memory: list[int]
    impostor_requests: int


def held_memory() -> int:
    """Bytes traced now that Home Assistant holds (see NOT_HOME_ASSISTANT)."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, pattern) for pattern in NOT_HOME_ASSISTANT]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


def unavailable_spans(history: list[tuple[datetime, str]]) -> list[tuple[datetime, datetime]]:
    """The spans during which the entity was unavailable."""
    spans = []
    started: datetime | None = None
    for at, state in history:
        if state == STATE_UNAVAILABLE and started is None:
            started = at
        elif state != STATE_UNAVAILABLE and started is not None:
            spans.append((started, at))
            started = None
    if started is not None:
        spans.append((started, dt_util.utcnow()))
    return spans


async def live_a_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: GatewaySimulator,
    factory: SimulatorFactory,
    folder: Path,
) -> Day:
    """Walk the day's plan; tally the requests hour by hour (the log is cleared)."""
    requests: Counter[str] = Counter()
    successful_logins = login_attempts = 0
    history: list[tuple[datetime, str]] = []
    memory: list[int] = []
    impostor: GatewaySimulator | None = None
    gateway = certificate_files(sim, folder)

    @callback
    def _written(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] == GRID_CONNECTED and (new := event.data["new_state"]):
            history.append((event.time_fired, new.state))

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, _written)

    def tally() -> None:
        nonlocal successful_logins, login_attempts
        requests.update(recorded.path for recorded in sim.requests)
        successful_logins += sim.count(LOGIN, method="POST", status=200)
        login_attempts += sim.logins
        sim.clear_requests()

    sim.clear_requests()
    for elapsed in range(STEP, END + STEP, STEP):
        freezer.tick(timedelta(seconds=STEP))
        sim.advance(STEP)
        # Faults start and end on the simulator before the polls of that moment.
        if elapsed in EXTRA_EXPIRIES:
            sim.expire_sessions()
        if elapsed == UPDATE_AT:
            sim.set_scenario("update", duration=UPDATE_FOR)
        if elapsed == STORM_AT:
            sim.endpoint_limit = sim.login_limit = RateLimit(0, RETRY_AFTER)
        if elapsed == STORM_AT + STORM_FOR:
            sim.endpoint_limit, sim.login_limit = DEFAULT_ENDPOINT_LIMIT, DEFAULT_LOGIN_LIMIT
        if elapsed == OUTAGE_AT:
            sim.set_scenario("grid_outage", outage=OUTAGE_FOR, reconnect=RECONNECT_FOR)
        if elapsed in NORMAL_AT:
            sim.set_scenario("normal")
        if elapsed == IMPOSTOR_AT:
            tally()
            impostor = await replace(factory, sim)
        if elapsed == IMPOSTOR_AT + IMPOSTOR_FOR:
            assert impostor is not None
            sim = await replace(factory, impostor, **gateway)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        if elapsed % HOUR == 0:
            tally()
        if elapsed == TRACE_FROM:
            tracemalloc.start()
        elif elapsed > TRACE_FROM and elapsed % MEMORY_EVERY == 0:
            memory.append(held_memory())
    tally()
    tracemalloc.stop()
    unsubscribe()
    assert impostor is not None
    return Day(requests, successful_logins, login_attempts, history, memory, len(impostor.requests))


async def test_a_day_keeps_to_the_budget_without_leaks_or_spurious_gaps(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    gateway_simulator_factory: SimulatorFactory,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    tmp_path: Path,
) -> None:
    # asyncio's debug mode (the harness turns it on) records a stack per callback:
    # off, as in production, so that a day takes seconds rather than a minute.
    hass.loop.set_debug(False)
    sim = await gateway_simulator_factory(batteries=2, retry_after=RETRY_AFTER)
    entry = simulator_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    setup_at = dt_util.utcnow()
    assert sim.logins == 1
    sim.advance(SESSION_AGE)

    day = await live_a_day(hass, freezer, sim, gateway_simulator_factory, tmp_path)

    # Requests: the cadences of const.py, plus a battery read at every status poll
    # while the gateway is busy or off grid, and a few more around each event.
    seconds = END
    steady = seconds / DEFAULT_GRID_INTERVAL + seconds / DEFAULT_SCAN_INTERVAL
    steady += seconds / DEFAULT_POWERWALLS_INTERVAL
    busy = (UPDATE_FOR + OUTAGE_FOR + RECONNECT_FOR) / DEFAULT_SCAN_INTERVAL
    # The daily expiry, the extra ones, and the gateway's restart after the impostor.
    expiries = len(EXTRA_EXPIRIES) + 2
    # Per event: the reads a grid change triggers and the one after activity ends;
    # per expiry: each coordinator sends the refused request once more.
    budget = math.ceil(steady + busy + 4 * 3 + 3 * expiries)
    total = sum(day.requests.values())
    assert total <= budget, (total, budget, day.requests)
    # The storm silences the integration for its length; everything else polled on time
    # (and the impostor gets nothing: its requests are not the gateway's).
    polls = (seconds - STORM_FOR - RETRY_AFTER - IMPOSTOR_FOR) / DEFAULT_GRID_INTERVAL
    assert day.requests["/api/system_status/grid_status"] >= polls
    # One login per session the gateway ended, never more; while logins are rate
    # limited, one attempt per login cooldown at most.
    assert day.successful_logins == expiries, day
    assert day.login_attempts <= expiries + math.ceil(STORM_FOR / LOGIN_COOLDOWN)

    # Grid connected was unavailable only inside the storm (held for STALE_AFTER,
    # then unavailable until the gateway's Retry-After has passed after it); the
    # outage shows as off, the update and the session expiries not at all.
    storm_start = setup_at + timedelta(seconds=STORM_AT)
    storm_end = storm_start + timedelta(seconds=STORM_FOR + RETRY_AFTER + 2 * STEP)
    impostor_start = setup_at + timedelta(seconds=IMPOSTOR_AT)
    impostor_end = impostor_start + timedelta(seconds=IMPOSTOR_FOR + 2 * STEP)
    spans = unavailable_spans(day.history)
    assert len(spans) == 2, spans
    (storm_gap_start, storm_gap_end), (impostor_gap_start, impostor_gap_end) = spans
    assert storm_start <= storm_gap_start, spans
    assert storm_gap_end <= storm_end, spans
    # The impostor: unavailable at its first poll, back at the gateway's; it got nothing.
    assert impostor_start <= impostor_gap_start, spans
    assert impostor_gap_end <= impostor_end, spans
    assert day.impostor_requests == 0
    states = [state for _, state in day.history]
    assert "off" in states
    assert states[-1] == "on"

    # Everything recovered, and the update's new firmware is on the gateway device.
    for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id):
        if entity.disabled_by is None:
            state = hass.states.get(entity.entity_id)
            assert state is not None
            assert state.state != STATE_UNAVAILABLE, entity.entity_id
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, entry.unique_id), entry.entry_id
    )
    assert gateway is not None
    assert gateway.sw_version == "24.44.1"

    # Memory: a bounded step over the day, then flat once the faults are over.
    assert len(day.memory) == (END - TRACE_FROM) // MEMORY_EVERY
    assert max(day.memory) - day.memory[0] <= MEMORY_ONE_OFF_BOUND, day.memory
    quiet = day.memory[(QUIET_FROM - TRACE_FROM) // MEMORY_EVERY - 1 :]
    assert max(quiet) - quiet[0] <= MEMORY_QUIET_BOUND, day.memory

    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
