import numpy as np

from engines.embeddings import RememberingEmbedder, vector_bytes, vector_from
from tests.fakes import CountingEmbedder, HashEmbedder


def test_only_texts_not_remembered_are_encoded_and_the_memory_is_bounded():
    inner = CountingEmbedder()
    memory = RememberingEmbedder(inner, size=2)
    first = memory.encode(["转账限额", "挂失"])
    again = memory.encode(["挂失", "转账限额", "年费"])
    assert inner.calls == [["转账限额", "挂失"], ["年费"]]
    assert np.array_equal(again[1], first[0]) and np.array_equal(again[0], first[1])
    # the last batch's texts are the newest: of three, the one used least recently goes
    assert memory.remembered("挂失") is None and memory.remembered("年费") is not None
    assert memory.encode([]).shape == (0, inner.dim)


def test_a_vector_survives_the_event_exactly_and_a_wrong_size_is_refused():
    vector = HashEmbedder().encode(["信用卡年费"])[0]
    assert np.array_equal(vector_from(vector_bytes(vector), 64), vector)
    assert vector_from(vector_bytes(vector), 512) is None and vector_from(None, 64) is None
