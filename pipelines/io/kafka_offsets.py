# ruff: noqa: B008  (Beam declares state parameters as argument defaults)
"""At-least-once offsets: commit a partition only up to the first record not fully written.

The Kafka source (``ReadArticlesFromKafka(track_offsets=True)``) emits a ``Read`` mark per
poll batch: the offsets it read and the offset range they cover. The way out
(``pipelines.io.sinks``) emits a ``Done`` mark per input record once the record's last output
is acknowledged, from the typed ``position`` the source set on it (see ``done_marks``).
``CommitOffsets``, keyed by topic/partition, pairs the two and commits to the consumer group
the lowest offset read and not yet done (or, when none is pending, the end of the contiguous
range read so far), never going back. Offsets with no record (transaction markers) lie inside
a read range without being read, so they never hold the commit back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.coders import IterableCoder, NullableCoder, TupleCoder, VarIntCoder
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from kafka import TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from pipelines.io.kafka_clients import PLAINTEXT, KafkaSecurity, consumer
from pipelines.state_coders import FieldsCoder

log = logging.getLogger(__name__)

# How long one commit may wait for the group coordinator before it is retried later.
COMMIT_TIMEOUT_MS = 10_000
# Commit a partition at most this often while records are pending (at once when none is).
COMMIT_INTERVAL_SECONDS = 1.0


class Read(NamedTuple):
    """Offsets read from one partition: ``offsets`` are the records found in
    ``[start, stop)``; ``first`` is where this job began reading the partition."""

    first: int
    start: int
    stop: int
    offsets: tuple[int, ...]


class Done(NamedTuple):
    """Every output of the record at ``offset`` is written."""

    offset: int


def partition_key(topic: str, partition: int) -> str:
    """The key of a partition's marks: ``<topic>/<partition>`` (topic names hold no '/')."""
    return f"{topic}/{partition}"


def done_marks(record: dict, topic: str) -> Iterator[tuple[str, Done]]:
    """The ``Done`` mark of the input of ``topic`` that ``record`` ends, once ``record`` is
    written, by the record's typed position (none for a record of another source)."""
    position = record.get("position")
    if position and position.get("topic") == topic:
        yield partition_key(topic, position["partition"]), Done(position["offset"])


@dataclass
class OffsetBook:
    """What is read and done in one partition; says which offset may be committed."""

    frontier: int | None = None  # the reads cover [first, frontier) without a hole
    ahead: list[tuple[int, int]] = field(default_factory=list)  # ranges past a hole
    pending: set[int] = field(default_factory=set)  # read, not done
    early: set[int] = field(default_factory=set)  # done before its read mark came
    committed: int | None = None  # starts where the job began reading

    def read(self, mark: Read) -> None:
        if self.frontier is None:
            self.frontier = self.committed = mark.first
        for offset in mark.offsets:
            if offset in self.early:
                self.early.discard(offset)
            else:
                self.pending.add(offset)
        self.ahead.append((mark.start, mark.stop))
        self.ahead.sort()
        while self.ahead and self.ahead[0][0] <= self.frontier:
            self.frontier = max(self.frontier, self.ahead.pop(0)[1])
        # Done offsets below the frontier that no read claimed are repeats: forget them.
        self.early = {o for o in self.early if o >= self.frontier}

    def done(self, mark: Done) -> None:
        if mark.offset in self.pending:
            self.pending.discard(mark.offset)
        elif self.frontier is None or mark.offset >= self.frontier:
            self.early.add(mark.offset)
        # else: a repeat of an offset already done

    def committable(self) -> int | None:
        """The offset to commit now, if it moves the committed offset forward."""
        if self.frontier is None:
            return None
        offset = min(min(self.pending, default=self.frontier), self.frontier)
        return offset if offset > self.committed else None


_OFFSET = NullableCoder(VarIntCoder())
_OFFSETS = IterableCoder(VarIntCoder())
# A partition's book in ``_CommitFn``'s state.
OFFSET_BOOK_CODER = FieldsCoder(
    [
        _OFFSET,
        IterableCoder(TupleCoder([VarIntCoder(), VarIntCoder()])),
        _OFFSETS,
        _OFFSETS,
        _OFFSET,
    ],
    lambda frontier, ahead, pending, early, committed: OffsetBook(
        frontier, list(ahead), set(pending), set(early), committed
    ),
    lambda b: (b.frontier, b.ahead, sorted(b.pending), sorted(b.early), b.committed),
)


