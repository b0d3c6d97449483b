"""pytest fixtures that run the gateway simulator in the test's own event loop.

``gateway_simulator`` is a started simulator with default settings;
``gateway_simulator_factory`` starts simulators with any constructor
arguments. Both stop everything they started when the test ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from .app import GatewaySimulator

type SimulatorFactory = Callable[..., Awaitable[GatewaySimulator]]


@pytest.fixture
async def gateway_simulator_factory(socket_enabled: None) -> AsyncIterator[SimulatorFactory]:
    """Return ``async factory(**kwargs) -> started GatewaySimulator``.

    Requests pytest-socket's ``socket_enabled``: the simulator listens on a
    real socket (Home Assistant's test plugin still allows only 127.0.0.1).
    """
    started: list[GatewaySimulator] = []

    async def factory(**kwargs: Any) -> GatewaySimulator:
        sim = GatewaySimulator(**kwargs)
        await sim.start()
        started.append(sim)
        return sim

    yield factory
    for sim in reversed(started):
        await sim.stop()


@pytest.fixture
async def gateway_simulator(
    gateway_simulator_factory: SimulatorFactory,
) -> GatewaySimulator:
    """Return a started simulator with default settings (scenario ``normal``, 2 batteries)."""
    return await gateway_simulator_factory()
