"""The transport's compiled paths are the ones in use: aiokafka builds record batches in its C extension
and Faust runs its Cython stream loop. Both fall back to pure Python silently when a wheel lacks them,
which costs several times the CPU per message (robinhood/faust#563, faust-streaming#131)."""


def test_aiokafka_record_batches_come_from_the_c_extension():
    from aiokafka.record.default_records import DefaultRecordBatchBuilder
    from aiokafka.record.legacy_records import LegacyRecordBatchBuilder

    assert DefaultRecordBatchBuilder.__module__.startswith("aiokafka.record._crecords")
    assert LegacyRecordBatchBuilder.__module__.startswith("aiokafka.record._crecords")


def test_faust_stream_loop_is_compiled():
    from faust._cython import streams

    assert streams.__file__.endswith(".so")
