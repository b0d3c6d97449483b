"""Zip custom_components/powerwall_gateway the way HACS installs a release.

    python3 .github/scripts/release_zip.py --tag v0.2.0 OUTPUT_DIR

Writes OUTPUT_DIR/<hacs.json filename> with the integration's files at the
zip's root (HACS extracts the asset straight into
custom_components/powerwall_gateway/), leaving out Python caches. Refuses a
tag that is not the manifest's version, so a release never installs under a
version Home Assistant would show differently. Standard library only: it runs
on a bare CI runner.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
import zipfile

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / "powerwall_gateway"


def files() -> list[Path]:
    """The integration's files, relative to its folder, without caches."""
    return sorted(
        path.relative_to(INTEGRATION)
        for path in INTEGRATION.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def main(argv: list[str]) -> int:
    """Check the tag, write the zip, print its path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", required=True, help="the release tag, with or without a leading v")
    parser.add_argument("output", type=Path, help="folder to write the zip into")
    args = parser.parse_args(argv)

    version = json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))["version"]
    if args.tag.removeprefix("v") != version:
        print(f"release tag {args.tag} is not manifest.json's version {version}", file=sys.stderr)
        return 1
    filename = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))["filename"]
    target = args.output / filename
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative in files():
            archive.write(INTEGRATION / relative, relative.as_posix())
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
