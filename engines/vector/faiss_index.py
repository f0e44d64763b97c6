"""FAISS index over L2-normalised vectors (inner product = cosine), type chosen by size.

Flat (exact) under ``LARGE_FROM`` vectors, IVF from there (at 120k vectors it matched Flat's top-5
in the benchmark where HNSW with efSearch 64 kept 80%), HNSW when asked. When FAISS sees a GPU
(faiss-gpu) Flat and IVF indexes move to it with ``index_cpu_to_gpu``; HNSW has no GPU form and
stays on the CPU. Updates and removals go through an id map; HNSW cannot delete, so removed ids
are tombstoned and filtered from results, and the index is rebuilt when tombstones pile up.

``search_threads`` caps FAISS's OpenMP threads for the duration of a search: a one-question search
gains nothing from a second thread, and waiting for one on a busy host costs milliseconds at p99.
"""
from __future__ import annotations

import numpy as np

LARGE_FROM = 20_000


def choose_kind(n: int) -> str:
    return "flat" if n < LARGE_FROM else "ivf"


class FaissIndex:
    def __init__(self, dim: int, kind: str = "flat", *, nlist: int = 256, hnsw_m: int = 32, use_gpu: bool | None = None,
                 search_threads: int | None = None) -> None:
        import faiss

        self.faiss = faiss
        self.dim = dim
        self.kind = kind
        self.nlist = nlist
        self.hnsw_m = hnsw_m
        self.use_gpu = faiss.get_num_gpus() > 0 if use_gpu is None else use_gpu
        self.search_threads = search_threads
        self._ids: dict[str, int] = {}
        self._names: dict[int, str] = {}
        self._vectors: dict[int, np.ndarray] = {}
        self._tombstones: set[int] = set()
        self._next = 0
        self._index = self._new_index()

    def _new_index(self):  # type: ignore[no-untyped-def]
        faiss = self.faiss
        if self.kind == "flat":
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        elif self.kind == "hnsw":
            graph = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            graph.hnsw.efSearch = 64
            graph.hnsw.efConstruction = 80
            index = faiss.IndexIDMap2(graph)
        elif self.kind == "ivf":
            quantizer = faiss.IndexFlatIP(self.dim)
            index = faiss.IndexIVFFlat(quantizer, self.dim, self.nlist, faiss.METRIC_INNER_PRODUCT)
            index.nprobe = 16
        else:
            raise ValueError(f"unknown index kind {self.kind!r}: flat | hnsw | ivf")
        if self.use_gpu and self.kind in ("flat", "ivf"):
            index = faiss.index_cpu_to_gpu(faiss.StandardGpuResources(), 0, index)
        return index

    def __len__(self) -> int:
        return len(self._ids)

    def train(self, sample: np.ndarray) -> None:
        """IVF needs its coarse centroids before the first add."""
        if self.kind == "ivf" and not self._index.is_trained:
            self._index.train(np.ascontiguousarray(sample, dtype=np.float32))

    def upsert(self, ids: list[str], vectors: np.ndarray) -> None:
        if not ids:
            return
        self.remove([i for i in ids if i in self._ids])
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        numbers = np.arange(self._next, self._next + len(ids), dtype=np.int64)
        self._next += len(ids)
        for name, number, vec in zip(ids, numbers, vectors, strict=True):
            self._ids[name] = int(number)
            self._names[int(number)] = name
            self._vectors[int(number)] = vec
        self.train(vectors)
        self._index.add_with_ids(vectors, numbers)

    def remove(self, ids: list[str]) -> None:
        numbers = [self._ids.pop(i) for i in ids if i in self._ids]
        if not numbers:
            return
        for n in numbers:
            self._names.pop(n, None)
            self._vectors.pop(n, None)
        if self.kind == "hnsw":
            self._tombstones.update(numbers)
            if len(self._tombstones) > max(1000, len(self._ids) // 5):
                self._rebuild()
        else:
            self._index.remove_ids(np.asarray(numbers, dtype=np.int64))

    def _rebuild(self) -> None:
        self._index = self._new_index()
        self._tombstones.clear()
        if self._vectors:
            numbers = np.fromiter(self._vectors, dtype=np.int64)
            vectors = np.stack([self._vectors[n] for n in numbers])
            self.train(vectors)
            self._index.add_with_ids(vectors, numbers)

    def numbers(self, ids: list[str]) -> np.ndarray:
        """The index's own numbers for ``ids`` (-1 for an unknown id), as ``search_numbers`` returns them."""
        return np.fromiter((self._ids.get(i, -1) for i in ids), dtype=np.int64, count=len(ids))

    def search_numbers(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and numbers of the ``k`` best vectors per query, best first, without building names:
        for callers that aggregate thousands of hits with array operations. Empty slots and removed
        vectors have number -1."""
        query = np.ascontiguousarray(vectors, dtype=np.float32)
        if not self._ids:
            return np.zeros((len(query), 0), dtype=np.float32), np.zeros((len(query), 0), dtype=np.int64)
        k = k + min(len(self._tombstones), 64)
        if self.search_threads is None:
            scores, numbers = self._index.search(query, k)
        else:
            threads = self.faiss.omp_get_max_threads()
            self.faiss.omp_set_num_threads(self.search_threads)
            try:
                scores, numbers = self._index.search(query, k)
            finally:
                self.faiss.omp_set_num_threads(threads)
        if self._tombstones:
            numbers[np.isin(numbers, np.fromiter(self._tombstones, dtype=np.int64))] = -1
        return scores, numbers

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        scores, numbers = self.search_numbers(vectors, k)
        if not self._ids:
            return [[] for _ in range(len(vectors))]
        out = []
        for row_scores, row_numbers in zip(scores, numbers, strict=True):
            row = [(self._names[int(n)], float(s)) for s, n in zip(row_scores, row_numbers, strict=True)
                   if n >= 0 and int(n) in self._names]
            out.append(row[:k])
        return out
