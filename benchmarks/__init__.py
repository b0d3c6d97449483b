"""Micro-benchmarks of the gateway client (``scripts/bench``)."""
