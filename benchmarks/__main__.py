"""Run the benchmarks: ``python -m benchmarks [parse] [bomb] [integration]`` (all by default)."""

import sys

from benchmarks import bench_bomb, bench_integration, bench_parse

BENCHMARKS = {
    "parse": bench_parse.main,
    "bomb": bench_bomb.main,
    "integration": bench_integration.main,
}

chosen = sys.argv[1:] or list(BENCHMARKS)
unknown = [name for name in chosen if name not in BENCHMARKS]
if unknown:
    raise SystemExit(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
for name in chosen:
    BENCHMARKS[name]()
