"""Vector indexes: one Protocol; FAISS on CPU or GPU through one code path."""
from __future__ import annotations

from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    kind: str

    def upsert(self, ids: list[str], vectors: np.ndarray) -> None: ...

    def remove(self, ids: list[str]) -> None: ...

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[str, float]]]: ...

    def __len__(self) -> int: ...
