"""The relay computes a key's partition itself (it hands the producer whole record batches): with the
default partitioner, from its own murmur2, which must be aiokafka's exactly, or keys would move to
other partitions and lose their order."""

from __future__ import annotations

import random

import pytest
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from tidu_shared.outbox import key_partition, murmur2


@pytest.mark.parametrize("length", [*range(0, 40), 63, 64, 200, 255, 256, 257, 1000])
def test_murmur2_is_aiokafkas(length: int) -> None:
    rng = random.Random(length)
    for _ in range(200):
        key = bytes(rng.randrange(256) for _ in range(length))
        assert murmur2(key) == aiokafka_murmur2(key)


def test_keys_get_the_default_partitioners_partition() -> None:
    rng = random.Random(7)
    partitioner = DefaultPartitioner()
    for partitions in ([0], [0, 1, 2, 3], list(range(12))):
        for _ in range(500):
            key = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(18)).encode()
            expected = partitioner(key, partitions, partitions)
            assert key_partition(key, partitions) == expected
