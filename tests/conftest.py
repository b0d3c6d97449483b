"""Shared test set-up.

HACS installs only ``custom_components/powerwall_gateway/``, so the repository
ships no ``custom_components/__init__.py``: its ``custom_components`` folder is
a namespace package. The Home Assistant test plugin's ``hass`` fixture later
puts its own test configuration folder first on ``sys.path``, and that folder
holds a regular ``custom_components`` package which would shadow this one
("Integration 'powerwall_gateway' not found"). Importing the name here, before
any fixture runs, binds it to this repository's folder for the whole session;
the assertion says so at once if that ever stops being true.
"""

from pathlib import Path

import freezegun

import custom_components

REPOSITORY_COMPONENTS = Path(__file__).resolve().parent.parent / "custom_components"
assert [Path(path).resolve() for path in custom_components.__path__] == [REPOSITORY_COMPONENTS], (
    f"custom_components is imported from {list(custom_components.__path__)}, "
    f"not from {REPOSITORY_COMPONENTS}"
)

# The simulator stands for the gateway: it keeps real time even while a test
# moves Home Assistant's clock with freezegun. Tests move the simulator's own
# clock with GatewaySimulator.advance().
freezegun.configure(extend_ignore_list=["simulator"])

pytest_plugins = ["simulator.pytest_plugin"]
