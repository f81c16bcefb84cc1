"""Deliberate's benchmark harness: `python bench/run.py --help` (docs/benchmarks.md)."""
