"""Run every benchmark: ``python -m benchmarks``."""

from benchmarks.bench_parse import main

main()
