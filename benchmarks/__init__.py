"""Benchmarks: `make bench` (python -m benchmarks) prints tables with medians, p95 and ratios."""
