"""Draw the integration's brand images into custom_components/powerwall_gateway/brand/.

Original artwork: a battery with a lightning bolt, flat colours on a
transparent background. Pure standard library (the shapes are signed distance
fields, anti-aliased analytically, written as PNG with zlib), so the output is
the same byte for byte on every run:

    scripts/run python scripts/make_brand.py          # write the images
    scripts/run python scripts/make_brand.py --check  # fail if they are out of date
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
import math
from pathlib import Path
import struct
import sys
import zlib

BRAND_DIR = Path(__file__).resolve().parent.parent / "custom_components/powerwall_gateway/brand"

type Colour = tuple[int, int, int]
type Distance = Callable[[float, float], float]

# The drawing lives in a unit square: x to the right, y down, (0.5, 0.5) the centre.
BODY_CENTRE = (0.5, 0.56)
BODY_HALF = (0.25, 0.37)
BODY_RADIUS = 0.085
STROKE = 0.055
# The cap reaches into the outline so that its lower corners disappear in it.
CAP_CENTRE = (0.5, 0.155)
CAP_HALF = (0.095, 0.045)
CAP_RADIUS = 0.025
GAP = 0.035  # between the outline and the charge inside it
BOLT = (
    (0.56, 0.30),
    (0.395, 0.595),
    (0.49, 0.595),
    (0.45, 0.825),
    (0.625, 0.515),
    (0.53, 0.515),
    (0.63, 0.30),
)


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours of one variant."""

    outline: Colour
    charge: Colour
    bolt: Colour


LIGHT = Palette(outline=(0x1F, 0x2A, 0x44), charge=(0x2E, 0xB8, 0x72), bolt=(0xFF, 0xFF, 0xFF))
# On a dark background the outline turns light; charge and bolt stay recognisable.
DARK = Palette(outline=(0xE8, 0xEE, 0xF6), charge=(0x3C, 0xCF, 0x85), bolt=(0x14, 0x1C, 0x2E))


def rounded_box(centre: tuple[float, float], half: tuple[float, float], radius: float) -> Distance:
    """Signed distance to a rectangle with rounded corners (negative inside)."""
    cx, cy = centre
    hx, hy = half[0] - radius, half[1] - radius

    def distance(x: float, y: float) -> float:
        qx = abs(x - cx) - hx
        qy = abs(y - cy) - hy
        outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
        return outside + min(max(qx, qy), 0.0) - radius

    return distance


def polygon(points: Sequence[tuple[float, float]]) -> Distance:
    """Signed distance to a simple polygon (negative inside)."""

    def distance(x: float, y: float) -> float:
        best = math.inf
        inside = False
        count = len(points)
        for i in range(count):
            ax, ay = points[i]
            bx, by = points[i - 1]
            ex, ey = bx - ax, by - ay
            wx, wy = x - ax, y - ay
            t = min(max((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0), 1.0)
            best = min(best, math.hypot(wx - ex * t, wy - ey * t))
            if (ay > y) != (by > y) and x < ax + (y - ay) * ex / ey:
                inside = not inside
        return -best if inside else best

    return distance


def ring(shape: Distance, width: float) -> Distance:
    """The outline of a shape, ``width`` wide, centred on its edge."""
    return lambda x, y: abs(shape(x, y)) - width / 2


def layers(palette: Palette) -> list[tuple[Distance, Colour]]:
    """The shapes of the icon, back to front."""
    body = rounded_box(BODY_CENTRE, BODY_HALF, BODY_RADIUS)
    inset = STROKE / 2 + GAP
    charge = rounded_box(
        BODY_CENTRE,
        (BODY_HALF[0] - inset, BODY_HALF[1] - inset),
        BODY_RADIUS - inset / 2,
    )
    return [
        (ring(body, STROKE), palette.outline),
        (rounded_box(CAP_CENTRE, CAP_HALF, CAP_RADIUS), palette.outline),
        (charge, palette.charge),
        (polygon(BOLT), palette.bolt),
    ]


def render(size: int, palette: Palette) -> bytes:
    """Raw RGBA rows of the icon, ``size`` pixels square, each row led by filter byte 0."""
    shapes = layers(palette)
    pixel = 1.0 / size
    rows = bytearray()
    for py in range(size):
        rows.append(0)
        y = (py + 0.5) * pixel
        for px in range(size):
            x = (px + 0.5) * pixel
            # Premultiplied "over" compositing; coverage from the distance to the edge.
            red = green = blue = alpha = 0.0
            for shape, (r, g, b) in shapes:
                coverage = min(max(0.5 - shape(x, y) / pixel, 0.0), 1.0)
                if coverage == 0.0:
                    continue
                keep = 1.0 - coverage
                red = r * coverage + red * keep
                green = g * coverage + green * keep
                blue = b * coverage + blue * keep
                alpha = coverage + alpha * keep
            if alpha == 0.0:
                rows += b"\0\0\0\0"
            else:
                rows += bytes(
                    (
                        round(red / alpha),
                        round(green / alpha),
                        round(blue / alpha),
                        round(alpha * 255),
                    )
                )
    return bytes(rows)


def png(width: int, height: int, rows: bytes) -> bytes:
    """An 8-bit RGBA PNG of already-filtered rows."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def images() -> dict[str, bytes]:
    """Every brand file: the icons only.

    The logo would be the same square picture, and Home Assistant serves the
    icon wherever a logo is missing (``logo.png`` -> ``icon.png``,
    ``dark_logo.png`` -> ``dark_icon.png``; see ``IMAGE_FALLBACKS`` in its
    ``brands`` integration), so shipping copies would only add bytes.
    """
    return {
        f"{prefix}icon{suffix}.png": png(size, size, render(size, palette))
        for prefix, palette in (("", LIGHT), ("dark_", DARK))
        for suffix, size in (("", 256), ("@2x", 512))
    }


def main() -> int:
    """Write the images and remove unknown ones, or with --check report the differences."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args()
    expected = images()
    stale = []
    for name, data in expected.items():
        path = BRAND_DIR / name
        if path.exists() and path.read_bytes() == data:
            continue
        stale.append(name)
        if not args.check:
            BRAND_DIR.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {path.relative_to(BRAND_DIR.parents[2])} ({len(data)} bytes)")
    # Images this script no longer draws (the logos of older versions) go too.
    for path in sorted(BRAND_DIR.glob("*.png")):
        if path.name not in expected:
            stale.append(path.name)
            if not args.check:
                path.unlink()
                print(f"removed {path.relative_to(BRAND_DIR.parents[2])}")
    if args.check and stale:
        print("out of date:", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
