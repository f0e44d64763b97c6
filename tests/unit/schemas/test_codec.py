import io
import json
import struct

import fastavro
import pytest

from schemas import raw_schema, schema_names
from schemas.codec import DecodeError, EncodeError, EventCodec, LockedSchemaIds, RegistrySchemaIds
from tests.samples import SAMPLES


@pytest.fixture(scope="module")
def codec() -> EventCodec:
    return EventCodec(LockedSchemaIds())


def test_every_schema_has_a_sample_and_round_trips(codec):
    assert sorted(SAMPLES) == schema_names()
    for name, datum in SAMPLES.items():
        data = codec.encode(name, datum, "t")
        assert codec.decode(data, name) == datum


def test_wire_format_is_confluent_framing(codec):
    data = codec.encode("Reply", SAMPLES["Reply"], "cs.reply.out.v1")
    magic, schema_id = struct.unpack(">bI", data[:5])
    assert magic == 0
    assert schema_id == LockedSchemaIds().id_for("Reply", "cs.reply.out.v1")
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(raw_schema("Reply")), SAMPLES["Reply"])
    assert data[5:] == buf.getvalue()


@pytest.mark.parametrize("data,reason", [
    (b"", "undecodable"),
    (b"\x00\x00", "undecodable"),
    (b"\x07\x00\x00\x00\x01abc", "undecodable"),
    (b"\x00\x00\x00\xff\xffabc", "schema_violation"),
])
def test_bad_frames_are_rejected_with_a_reason(codec, data, reason):
    with pytest.raises(DecodeError) as err:
        codec.decode(data, "UtteranceIn")
    assert err.value.reason == reason


def test_truncated_and_padded_bodies_are_schema_violations(codec):
    good = codec.encode("UtteranceIn", SAMPLES["UtteranceIn"], "t")
    with pytest.raises(DecodeError, match="schema_violation"):
        codec.decode(good[:-6], "UtteranceIn")
    with pytest.raises(DecodeError, match="trailing"):
        codec.decode(good + b"\x00\x00", "UtteranceIn")


def test_another_event_type_is_a_schema_violation(codec):
    data = codec.encode("DeadLetter", SAMPLES["DeadLetter"], "t")
    with pytest.raises(DecodeError) as err:
        codec.decode(data, "UtteranceIn")
    assert err.value.reason == "schema_violation"


def test_encode_rejects_a_datum_that_breaks_the_schema(codec):
    with pytest.raises(EncodeError):
        codec.encode("Reply", {**SAMPLES["Reply"], "turn_id": "three"}, "t")


def test_old_writer_version_is_resolved_to_the_current_reader():
    """A record written with an older schema version (fewer fields) decodes with defaults filled."""
    old = json.loads(json.dumps(raw_schema("Transcript")))
    old["fields"] = [f for f in old["fields"] if f["name"] != "is_final"]

    class TwoVersions(LockedSchemaIds):
        def writer_schema(self, schema_id):
            return old if schema_id == 999 else super().writer_schema(schema_id)

    codec = EventCodec(TwoVersions())
    buf = io.BytesIO()
    buf.write(struct.pack(">bI", 0, 999))
    datum = {k: v for k, v in SAMPLES["Transcript"].items() if k != "is_final"}
    fastavro.schemaless_writer(buf, fastavro.parse_schema(old), datum)
    assert codec.decode(buf.getvalue(), "Transcript") == {**datum, "is_final": True}


def test_registry_mode_is_readable_by_confluents_own_avro_deserializer():
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    client = SchemaRegistryClient.new_client({"url": "mock://cs-unit"})
    codec = EventCodec(RegistrySchemaIds("mock://cs-unit", client=client))
    ours = codec.encode("Reply", SAMPLES["Reply"], "cs.reply.out.v1")
    ctx = SerializationContext("cs.reply.out.v1", MessageField.VALUE)
    theirs = AvroDeserializer(client)(ours, ctx)
    assert theirs == SAMPLES["Reply"]
    # Byte-identical to what confluent-kafka's serializer writes for the same subject.
    serializer = AvroSerializer(client, json.dumps(raw_schema("Reply")), conf={"auto.register.schemas": True})
    assert serializer(SAMPLES["Reply"], ctx) == ours
    assert codec.decode(ours, "Reply") == SAMPLES["Reply"]
