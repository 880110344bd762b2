"""Kafka message formats (pure functions, no broker): Avro framings and article values."""

from __future__ import annotations

import datetime as dt
import json
import struct

import pytest

from pipelines import records
from pipelines.io import avro_wire
from pipelines.io.kafka_codec import (
    BadMessage,
    decode_article_value,
    decode_record,
    encode_record,
)
from pipelines.io.kafka_source import DEAD_LETTERS, read_message

# The Avro specification's CRC-64-AVRO fingerprint of the schema "null" (as a signed long:
# 7195948357588979594), written little-endian in single-object headers.
NULL_FINGERPRINT = struct.pack("<Q", 0x63DD24E7CC258F8A)


def event() -> dict:
    return {
        "event_id": "e1",
        "event_type": "AGREE",
        "quad_class": 1,
        "mode": None,
        "contexts": ["diplomatic"],
        "trigger": {"text": "agreed", "lemma": "agree", "start": 10, "end": 16},
        "actor": [
            {
                "text": "Japan",
                "canonical": "Japan",
                "entity_type": "GPE",
                "country": "JPN",
                "sector": None,
            }
        ],
        "recipient": [],
        "location": None,
        "place": None,
        "event_date": dt.date(2025, 11, 3),
        "date_text": "Monday",
        "date_source": "text",
        "modality": "asserted",
        "negated": False,
        "sentence": "Japan agreed on Monday.",
        "sentence_index": 0,
        "confidence": 0.75,
        "article_id": "a1",
        "url": None,
        "source": None,
        "title": None,
        "published_at": dt.datetime(2025, 11, 5, 8, 30, tzinfo=dt.UTC),
        "extractor_version": "test",
        "model": "test",
        "story_id": None,
        "event_group_id": None,
    }


def article() -> dict:
    return records.make_article(
        {"url": "https://example.org/a", "title": "T", "text": "Some text."}, origin="x"
    )


def test_fingerprint_matches_the_avro_specification():
    assert avro_wire.fingerprint("null") == NULL_FINGERPRINT


def test_single_object_encoding_round_trip_and_header():
    schema = records.schema("event")
    data = avro_wire.encode_single_object(event(), schema)
    assert data[:2] == b"\xc3\x01"
    assert data[2:10] == avro_wire.fingerprint(schema)
    assert avro_wire.decode_single_object(data, {data[2:10]: schema}) == event()


def test_confluent_round_trip_and_header():
    schema = records.schema("event")
    data = avro_wire.encode_confluent(event(), schema, 42)
    assert data[0] == 0 and struct.unpack(">i", data[1:5])[0] == 42
    assert avro_wire.decode_confluent(data, {42: schema}.__getitem__) == event()


@pytest.mark.parametrize(
    "mangle, reason",
    [
        (lambda d: d[:-3], "not an Avro record"),
        (lambda d: d + b"\x00\x00", "trailing bytes"),
        (lambda d: d[:2] + b"\x00" * 8 + d[10:], "unknown Avro schema fingerprint"),
        (lambda d: d[:5], "not Avro single-object"),
    ],
)
def test_single_object_rejects_damaged_messages(mangle, reason):
    schema = records.schema("event")
    data = mangle(avro_wire.encode_single_object(event(), schema))
    with pytest.raises(avro_wire.WireFormatError, match=reason):
        avro_wire.decode_single_object(data, {avro_wire.fingerprint(schema): schema})


def test_confluent_unknown_schema_id_is_a_wire_format_error():
    data = avro_wire.encode_confluent(event(), records.schema("event"), 7)
    with pytest.raises(avro_wire.WireFormatError, match="schema id 7"):
        avro_wire.decode_confluent(data, {}.__getitem__)


@pytest.mark.parametrize("name", ["event", "dead_letter", "duplicate", "article"])
def test_encode_record_without_registry_is_single_object(name):
    record = {
        "event": event(),
        "article": article(),
        "duplicate": records.make_duplicate(article(), "a0", 0.9, "near"),
        "dead_letter": records.make_dead_letter("read", "x", "why", "o", b"\xff\x00raw"),
    }[name]
    if name == "dead_letter":  # Avro keeps milliseconds
        record["failed_at"] = dt.datetime(2025, 1, 2, 3, 4, 5, 6000, tzinfo=dt.UTC)
    value = encode_record(record, name)
    assert value.startswith(b"\xc3\x01")
    assert decode_record(value, name) == record


def test_decode_record_rejects_another_schemas_fingerprint():
    value = encode_record(article(), "article")
    with pytest.raises(BadMessage, match="fingerprint") as err:
        decode_record(value, "event")
    assert err.value.error_type == "invalid_avro"


def test_article_values_json_and_avro_give_the_same_article():
    a = article()
    as_json = json.dumps({"url": a["url"], "title": "T", "text": "Some text."}).encode()
    for value in (
        as_json,
        encode_record(a, "article"),
        avro_wire.encode_confluent(a, records.schema("article"), 1),
    ):
        tag, got = read_message("news", 3, 17, value)
        assert tag == "articles"
        assert got["article_id"] == a["article_id"]
        assert got["text"] == "Some text."
        assert got["origin"] == "kafka:news/3@17"


@pytest.mark.parametrize(
    "value, error_type",
    [
        (b"", "empty_message"),
        (None, "empty_message"),
        (b"\xff\xfebroken", "invalid_utf8"),
        (b"{not json", "invalid_json"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
        (b"[1, 2]", "not_an_object"),
        (b"\xc3\x01" + b"\x00" * 12, "invalid_avro"),
        (b"\x00\x00\x00\x00\x01garbage", "invalid_avro"),
        (b'{"title": "no text"}', "invalid_article"),
        (b'{"text": 5}', "invalid_article"),
        (b'{"text": "x", "published_at": "yesterday"}', "invalid_article"),
    ],
)
def test_bad_values_become_read_dead_letters_with_origin_and_payload(value, error_type):
    tag, dead = read_message("news", 0, 5, value)
    assert tag == DEAD_LETTERS
    assert dead["stage"] == "read"
    assert dead["error_type"] == error_type
    assert dead["origin"] == "kafka:news/0@5"
    assert dead["payload"] == (value or b"")[: records.MAX_PAYLOAD_BYTES]
    assert dead["error_message"]
    assert records.is_valid("dead_letter", dead)


def test_decode_article_value_keeps_unknown_fields_out_of_the_article():
    data = decode_article_value(b'{"text": "x", "extra": 1}')
    assert records.make_article(data, "o")["text"] == "x"
