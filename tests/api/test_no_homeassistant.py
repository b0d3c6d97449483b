"""The api package stands alone: it never imports Home Assistant."""

from __future__ import annotations

import ast
from pathlib import Path
import subprocess
import sys

API = Path(__file__).parents[2] / "custom_components" / "powerwall_gateway" / "api"

# Loads the api folder as a top-level package, so the integration's own
# __init__ (which does import Home Assistant) stays out of the way.
BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "homeassistant" or name.startswith("homeassistant."):
            raise ImportError("the api package imported " + name)
        return None
sys.meta_path.insert(0, Block())
sys.path.insert(0, sys.argv[1])
import api
import api.pseudonyms
client = api.PowerwallClient("gw.local", "pw", session=None)
print(sorted(api.__all__) == sorted(set(api.__all__)), client.base_url)
"""


def test_api_modules_have_no_homeassistant_import() -> None:
    modules = sorted(API.glob("*.py"))
    assert {m.name for m in modules} >= {
        "__init__.py",
        "certificate.py",
        "client.py",
        "host.py",
        "models.py",
        "exceptions.py",
        "outages.py",
        "site.py",
        "pseudonyms.py",
    }
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text(), str(module))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            assert not any(n.split(".")[0] == "homeassistant" for n in names), module.name


def test_api_package_imports_without_homeassistant() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, str(API.parent)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "https://gw.local"]
