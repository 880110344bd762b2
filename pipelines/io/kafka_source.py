"""Kafka source on kafka-python, so it runs on every Beam runner without Docker.

One splittable DoFn element per topic partition, the partition's offsets being the
restriction. Bounded mode reads up to the end offsets seen at start; unbounded mode polls for
a few tenths of a second, then returns a ``ProcessContinuation`` so the runner checkpoints and
resumes it (portable runners do not split an SDF on their own).

Every message becomes an article or a read dead letter carrying its typed ``position``
(topic, partition, offset) and, as ``origin``, that position's display form.

Offsets, with ``track_offsets`` (what the pipeline uses): the source commits nothing itself.
It emits ``Read`` marks of the offsets it read; the way out (``pipelines.io.sinks``) marks
each input done once its outputs are acknowledged, and ``kafka_offsets.CommitOffsets``
commits a partition up to the first record whose outputs are not all written. Without
``track_offsets``, offsets are committed when the runner finalizes the bundle that read them
(Beam Java KafkaIO's ``commitOffsetsInFinalize``), or at the end of each ``process`` call on a
runner without bundle finalization: records still in flight downstream are then lost if the
job dies. Either way a restarted job re-reads what was not committed, and event ids are
deterministic, so downstream can de-duplicate (at-least-once).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.transforms.core import WatermarkEstimatorProvider
from apache_beam.utils.timestamp import Duration, Timestamp
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from pipelines import counting, records
from pipelines.io.avro_wire import SchemaRegistry
from pipelines.io.kafka_clients import PLAINTEXT, KafkaSecurity, consumer
from pipelines.io.kafka_codec import BadMessage, decode_article_value
from pipelines.io.kafka_offsets import Read, partition_key
from pipelines.io.registry_security import RegistrySecurity

log = logging.getLogger(__name__)

ARTICLES = "articles"
DEAD_LETTERS = "dead_letters"
READ_OFFSETS = "read_offsets"
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
# Unbounded mode: how often a partition that polls empty is checked against the broker's end
# offset; a reader that stands below it at two checks is stuck and is replaced.
STALL_SECONDS = 10
STALL_CHECK_TIMEOUT_MS = 2000


@dataclass(frozen=True)
class SourceSettings:
    """Where and how the source reads: ``ReadArticlesFromKafka``'s settings, which its steps
    share."""

    servers: str
    topic: str
    group: str
    start_offset: str
    bounded: bool
    registry_url: str | None
    security: KafkaSecurity
    registry_security: RegistrySecurity


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

    def __init__(self, source: SourceSettings) -> None:
        self._source = source

    def process(self, _impulse: Any) -> Iterator[PartitionSpec]:
        source = self._source
        client = consumer(source.servers, source.group, source.security)
        try:
            partitions = client.partitions_for_topic(source.topic)
            if not partitions:
                raise ValueError(f"Kafka topic {source.topic!r} does not exist on {source.servers}")
            tps = [TopicPartition(source.topic, p) for p in sorted(partitions)]
            earliest = client.beginning_offsets(tps)
            latest = client.end_offsets(tps)
            for tp in tps:
                start = self._start(client, tp, earliest[tp], latest[tp])
                stop = latest[tp] if source.bounded else UNBOUNDED_STOP
                log.info("reading %s/%d from offset %d to %s", tp.topic, tp.partition, start, stop)
                yield PartitionSpec(tp.topic, tp.partition, start, max(start, stop))
        finally:
            client.close()

    def _start(self, client: KafkaConsumer, tp: TopicPartition, earliest: int, latest: int):
        if self._source.start_offset == "earliest":
            return earliest
        if self._source.start_offset == "latest":
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


@dataclass
class _Progress:
    """Where one ``process`` call of ``_ReadPartition`` stands."""

    marked: int  # where the next Read mark begins
    next_offset: int | None = None  # one past the last offset claimed in this call
    done: bool = False  # the restriction is read to its end
    ts: Timestamp | None = None  # the timestamp of the last record read


class _ReadPartition(beam.DoFn):
    """Reads one partition's restriction; emits tagged articles and dead letters, and the
    ``Read`` marks of the offsets read (tag ``read_offsets``). Commits nothing."""

    def __init__(self, source: SourceSettings, stall_seconds: float = STALL_SECONDS) -> None:
        self._source = source
        self._stall_seconds = stall_seconds
        self._marks = True

    def setup(self) -> None:
        # One consumer per partition, assigned once (see _reader_at).
        self._readers: dict[TopicPartition, KafkaConsumer] = {}
        # For the stall check (_replace_if_stuck): since when each partition's polls have
        # found nothing, where a check last found records unread past the reader, and the
        # (position, end) at which its reader was last replaced.
        self._empty_since: dict[TopicPartition, float] = {}
        self._unread: dict[TopicPartition, int] = {}
        self._replaced_at: dict[TopicPartition, tuple[int, int]] = {}
        source = self._source
        self._registry = (
            SchemaRegistry(source.registry_url, security=source.registry_security)
            if source.registry_url
            else None
        )
        self._read_count = counting.counter(counting.READ)
        self._dead_letters = counting.counter(counting.DEAD_LETTERS)

    def teardown(self) -> None:
        for reader in self._readers.values():
            reader.close()

    @beam.DoFn.unbounded_per_element()
    def process(self, element: PartitionSpec, tracker=_RESTRICTIONS, watermark=_WATERMARK):
        yield from self._read(element, tracker, watermark)

    def _reader_at(self, tp: TopicPartition, offset: int) -> KafkaConsumer:
        """The partition's own consumer, its position at ``offset``.

        Restrictions of several partitions reach one DoFn instance in turn. With one shared
        consumer, assigned and seeked anew on every call, a partition's reads were seen to
        stop (minutes without its last record, which the broker had); a consumer per
        partition keeps its assignment and its prefetched records, and seeks only when the
        runner resumes the partition elsewhere than where the consumer stands.
        """
        reader = self._readers.get(tp)
        if reader is None:
            reader = self._readers[tp] = consumer(self._source.servers, None, self._source.security)
            reader.assign([tp])
            reader.seek(tp, offset)
        elif self._position(reader, tp) != offset:
            reader.seek(tp, offset)
        return reader

    @staticmethod
    def _position(reader: KafkaConsumer, tp: TopicPartition) -> int | None:
        """Where ``reader`` stands in ``tp``; None when it must ask an unreachable broker."""
        try:
            return reader.position(tp, timeout_ms=POLL_TIMEOUT_MS)
        except KafkaError:
            return None

    def _read(self, element: PartitionSpec, tracker, watermark) -> Iterator[Any]:
        """Reads until the range ends or the poll budget is spent; returns one past the last
        offset claimed (None when nothing was)."""
        tp = TopicPartition(element.topic, element.partition)
        reader = self._reader_at(tp, tracker.current_restriction().start)
        deadline = time.monotonic() + POLL_BUDGET_SECONDS
        read = _Progress(marked=tracker.current_restriction().start)
        while not read.done:
            messages = self._poll(reader, tp)
            if messages != []:
                # The stall clock runs only while polls reach the broker and find nothing.
                self._empty_since.pop(tp, None)
            if messages is None:
                # The broker is away: resume later rather than fail the bundle (and the job).
                tracker.defer_remainder(Duration(seconds=ERROR_RESUME_SECONDS))
                return read.next_offset
            yield from self._claim(element, messages, tracker, watermark, read)
            if not read.done and not messages:
                yield from self._nothing_new(reader, element, tp, tracker, watermark, read)
            if not self._source.bounded and (not messages or time.monotonic() > deadline):
                break
        if not read.done:
            # Self-checkpoint: the runner resumes the rest of the partition later (at once
            # when records were flowing, after a while when it was idle).
            delay = 0 if read.next_offset is not None else IDLE_RESUME_SECONDS
            tracker.defer_remainder(Duration(seconds=delay))
        return read.next_offset

    def _poll(self, reader: KafkaConsumer, tp: TopicPartition) -> list | None:
        """The partition's next messages from its ``reader`` (maybe none); None, unbounded, if
        the broker is away."""
        try:
            batch = reader.poll(timeout_ms=POLL_TIMEOUT_MS, max_records=MAX_POLL_RECORDS)
        except KafkaError as e:
            if self._source.bounded:
                raise
            log.warning("reading %s/%d: %s; retrying", tp.topic, tp.partition, e)
            return None
        return batch.get(tp, [])

    def _claim(self, element: PartitionSpec, messages, tracker, watermark, read) -> Iterator:
        """Claims and emits the messages in order, then the ``Read`` mark of those claimed;
        ``read.done`` at the first offset past the restriction."""
        claimed: list[int] = []
        read.ts = watermark.current_watermark() or Timestamp.now()
        for msg in messages:
            if not tracker.try_claim(msg.offset):
                read.done = True
                break
            read.next_offset = msg.offset + 1
            claimed.append(msg.offset)
            read.ts = Timestamp(micros=max(msg.timestamp, 0) * 1000)
            self._advance_watermark(watermark, read.ts)
            yield self._emit(element, msg, read.ts)
        if claimed and self._marks:
            yield self._read_mark(element, read.marked, read.next_offset, claimed, read.ts)
            read.marked = read.next_offset

    def _emit(self, element: PartitionSpec, msg, ts: Timestamp) -> beam.pvalue.TaggedOutput:
        """One message as a tagged article or read dead letter, counted."""
        tag, record = read_message(
            element.topic, element.partition, msg.offset, msg.value, self._registry
        )
        self._read_count.inc()
        if tag == DEAD_LETTERS:
            self._dead_letters.inc()
        return beam.pvalue.TaggedOutput(tag, beam.window.TimestampedValue(record, ts))

    def _nothing_new(
        self, reader: KafkaConsumer, element: PartitionSpec, tp, tracker, watermark, read
    ) -> Iterator:
        """A poll found nothing: a bounded range read to its end (possibly after offsets with
        no record, such as transaction markers) is done by claiming its stop offset; an
        unbounded partition is caught up and must not hold back the watermark."""
        stop = tracker.current_restriction().stop
        if self._source.bounded and reader.position(tp) >= stop:
            tracker.try_claim(stop)
            read.done = True
            if self._marks and stop > read.marked:
                yield self._read_mark(element, read.marked, stop, [], read.ts)
        elif not self._source.bounded:
            self._advance_watermark(watermark, Timestamp.now())
            self._replace_if_stuck(reader, tp)

    def _replace_if_stuck(self, reader: KafkaConsumer, tp: TopicPartition) -> None:
        """Drops the partition's reader when two checks of the broker, ``stall_seconds``
        apart, both find records past its position, and it has read nothing in between.

        A consumer was seen to fetch nothing more after a broker restart, for minutes, with
        the records on the broker (a known failure of Kafka clients that keep their
        connections and fetch state across an outage). The next ``process`` call opens a
        fresh consumer at the restriction's position. Two checks, not one, because the first
        poll after an outage may find nothing yet while the broker already has records. A
        reader replaced at the same position and end offset before is kept: the gap is then
        no stall (a transaction marker, say, that no poll returns).
        """
        now = time.monotonic()
        if now - self._empty_since.setdefault(tp, now) < self._stall_seconds:
            return
        self._empty_since[tp] = now  # asks the broker at most once a period
        try:
            end = reader.end_offsets([tp], timeout_ms=STALL_CHECK_TIMEOUT_MS)[tp]
            position = reader.position(tp, timeout_ms=STALL_CHECK_TIMEOUT_MS)
        except KafkaError:
            self._unread.pop(tp, None)  # the broker is away: polls ride that out on their own
            return
        if end <= position or self._replaced_at.get(tp) == (position, end):
            self._unread.pop(tp, None)
            return
        if self._unread.get(tp) != position:
            self._unread[tp] = position  # stuck if it still stands here at the next check
            return
        log.warning(
            "reading %s/%d: nothing read at offset %d for %.0f s while the broker has records "
            "up to %d; reconnecting",
            tp.topic,
            tp.partition,
            position,
            self._stall_seconds,
            end,
        )
        self._replaced_at[tp] = (position, end)
        del self._readers[tp]
        self._empty_since.pop(tp)
        self._unread.pop(tp)
        reader.close()

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
        self._committer = consumer(self._source.servers, self._source.group, self._source.security)
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
    ``security``: TLS and SASL settings of the consumers; ``registry_security``: basic auth
    and TLS of the schema registry.
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
        security: KafkaSecurity = PLAINTEXT,
        registry_security: RegistrySecurity | None = None,
    ) -> None:
        super().__init__()
        if start_offset not in START_OFFSETS:
            raise ValueError(f"start_offset must be one of {START_OFFSETS}, not {start_offset!r}")
        self._source = SourceSettings(
            bootstrap_servers,
            topic,
            consumer_group,
            start_offset,
            bounded,
            schema_registry_url,
            security,
            registry_security or RegistrySecurity(),
        )
        self._track = track_offsets

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.pvalue.DoOutputsTuple:
        return (
            pbegin
            | "Impulse" >> beam.Impulse()
            | "ListPartitions" >> beam.ParDo(_ListPartitions(self._source))
            | "SpreadPartitions" >> beam.Reshuffle()
            | "ReadPartitions"
            >> beam.ParDo(
                (_ReadPartition if self._track else _ReadAndCommitPartition)(self._source)
            ).with_outputs(ARTICLES, DEAD_LETTERS, READ_OFFSETS)
        )
