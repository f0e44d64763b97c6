"""Which partition a key lands on: Java's murmur2 partitioner, as Faust and every producer here use it."""
from __future__ import annotations


def partition_of(key: str | bytes, partitions: int) -> int:
    from aiokafka.partitioner import murmur2

    data = key.encode() if isinstance(key, str) else key
    return (murmur2(data) & 0x7FFFFFFF) % partitions
