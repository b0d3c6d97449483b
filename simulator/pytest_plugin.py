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
from .tls import generate_certificate

type SimulatorFactory = Callable[..., Awaitable[GatewaySimulator]]


def pytest_configure(config: pytest.Config) -> None:
    """Make one certificate before any test freezes the clock.

    cryptography remembers the datetime class it first meets. Were that a test's
    frozen one, certificates made later under the real clock would be refused.
    """
    generate_certificate()


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
