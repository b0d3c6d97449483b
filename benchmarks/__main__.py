"""Run every benchmark: ``python -m benchmarks``."""

from benchmarks import bench_bomb, bench_parse

bench_parse.main()
bench_bomb.main()
