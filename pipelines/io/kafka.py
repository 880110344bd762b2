"""Kafka source and sink on kafka-python, so they run on every Beam runner without Docker.

Source: one splittable DoFn element per topic partition, the partition's offsets being the
restriction. Bounded mode reads up to the end offsets seen at start; unbounded mode polls for a
few seconds, then returns a ``ProcessContinuation`` so the runner checkpoints and resumes it
(portable runners do not split an SDF on their own).

Offsets, with ``track_offsets`` (what the pipeline uses): the source commits nothing itself.
It emits ``Read`` marks of the offsets it read; the sinks pass on each input once its outputs
are acknowledged, and ``kafka_offsets.CommitOffsets`` commits a partition up to the first
record whose outputs are not all written. Without ``track_offsets``, offsets are committed
when the runner finalizes the bundle that read them (Beam Java KafkaIO's
``commitOffsetsInFinalize``), or at the end of each ``process`` call on a runner without
bundle finalization: records still in flight downstream are then lost if the job dies.
Either way a restarted job re-reads what was not committed, and event ids are
deterministic, so downstream can de-duplicate (at-least-once).

Sink: Avro records (Confluent wire format with a schema registry, else single-object
encoding) with an idempotent, acks=all producer flushed before each bundle completes; it can
pass each input on once all its records are acknowledged.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.transforms.core import WatermarkEstimatorProvider
from apache_beam.utils.timestamp import Duration, Timestamp
from apache_beam.utils.windowed_value import WindowedValue
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from pipelines import counting, records
from pipelines.io.avro_wire import SchemaRegistry
from pipelines.io.kafka_clients import (
    CLIENT_ID,
    OUTAGE_TOLERANCE_MS,
    RECONNECT_BACKOFF_MAX_MS,
    consumer,
)
from pipelines.io.kafka_codec import BadMessage, decode_article_value, encode_record
from pipelines.io.kafka_offsets import Read, partition_key

log = logging.getLogger(__name__)

ARTICLES = "articles"
DEAD_LETTERS = "dead_letters"
READ_OFFSETS = "read_offsets"
WRITTEN = "written"
START_OFFSETS = ("earliest", "latest", "committed")
# The stop offset of an unbounded partition restriction.
UNBOUNDED_STOP = sys.maxsize
# Unbounded mode: how long one process() call polls before handing back to the runner.
POLL_BUDGET_SECONDS = 0.2
POLL_TIMEOUT_MS = 200
MAX_POLL_RECORDS = 500
# Unbounded mode: when an idle partition is polled again, and when one is after a KafkaError.
IDLE_RESUME_SECONDS = 0.2
ERROR_RESUME_SECONDS = 5


class PartitionSpec(NamedTuple):
    """One partition to read, from ``start`` up to (excluding) ``stop``."""

    topic: str
    partition: int
    start: int
    stop: int


def read_message(
    topic: str,
    partition: int,
    offset: int,
    value: bytes | None,
    registry: SchemaRegistry | None = None,
) -> tuple[str, records.Record]:
    """One Kafka message as ``(ARTICLES, article)`` or ``(DEAD_LETTERS, dead_letter)``, with
    its typed position and, as ``origin``, that position's display form."""
    position = records.kafka_position(topic, partition, offset)
    where = records.display_origin(position)
    try:
        data = decode_article_value(value, registry)
        return ARTICLES, records.make_article(data, where, position)
    except BadMessage as e:
        error_type, message = e.error_type, str(e)
    except ValueError as e:
        error_type, message = "invalid_article", str(e)
    dead = records.make_dead_letter("read", error_type, message, where, value, position=position)
    return DEAD_LETTERS, dead


