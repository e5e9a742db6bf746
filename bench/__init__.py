"""Benchmarks: ``make bench`` (``python -m bench``) runs them and writes bench/results.json.

Each benchmark is a module with ``NAME`` and ``run(ctx: BenchContext) -> dict``. Figures are
medians of repeated runs and ratios measured in the same run against a baseline, because
the machine is shared and noisy: absolute seconds mean little, ratios travel.
"""
