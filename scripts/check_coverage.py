"""Fail unless every module of the integration is covered to the quality scale's floor.

Home Assistant's quality scale asks for more than 95 % test coverage in every
module, not just overall; coverage.py's ``fail_under`` only checks the total.
Reads the ``.coverage`` data that ``scripts/test`` just wrote.
"""

from __future__ import annotations

import json
import sys
import tempfile

import coverage

PACKAGE = "custom_components/powerwall_gateway/"
FLOOR = 95.0


def main() -> int:
    """Print each module below the floor; exit 1 if there is one."""
    cov = coverage.Coverage()
    cov.load()
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        cov.json_report(outfile=report.name)
        files = json.load(report)["files"]
    low = {
        name: data["summary"]["percent_covered"]
        for name, data in files.items()
        if name.startswith(PACKAGE) and data["summary"]["percent_covered"] < FLOOR
    }
    for name, percent in sorted(low.items()):
        print(f"{name}: {percent:.1f} % covered, below {FLOOR:.0f} %")
    checked = sum(name.startswith(PACKAGE) for name in files)
    if not checked:
        print(f"No coverage data for {PACKAGE}")
        return 1
    if low:
        return 1
    print(f"==> {checked} integration modules, each covered at least {FLOOR:.0f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
