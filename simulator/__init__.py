"""A Tesla Backup Gateway 2 simulator for tests and development.

Start it alone with ``scripts/simulator`` (see ``docs/simulator.md``) or in a
test with the ``gateway_simulator`` fixture of :mod:`simulator.pytest_plugin`.
"""

from .app import GatewaySimulator, RateLimit, RecordedRequest
from .scenarios import SCENARIOS

__all__ = ["SCENARIOS", "GatewaySimulator", "RateLimit", "RecordedRequest"]
