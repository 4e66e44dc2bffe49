"""Benchmarks run by ``make bench`` (never by the tests): ratios against same-run baselines."""
