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


class RememberingEmbedder:
    """An embedder that keeps the vectors of the last ``size`` texts it encoded, so the stage that
    computed an utterance's embedding can hand it on instead of the next stage computing it again.
    Small on purpose (a text repeated within the last few turns is served from it, little more), and
    for one thread: the stage's logic runs on one."""

    def __init__(self, inner: Embedder, size: int = 8) -> None:
        self.inner, self.size = inner, size
        self.name, self.dim = inner.name, inner.dim
        self._kept: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        missing = list(dict.fromkeys(t for t in texts if t not in self._kept))
        fresh = dict(zip(missing, self.inner.encode(missing), strict=True)) if missing else {}
        out = np.stack([fresh[t] if t in fresh else self._kept[t] for t in texts])
        for text in texts:  # the batch's texts become the newest, the oldest beyond ``size`` go
            self._kept[text] = fresh[text] if text in fresh else self._kept.pop(text)
        while len(self._kept) > self.size:
            del self._kept[next(iter(self._kept))]
        return out

    def remembered(self, text: str) -> np.ndarray | None:
        return self._kept.get(text)


def vector_bytes(vector: np.ndarray) -> bytes:
    """An embedding as it travels on an event: float32, little-endian, exact."""
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from(data: bytes | None, dim: int) -> np.ndarray | None:
    """The embedding an event carried, or None when it carried none of this dimension."""
    if not data or len(data) != 4 * dim:
        return None
    return np.frombuffer(data, dtype="<f4").astype(np.float32)
