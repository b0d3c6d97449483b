"""Shared test set-up.

``custom_components`` is imported here, before the Home Assistant test plugin
puts its own test configuration folder first on ``sys.path``; otherwise that
folder's ``custom_components`` package would shadow this repository's.
"""

import freezegun

import custom_components  # noqa: F401

# The simulator stands for the gateway: it keeps real time even while a test
# moves Home Assistant's clock with freezegun. Tests move the simulator's own
# clock with GatewaySimulator.advance().
freezegun.configure(extend_ignore_list=["simulator"])

pytest_plugins = ["simulator.pytest_plugin"]
