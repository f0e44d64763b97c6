"""Reliability of a probability: does "0.7" mean seven in ten?

Used by ``benchmarks.quality compliance`` for the gate's learned layer, so the threshold in the
settings can be read as a probability of a violation rather than as a tuning knob.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    n: int
    mean_probability: float
    observed_rate: float


def reliability(probabilities: Sequence[float], outcomes: Sequence[bool], bins: int = 5) -> list[Bin]:
    """Equal-width bins over [0, 1] with the mean predicted probability and the observed rate of
    positives in each; empty bins are left out."""
    if len(probabilities) != len(outcomes):
        raise ValueError("one outcome per probability")
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for p, y in zip(probabilities, outcomes, strict=True):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"probability out of range: {p}")
        grouped[min(int(p * bins), bins - 1)].append((p, y))
    return [Bin(i / bins, (i + 1) / bins, len(g), sum(p for p, _ in g) / len(g), sum(y for _, y in g) / len(g))
            for i, g in enumerate(grouped) if g]


def expected_calibration_error(probabilities: Sequence[float], outcomes: Sequence[bool], bins: int = 5) -> float:
    """Mean |predicted − observed| over the bins, weighted by how many predictions fall in each."""
    table = reliability(probabilities, outcomes, bins)
    total = sum(b.n for b in table)
    return sum(b.n * abs(b.mean_probability - b.observed_rate) for b in table) / total if total else 0.0


def brier(probabilities: Sequence[float], outcomes: Sequence[bool]) -> float:
    """Mean squared error of the probabilities against the 0/1 outcomes."""
    if not probabilities:
        return 0.0
    return sum((p - y) ** 2 for p, y in zip(probabilities, outcomes, strict=True)) / len(probabilities)
