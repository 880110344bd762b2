"""Kafka sink on kafka-python: Avro records (Confluent wire format with a schema registry,
else single-object encoding) with an idempotent, acks=all producer flushed before each bundle
completes; it can pass each input on once all its records are acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.utils.windowed_value import WindowedValue

from pipelines import records
from pipelines.io.avro_wire import SchemaRegistry
from pipelines.io.kafka_clients import (
    CLIENT_ID,
    OUTAGE_TOLERANCE_MS,
    PLAINTEXT,
    RECONNECT_BACKOFF_MAX_MS,
    KafkaSecurity,
    producer,
)
from pipelines.io.kafka_codec import encode_record
from pipelines.io.registry_security import RegistrySecurity

WRITTEN = "written"


class SinkSpec(NamedTuple):
    """What ``WriteToKafka`` writes, and how (see its docstring)."""

    bootstrap_servers: str
    topic: str
    schema_name: str
    key_field: str | None
    schema_registry_url: str | None
    grouped: bool
    pass_written: bool
    validate: bool
    security: KafkaSecurity
    registry_security: RegistrySecurity


class _WriteRecords(beam.DoFn):
    """Sends records; flushes and checks every send before the bundle ends.

    Each input is a record, or with ``grouped`` a pair (anything, records) whose records are
    written together. With ``validate``, a record that does not match the schema is not sent
    but becomes a dead letter (main output). With ``pass_written``, every input (with
    ``grouped``, the first of the pair) is passed on (tag ``written``, in its window and with
    its timestamp) once all its records are acknowledged; an invalid single record is not.
    """

    def __init__(self, spec: SinkSpec) -> None:
        self._spec = spec

    def setup(self) -> None:
        registry_url = self._spec.schema_registry_url
        self._registry = (
            SchemaRegistry(registry_url, security=self._spec.registry_security)
            if registry_url
            else None
        )
        self._producer = producer(
            self._spec.bootstrap_servers,
            self._spec.security,
            acks="all",
            retries=2**31 - 1,
            enable_idempotence=True,
            max_in_flight_requests_per_connection=5,
            delivery_timeout_ms=OUTAGE_TOLERANCE_MS,
            bootstrap_timeout_ms=OUTAGE_TOLERANCE_MS,
            reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
            linger_ms=5,
            client_id=CLIENT_ID,
        )

    def start_bundle(self) -> None:
        self._pending: list = []  # the send futures of the bundle
        self._written: list[WindowedValue] = []  # inputs to pass on after the flush

    def process(
        self,
        element: Any,
        timestamp=beam.DoFn.TimestampParam,
        window=beam.DoFn.WindowParam,
    ) -> Iterator[records.Record]:
        spec = self._spec
        passed, group = element if spec.grouped else (element, [element])
        sent = 0
        for record in group:
            if spec.validate and not records.is_valid(spec.schema_name, record):
                yield self._rejected(record)
                continue
            value = encode_record(record, spec.schema_name, self._registry, spec.topic)
            key = str(record[spec.key_field]).encode("utf-8") if spec.key_field else None
            self._pending.append(self._producer.send(spec.topic, key=key, value=value))
            sent += 1
        if spec.pass_written and (spec.grouped or sent):
            self._written.append(WindowedValue(passed, timestamp, (window,)))

    def _rejected(self, record: Any) -> records.Record:
        is_record, topic = isinstance(record, dict), self._spec.topic
        return records.make_dead_letter(
            "sink",
            "invalid_record",
            f"record does not match the {self._spec.schema_name} schema; not written to {topic}",
            f"kafka:{topic}",
            records.article_payload(record),
            article_id=record.get("article_id") if is_record else None,
            position=record.get("position") if is_record else None,
        )

    def finish_bundle(self) -> Iterator[beam.pvalue.TaggedOutput]:
        self._producer.flush()
        failures = [f.exception for f in self._pending if f.failed()]
        self._pending = []
        if failures:
            # Fail the bundle: the runner retries it, so nothing is lost (at-least-once).
            raise RuntimeError(
                f"{len(failures)} record(s) not written to {self._spec.topic}: {failures[0]}"
            )
        written, self._written = self._written, []
        for value in written:
            yield beam.pvalue.TaggedOutput(WRITTEN, value)

    def teardown(self) -> None:
        self._producer.close(timeout=30)


class KafkaWriteResult(NamedTuple):
    """What ``WriteToKafka`` returns, whatever its flags."""

    rejected: beam.PCollection  # dead letters (stage sink) of records that do not match
    written: beam.PCollection  # with pass_written: each input once written; else empty


class WriteToKafka(beam.PTransform):
    """Writes records of ``records.schema(schema_name)`` to a topic as Avro values.

    Key: ``record[key_field]`` (UTF-8), or none. Returns a ``KafkaWriteResult``: ``rejected``
    holds the dead letters (stage ``sink``) of the records that do not match the schema,
    which are not written; ``validate=False`` skips that check for records already validated.

    ``grouped``: each input is a pair (anything, records), its records written together.
    ``pass_written``: ``written`` holds every input (with ``grouped``, the first of its pair)
    once its records are acknowledged by the broker (an invalid single record is not passed on).
    ``security``: TLS and SASL settings of the producer; ``registry_security``: basic auth
    and TLS of the schema registry.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        schema_name: str,
        key_field: str | None = None,
        schema_registry_url: str | None = None,
        grouped: bool = False,
        pass_written: bool = False,
        validate: bool = True,
        security: KafkaSecurity = PLAINTEXT,
        registry_security: RegistrySecurity | None = None,
    ) -> None:
        super().__init__()
        records.schema(schema_name)  # fail at construction for an unknown schema name
        self._fn = _WriteRecords(
            SinkSpec(
                bootstrap_servers,
                topic,
                schema_name,
                key_field,
                schema_registry_url,
                grouped,
                pass_written,
                validate,
                security,
                registry_security or RegistrySecurity(),
            )
        )

    def expand(self, pcoll: beam.PCollection) -> KafkaWriteResult:
        outputs = pcoll | "Write" >> beam.ParDo(self._fn).with_outputs(WRITTEN, main="rejected")
        return KafkaWriteResult(outputs.rejected, outputs[WRITTEN])
