"""At-least-once offsets: a partition is committed only up to the first record whose outputs
are not all written.

The bookkeeping is tested on its own; the rest runs against the real broker
(deploy/local/kafka.sh start): CommitOffsets with given marks and a bounded job whose
dead-letter sink fails for one record. The streaming job killed mid-stream and restarted with
the same consumer group is tests/test_faults_kafka.py.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from kafka import KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka_helpers import BOOTSTRAP, admin, committed, create_topic, send
from stories import make_article

from pipelines import counting
from pipelines.consume import consume
from pipelines.io.kafka_offsets import (
    CommitOffsets,
    Done,
    OffsetBook,
    Read,
    done_marks,
    partition_key,
)
from pipelines.io.kafka_sink import WriteToKafka
from pipelines.io.kafka_source import ReadArticlesFromKafka
from pipelines.records import file_position, kafka_position
from pipelines.run import run

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"events": "event", "articles": "article", "duplicates": "duplicate", "dead": "dead_letter"}


def book_after(*marks: Read | Done) -> OffsetBook:
    book = OffsetBook()
    for mark in marks:
        (book.read if isinstance(mark, Read) else book.done)(mark)
    return book


# --- the bookkeeping, no broker -------------------------------------------------------------


def test_commit_stops_at_the_first_offset_not_done():
    book = book_after(Read(0, 0, 5, (0, 1, 2, 3, 4)), Done(0), Done(1), Done(3))
    assert book.committable() == 2
    book.done(Done(2))
    assert book.committable() == 4
    book.done(Done(4))
    assert book.committable() == 5


def test_offsets_without_a_record_do_not_hold_the_commit_back():
    # Offsets 2 and 4 are transaction markers: read ranges cover them, no record has them.
    book = book_after(Read(0, 0, 6, (0, 1, 3, 5)), *(Done(o) for o in (0, 1, 3, 5)))
    assert book.committable() == 6
    # A bounded range may end past its last record: the empty mark still moves the commit.
    book.read(Read(0, 6, 9, ()))
    assert book.committable() == 9


def test_done_before_read_and_reads_out_of_order():
    book = book_after(Done(3), Read(2, 4, 6, (4, 5)), Done(4), Done(5))
    # [2, 4) is not read yet: its records may still be in flight.
    assert book.committable() is None
    book.read(Read(2, 2, 4, (2, 3)))
    assert book.committable() is None  # 2 is where the job began: nothing new to commit
    book.done(Done(2))
    assert book.committable() == 6
    assert (book.pending, book.early, book.ahead) == (set(), set(), [])


def test_the_commit_never_goes_back_and_repeats_are_forgotten():
    book = book_after(Read(10, 10, 12, (10, 11)), Done(10), Done(11))
    assert book.committable() == 12
    book.committed = 12
    book.done(Done(11))  # a repeat, e.g. an article whose record also became a dead letter
    assert book.committable() is None
    assert book.early == set()


def test_state_stays_small_over_a_long_stream():
    book = OffsetBook()
    for start in range(0, 100_000, 500):
        book.read(Read(0, start, start + 500, tuple(range(start, start + 500))))
        for offset in range(start, start + 500):
            book.done(Done(offset))
    assert book.committable() == 100_000
    assert (book.pending, book.early, book.ahead) == (set(), set(), [])


def test_positions_name_the_partition_and_offset():
    from_kafka = {"position": kafka_position("news.in-1", 3, 42)}
    assert list(done_marks(from_kafka, "news.in-1")) == [("news.in-1/3", Done(42))]
    assert list(done_marks(from_kafka, "other")) == []
    assert list(done_marks({"position": None}, "news.in-1")) == []  # a sink's dead letter
    assert list(done_marks({"position": file_position("seeds/a.txt", 1)}, "news.in-1")) == []
    assert list(done_marks({}, "news.in-1")) == []


# --- against the broker -------------------------------------------------------------------


@pytest.fixture(scope="module")
def kafka():
    client = admin()
    yield client
    client.close()


@pytest.mark.kafka
def test_commit_offsets_commits_up_to_the_first_record_not_written(kafka):
    topic = create_topic(kafka, "commit", partitions=2)
    send(topic, [(p, b"x") for p in (0, 1) for _ in range(10)])
    p0, p1 = partition_key(topic, 0), partition_key(topic, 1)
    marks = [
        (p0, Read(0, 0, 6, (0, 1, 2, 3, 4, 5))),
        (p0, Read(0, 6, 10, (6, 8, 9))),  # 7: no record
        *((p0, Done(o)) for o in (0, 1, 2, 3, 5, 6, 8, 9)),  # 4 not written
        (p1, Read(0, 0, 10, tuple(range(10)))),
        *((p1, Done(o)) for o in range(10)),
    ]
    with TestPipeline() as p:
        _ = p | beam.Create(marks) | CommitOffsets(BOOTSTRAP, "g-commit")
    assert committed(topic, "g-commit", 2) == {0: 4, 1: 10}


def _send_in_transactions(topic: str, batches: list[list[bytes]]) -> None:
    """Each batch in one transaction: the broker puts a marker (an offset with no record)
    after each."""
    producer = KafkaProducer(
        bootstrap_servers=BOOTSTRAP, transactional_id=f"tx-{topic}", acks="all"
    )
    try:
        producer.init_transactions()
        for batch in batches:
            producer.begin_transaction()
            for value in batch:
                producer.send(topic, value=value, partition=0)
            producer.commit_transaction()
    finally:
        producer.close()


@pytest.mark.kafka
def test_source_to_sink_commits_past_transaction_markers(kafka):
    source, sink = create_topic(kafka, "tx-in"), create_topic(kafka, "tx-out")
    _send_in_transactions(source, [[_story(n) for n in range(3)], [_story(n) for n in (3, 4)]])
    with TestPipeline() as p:
        read = p | ReadArticlesFromKafka(
            BOOTSTRAP, source, "g-tx", "earliest", bounded=True, track_offsets=True
        )
        written = (
            read.articles
            | WriteToKafka(BOOTSTRAP, sink, "article", "article_id", pass_written=True)
        ).written
        done = written | beam.FlatMap(lambda article: done_marks(article, source))
        _ = (read.read_offsets, done) | beam.Flatten() | CommitOffsets(BOOTSTRAP, "g-tx")
    # Records at 0-2 and 4-5, markers at 3 and 6: the commit reaches the end of the log.
    origins = sorted(
        m.record["origin"] for m in consume(BOOTSTRAP, sink, "article", idle_timeout=1)
    )
    assert origins == [f"kafka:{source}/0@{o}" for o in (0, 1, 2, 4, 5)]
    assert committed(source, "g-tx", 1) == {0: 7}


def _topics(kafka, prefix: str, dead_max_bytes: int | None = None) -> dict[str, str]:
    names = {kind: create_topic(kafka, f"{prefix}-{kind}") for kind in ("events", "articles")}
    names["duplicates"] = create_topic(kafka, f"{prefix}-duplicates")
    dead = f"test-{prefix}-dead-{time.monotonic_ns()}"
    configs = {"max.message.bytes": str(dead_max_bytes)} if dead_max_bytes else {}
    kafka.create_topics([NewTopic(dead, 1, 1, topic_configs=configs)])
    names["dead"] = dead
    return names


def _topic_args(source: str, group: str, topics: dict[str, str]) -> list[str]:
    return [
        f"--kafka_bootstrap_servers={BOOTSTRAP}",
        f"--input_topic={source}",
        f"--consumer_group={group}",
        f"--output_topic={topics['events']}",
        f"--articles_topic={topics['articles']}",
        f"--duplicates_topic={topics['duplicates']}",
        f"--dead_letter_topic={topics['dead']}",
        "--output_dir=",
    ]


def _on_topics(topics: dict[str, str]) -> dict[str, list[dict]]:
    found = {}
    for kind, topic in topics.items():
        messages = list(consume(BOOTSTRAP, topic, KINDS[kind], idle_timeout=1))
        assert [m.error for m in messages if m.error] == []
        found[kind] = [m.record for m in messages]
    return found


def _first(topic: str, schema: str) -> list | None:
    """The first message of ``topic``, if there is one yet."""
    return list(consume(BOOTSTRAP, topic, schema, max_messages=1, idle_timeout=0.2)) or None


def _origins(found: dict[str, list[dict]]) -> list[str]:
    """The input origins accounted for on the topics (each input ends in one of these)."""
    return [r["origin"] for kind in ("articles", "duplicates", "dead") for r in found[kind]]


def _story(n: int) -> bytes:
    """A distinct English article with events, as a JSON message value."""
    return json.dumps(make_article(n)).encode()


@pytest.mark.kafka
def test_a_sink_failing_for_one_record_keeps_the_commit_below_it(kafka, tmp_path):
    source = create_topic(kafka, "failing-sink")
    # The dead-letter topic refuses messages over 20 kB: the dead letter of the 100 kB junk
    # message at offset 2 cannot be written, the others can.
    topics = _topics(kafka, "failing-sink", dead_max_bytes=20_000)
    values = [_story(0), b"{short junk", b"\xff" * 100_000, _story(0), b"[1, 2]"]
    send(source, [(0, v) for v in values])
    args = [*_topic_args(source, "g-failing-sink", topics), "--kafka_bounded"]

    with pytest.raises(Exception, match="not written to"):
        run(args)
    first = committed(source, "g-failing-sink", 1)[0]
    assert first is None or first <= 2, first

    # With the sink fixed, the same group carries on from its commit and loses nothing.
    kafka.alter_configs(
        [ConfigResource(ConfigResourceType.TOPIC, topics["dead"], {"max.message.bytes": "2000000"})]
    )
    totals = run(args)
    assert committed(source, "g-failing-sink", 1) == {0: len(values)}
    assert totals[counting.READ] == len(values) - (first or 0)
    origins = set(_origins(_on_topics(topics)))
    assert origins == {f"kafka:{source}/0@{o}" for o in range(len(values))}