class _CommitFn(beam.DoFn):
    """Keeps an ``OffsetBook`` per partition and commits what it allows; yields
    (partition key, committed offset) after each commit.

    While records are pending, commits are spaced by ``COMMIT_INTERVAL_SECONDS``. An offset
    held back so, or whose commit failed, is committed with the partition's next mark (the
    mark that leaves nothing pending always commits), or at the end of a bounded input (an
    event-time timer at the end of the window). No processing-time timer: with one, the
    batch DirectRunner falls back to a runner that cannot run the source.
    """

    BOOK = ReadModifyWriteStateSpec("offsets", OFFSET_BOOK_CODER)
    END = TimerSpec("end", TimeDomain.WATERMARK)

    def __init__(self, bootstrap_servers: str, group: str, security: KafkaSecurity) -> None:
        self._servers = bootstrap_servers
        self._group = group
        self._security = security

    def setup(self) -> None:
        self._last_commit: dict[str, float] = {}
        self._consumer = consumer(self._servers, self._group, self._security)

    def teardown(self) -> None:
        self._consumer.close()

    def process(
        self,
        element: tuple[str, Read | Done],
        window=beam.DoFn.WindowParam,
        book_state=beam.DoFn.StateParam(BOOK),
        end=beam.DoFn.TimerParam(END),
    ) -> Iterator[tuple[str, int]]:
        key, mark = element
        book: OffsetBook = book_state.read() or OffsetBook()
        if book.frontier is None:
            end.set(window.max_timestamp())
        if isinstance(mark, Read):
            book.read(mark)
        else:
            book.done(mark)
        due = not book.pending or (
            time.monotonic() - self._last_commit.get(key, 0.0) >= COMMIT_INTERVAL_SECONDS
        )
        if due:
            yield from self._commit_book(key, book)
        book_state.write(book)

    @on_timer(END)
    def at_end(
        self, key=beam.DoFn.KeyParam, book_state=beam.DoFn.StateParam(BOOK)
    ) -> Iterator[tuple[str, int]]:
        book: OffsetBook | None = book_state.read()
        if book is not None:
            yield from self._commit_book(key, book)
            book_state.clear()

    def _commit_book(self, key: str, book: OffsetBook) -> Iterator[tuple[str, int]]:
        offset = book.committable()
        if offset is not None and self._commit(key, offset):
            book.committed = offset
            yield key, offset

    def _commit(self, key: str, offset: int) -> bool:
        topic, _, partition = key.rpartition("/")
        tp = TopicPartition(topic, int(partition))
        try:
            self._consumer.commit({tp: OffsetAndMetadata(offset, "", -1)}, COMMIT_TIMEOUT_MS)
        except KafkaError as e:
            # Retried with the next mark of the partition; the offset only ever grows.
            log.warning("offset commit of %s at %d failed: %s", key, offset, e)
            return False
        self._last_commit[key] = time.monotonic()
        log.debug("committed %s at %d", key, offset)
        return True


class CommitOffsets(beam.PTransform):
    """(partition key, Read | Done) marks -> offsets committed to ``group``.

    Returns (partition key, offset) for every commit made.
    """

    def __init__(
        self, bootstrap_servers: str, group: str, security: KafkaSecurity = PLAINTEXT
    ) -> None:
        super().__init__()
        self._fn = _CommitFn(bootstrap_servers, group, security)

    def expand(self, marks: beam.PCollection[tuple[str, Any]]) -> beam.PCollection:
        # Typed so that the partition key gets a deterministic coder, as state needs.
        keyed = marks | "Key by partition" >> beam.Map(_checked_mark).with_output_types(
            beam.typehints.KV[str, Any]
        )
        return keyed | "Commit" >> beam.ParDo(self._fn)


def _checked_mark(element: tuple[str, Read | Done]) -> tuple[str, Read | Done]:
    key, mark = element
    if not isinstance(key, str) or not isinstance(mark, Read | Done):
        raise TypeError(f"not an offset mark: {element!r:.200}")
    return key, mark
