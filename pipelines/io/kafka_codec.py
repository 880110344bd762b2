"""Kafka message values of the pipeline's records, as pure functions.

Article messages (input) are JSON objects in UTF-8, or Avro records of ``schemas/article.avsc``
in single-object encoding or the Confluent wire format. Output records (events, duplicates,
dead letters) are written as Avro: Confluent wire format when a schema registry is given, else
single-object encoding.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from pipelines import records
from pipelines.io import avro_wire
from pipelines.io.avro_wire import SchemaRegistry, WireFormatError


class BadMessage(ValueError):
    """A message value that cannot be read; ``error_type`` is the dead letter's reason code."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def schema_text(name: str) -> str:
    """The Avro schema ``name`` as JSON text, as registered with a schema registry."""
    path = records.SCHEMA_DIR / records.SCHEMA_FILES[name]
    return json.dumps(json.loads(path.read_text(encoding="utf-8")), separators=(",", ":"))


def subject(topic: str) -> str:
    """The registry subject of a topic's values (Confluent's TopicNameStrategy)."""
    return f"{topic}-value"


@functools.cache
def schema_fingerprint(schema_name: str) -> bytes:
    """The single-object fingerprint of schema ``schema_name``, computed once per process."""
    return avro_wire.fingerprint(records.schema(schema_name))


def encode_record(
    record: dict[str, Any],
    schema_name: str,
    registry: SchemaRegistry | None = None,
    topic: str | None = None,
) -> bytes:
    """A record as a Kafka value: Confluent framing with ``registry`` (subject from ``topic``),
    else Avro single-object encoding."""
    schema = records.schema(schema_name)
    if registry is None:
        return avro_wire.encode_single_object(record, schema, schema_fingerprint(schema_name))
    if topic is None:
        raise ValueError("a topic is needed to register the schema's subject")
    schema_id = registry.register(subject(topic), schema_text(schema_name))
    return avro_wire.encode_confluent(record, schema, schema_id)


def decode_record(
    value: bytes, schema_name: str, registry: SchemaRegistry | None = None
) -> dict[str, Any]:
    """Decode an Avro Kafka value into a record of schema ``schema_name``.

    Single-object values must carry that schema's fingerprint. Confluent values are read with
    the registry's writer schema; without a registry, the writer schema is assumed to be
    ``schema_name``'s. Raises BadMessage.
    """
    reader = records.schema(schema_name)
    try:
        kind = avro_wire.framing(value)
        if kind == "single_object":
            return avro_wire.decode_single_object(
                value, {schema_fingerprint(schema_name): reader}, reader
            )
        if kind == "confluent":
            lookup = registry.schema if registry is not None else (lambda _id: reader)
            return avro_wire.decode_confluent(value, lookup, reader)
    except WireFormatError as e:
        raise BadMessage("invalid_avro", str(e)) from e
    raise BadMessage("invalid_avro", "not Avro: neither single-object encoding nor Confluent")


def decode_article_value(value: bytes | None, registry: SchemaRegistry | None = None) -> dict:
    """The article fields of a message value (JSON or Avro), for ``records.make_article``.

    Raises BadMessage with a reason code: empty_message, invalid_avro, invalid_utf8,
    invalid_json or not_an_object.
    """
    if not value:
        raise BadMessage("empty_message", "message has no value")
    if avro_wire.framing(value) is not None:
        return decode_record(value, "article", registry)
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadMessage("invalid_utf8", f"value is neither Avro nor UTF-8 text: {e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadMessage("invalid_json", f"value is not JSON: {e}") from None
    except RecursionError:
        raise BadMessage("invalid_json", "value is JSON nested too deeply to read") from None
    if not isinstance(data, dict):
        raise BadMessage("not_an_object", f"JSON value is a {type(data).__name__}, not an object")
    return data