class _ListPartitions(beam.DoFn):
    """Impulse -> one PartitionSpec per partition of the topic, offsets resolved now."""

    def __init__(
        self, bootstrap_servers: str, topic: str, group: str, start_offset: str, bounded: bool
    ) -> None:
        self._servers = bootstrap_servers
        self._topic = topic
        self._group = group
        self._start_offset = start_offset
        self._bounded = bounded

    def process(self, _impulse: Any) -> Iterator[PartitionSpec]:
        client = consumer(self._servers, self._group)
        try:
            partitions = client.partitions_for_topic(self._topic)
            if not partitions:
                raise ValueError(f"Kafka topic {self._topic!r} does not exist on {self._servers}")
            tps = [TopicPartition(self._topic, p) for p in sorted(partitions)]
            earliest = client.beginning_offsets(tps)
            latest = client.end_offsets(tps)
            for tp in tps:
                start = self._start(client, tp, earliest[tp], latest[tp])
                stop = latest[tp] if self._bounded else UNBOUNDED_STOP
                log.info("reading %s/%d from offset %d to %s", tp.topic, tp.partition, start, stop)
                yield PartitionSpec(tp.topic, tp.partition, start, max(start, stop))
        finally:
            client.close()

    def _start(self, client: KafkaConsumer, tp: TopicPartition, earliest: int, latest: int):
        if self._start_offset == "earliest":
            return earliest
        if self._start_offset == "latest":
            return latest
        committed = client.committed(tp)
        # A committed offset below the log start (retention) falls back to the earliest.
        return earliest if committed is None else max(committed, earliest)


class _InOrderOffsetTracker(OffsetRestrictionTracker):
    """Allows only checkpoints (splits at the current position), never splits ahead of it.

    Two restrictions of one partition read at the same time would commit the group's offset
    out of order; with checkpoints only, a partition's offsets are read and committed in order.
    """

    def try_split(self, fraction_of_remainder: float):
        if fraction_of_remainder > 0:
            return None
        return super().try_split(fraction_of_remainder)


class _PartitionRestrictions(beam.transforms.core.RestrictionProvider):
    def initial_restriction(self, element: PartitionSpec) -> OffsetRange:
        return OffsetRange(element.start, element.stop)

    def create_tracker(self, restriction: OffsetRange) -> _InOrderOffsetTracker:
        return _InOrderOffsetTracker(restriction)

    def restriction_size(self, element: PartitionSpec, restriction: OffsetRange) -> int:
        return restriction.size()


class _WatermarkProvider(WatermarkEstimatorProvider):
    def initial_estimator_state(self, element: PartitionSpec, restriction: OffsetRange):
        return None

    def create_watermark_estimator(self, state: Timestamp | None) -> ManualWatermarkEstimator:
        return ManualWatermarkEstimator(state)


_RESTRICTIONS = beam.DoFn.RestrictionParam(_PartitionRestrictions())
_WATERMARK = beam.DoFn.WatermarkEstimatorParam(_WatermarkProvider())


