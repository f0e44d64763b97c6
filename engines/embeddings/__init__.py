"""Sentence embedders: one Protocol; weights ship in a registry package or sit in a local directory."""
from __future__ import annotations

from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...


def load_embedder(name: str = "use-multilingual") -> Embedder:
    if name == "use-multilingual":
        from engines.embeddings.use import UseMultilingual

        return UseMultilingual()
    raise ValueError(f"unknown embedder {name!r}; known: use-multilingual")
