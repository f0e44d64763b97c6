"""Benchmarks: each prints a table with peers run side by side in the same script."""