class _ReadPartition(beam.DoFn):
    """Reads one partition's restriction; emits tagged articles and dead letters, and the
    ``Read`` marks of the offsets read (tag ``read_offsets``). Commits nothing."""

    def __init__(
        self, bootstrap_servers: str, group: str, bounded: bool, schema_registry_url: str | None
    ) -> None:
        self._servers = bootstrap_servers
        self._group = group
        self._bounded = bounded
        self._registry_url = schema_registry_url
        self._marks = True

    def setup(self) -> None:
        self._reader = consumer(self._servers, None)
        self._registry = SchemaRegistry(self._registry_url) if self._registry_url else None
        self._read_count = counting.counter(counting.READ)
        self._dead_letters = counting.counter(counting.DEAD_LETTERS)

    def teardown(self) -> None:
        self._reader.close()

    @beam.DoFn.unbounded_per_element()
    def process(self, element: PartitionSpec, tracker=_RESTRICTIONS, watermark=_WATERMARK):
        yield from self._read(element, tracker, watermark)

    def _read(self, element: PartitionSpec, tracker, watermark) -> Iterator[Any]:
        """Reads until the range ends or the poll budget is spent; returns one past the last
        offset claimed (None when nothing was)."""
        tp = TopicPartition(element.topic, element.partition)
        self._reader.assign([tp])
        self._reader.seek(tp, tracker.current_restriction().start)
        deadline = time.monotonic() + POLL_BUDGET_SECONDS
        next_offset = None  # one past the last offset claimed in this call
        marked = tracker.current_restriction().start  # where the next Read mark begins
        done = False
        unreachable = False
        while not done:
            try:
                batch = self._reader.poll(timeout_ms=POLL_TIMEOUT_MS, max_records=MAX_POLL_RECORDS)
            except KafkaError as e:
                if self._bounded:
                    raise
                # The broker is away: resume later rather than fail the bundle (and the job).
                log.warning("reading %s/%d: %s; retrying", tp.topic, tp.partition, e)
                unreachable = True
                break
            messages = batch.get(tp, [])
            claimed: list[int] = []
            ts = watermark.current_watermark() or Timestamp.now()
            for msg in messages:
                if not tracker.try_claim(msg.offset):
                    done = True
                    break
                next_offset = msg.offset + 1
                claimed.append(msg.offset)
                tag, record = read_message(
                    tp.topic, tp.partition, msg.offset, msg.value, self._registry
                )
                self._read_count.inc()
                if tag == DEAD_LETTERS:
                    self._dead_letters.inc()
                ts = Timestamp(micros=max(msg.timestamp, 0) * 1000)
                self._advance_watermark(watermark, ts)
                yield beam.pvalue.TaggedOutput(tag, beam.window.TimestampedValue(record, ts))
            if claimed and self._marks:
                yield self._read_mark(element, marked, next_offset, claimed, ts)
                marked = next_offset
            if done:
                break
            stop = tracker.current_restriction().stop
            if not messages and self._bounded and self._reader.position(tp) >= stop:
                # End of a bounded range (possibly after offsets with no record, such as
                # transaction markers): claiming the stop offset marks the restriction done.
                tracker.try_claim(stop)
                done = True
                if self._marks and stop > marked:
                    yield self._read_mark(element, marked, stop, [], ts)
            elif not messages and not self._bounded:
                # Caught up: an idle partition must not hold back the watermark.
                self._advance_watermark(watermark, Timestamp.now())
            if not self._bounded and (not messages or time.monotonic() > deadline):
                break
        if not done:
            # Self-checkpoint: the runner resumes the rest of the partition later (at once
            # when records were flowing, after a while when it was idle or unreachable).
            if unreachable:
                delay = ERROR_RESUME_SECONDS
            else:
                delay = 0 if next_offset is not None else IDLE_RESUME_SECONDS
            tracker.defer_remainder(Duration(seconds=delay))
        return next_offset

    @staticmethod
    def _read_mark(
        element: PartitionSpec, start: int, stop: int, offsets: list[int], ts: Timestamp
    ) -> beam.pvalue.TaggedOutput:
        key = partition_key(element.topic, element.partition)
        mark = Read(element.start, start, stop, tuple(offsets))
        return beam.pvalue.TaggedOutput(READ_OFFSETS, beam.window.TimestampedValue((key, mark), ts))

    @staticmethod
    def _advance_watermark(watermark: ManualWatermarkEstimator, ts: Timestamp) -> None:
        current = watermark.current_watermark()
        if current is None or ts > current:
            watermark.set_watermark(ts)


class _ReadAndCommitPartition(_ReadPartition):
    """Reads like ``_ReadPartition`` without marks, and commits the offsets read when the
    runner finalizes the bundle (at the end of ``process`` on a runner without
    finalization)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._marks = False

    def setup(self) -> None:
        super().setup()
        self._committer = consumer(self._servers, self._group)
        self._commit_lock = threading.Lock()

    def teardown(self) -> None:
        super().teardown()
        self._committer.close()

    @beam.DoFn.unbounded_per_element()
    def process(
        self,
        element: PartitionSpec,
        # Beam passes the tracker and the watermark estimator by keyword, the finalizer by
        # position: the finalizer must come first.
        bundle_finalizer=beam.DoFn.BundleFinalizerParam,
        tracker=_RESTRICTIONS,
        watermark=_WATERMARK,
    ):
        tp = TopicPartition(element.topic, element.partition)
        next_offset = yield from self._read(element, tracker, watermark)
        if next_offset is None:
            return
        if bundle_finalizer is None:
            self._commit(tp, next_offset)
        else:
            bundle_finalizer.register(lambda: self._commit(tp, next_offset))

    def _commit(self, tp: TopicPartition, offset: int) -> None:
        with self._commit_lock:
            self._committer.commit({tp: OffsetAndMetadata(offset, "", -1)})
        log.debug("committed %s/%d at %d", tp.topic, tp.partition, offset)


class ReadArticlesFromKafka(beam.PTransform):
    """Articles from a Kafka topic; returns outputs tagged ``articles`` and ``dead_letters``.

    ``start_offset``: earliest, latest, or committed (the group's offset, else earliest).
    ``bounded``: stop at the end offsets seen at start instead of reading forever.
    ``schema_registry_url``: resolve Confluent-framed Avro articles through this registry
    (without one, they are read with ``schemas/article.avsc`` as the writer schema).
    ``track_offsets``: commit nothing; emit ``read_offsets`` marks, (partition key, ``Read``),
    for ``kafka_offsets.CommitOffsets``. Otherwise offsets are committed once read.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        consumer_group: str,
        start_offset: str = "committed",
        bounded: bool = False,
        schema_registry_url: str | None = None,
        track_offsets: bool = False,
    ) -> None:
        super().__init__()
        if start_offset not in START_OFFSETS:
            raise ValueError(f"start_offset must be one of {START_OFFSETS}, not {start_offset!r}")
        self._servers = bootstrap_servers
        self._topic = topic
        self._group = consumer_group
        self._start_offset = start_offset
        self._bounded = bounded
        self._registry_url = schema_registry_url
        self._track = track_offsets

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.pvalue.DoOutputsTuple:
        return (
            pbegin
            | "Impulse" >> beam.Impulse()
            | "ListPartitions"
            >> beam.ParDo(
                _ListPartitions(
                    self._servers, self._topic, self._group, self._start_offset, self._bounded
                )
            )
            | "SpreadPartitions" >> beam.Reshuffle()
            | "ReadPartitions"
            >> beam.ParDo(
                (_ReadPartition if self._track else _ReadAndCommitPartition)(
                    self._servers, self._group, self._bounded, self._registry_url
                )
            ).with_outputs(ARTICLES, DEAD_LETTERS, READ_OFFSETS)
        )


class _WriteRecords(beam.DoFn):
    """Sends records; flushes and checks every send before the bundle ends.

    Each input is a record, or with ``grouped`` a pair (anything, records) whose records are
    written together. With ``validate``, a record that does not match the schema is not sent
    but becomes a dead letter (main output). With ``pass_written``, every input (with
    ``grouped``, the first of the pair) is passed on (tag ``written``, in its window and with
    its timestamp) once all its records are acknowledged; an invalid single record is not.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        schema_name: str,
        key_field: str | None,
        schema_registry_url: str | None,
        grouped: bool,
        pass_written: bool,
        validate: bool,
    ) -> None:
        self._servers = bootstrap_servers
        self._topic = topic
        self._schema_name = schema_name
        self._key_field = key_field
        self._registry_url = schema_registry_url
        self._grouped = grouped
        self._pass_written = pass_written
        self._validate = validate

    def setup(self) -> None:
        self._registry = SchemaRegistry(self._registry_url) if self._registry_url else None
        self._producer = KafkaProducer(
            bootstrap_servers=self._servers,
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
        passed, group = element if self._grouped else (element, [element])
        sent = 0
        for record in group:
            if self._validate and not records.is_valid(self._schema_name, record):
                yield self._rejected(record)
                continue
            value = encode_record(record, self._schema_name, self._registry, self._topic)
            key = str(record[self._key_field]).encode("utf-8") if self._key_field else None
            self._pending.append(self._producer.send(self._topic, key=key, value=value))
            sent += 1
        if self._pass_written and (self._grouped or sent):
            self._written.append(WindowedValue(passed, timestamp, (window,)))

    def _rejected(self, record: Any) -> records.Record:
        is_record = isinstance(record, dict)
        return records.make_dead_letter(
            "sink",
            "invalid_record",
            f"record does not match the {self._schema_name} schema; not written to {self._topic}",
            f"kafka:{self._topic}",
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
                f"{len(failures)} record(s) not written to {self._topic}: {failures[0]}"
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
    ) -> None:
        super().__init__()
        records.schema(schema_name)  # fail at construction for an unknown schema name
        self._fn = _WriteRecords(
            bootstrap_servers,
            topic,
            schema_name,
            key_field,
            schema_registry_url,
            grouped,
            pass_written,
            validate,
        )

    def expand(self, pcoll: beam.PCollection) -> KafkaWriteResult:
        outputs = pcoll | "Write" >> beam.ParDo(self._fn).with_outputs(WRITTEN, main="rejected")
        return KafkaWriteResult(outputs.rejected, outputs[WRITTEN])
