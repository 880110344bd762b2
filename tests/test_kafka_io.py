"""Kafka source, sink and tools against a real broker (deploy/local/kafka.sh start)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.io.restriction_trackers import OffsetRange
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.runners.sdf_utils import RestrictionTrackerView, ThreadsafeRestrictionTracker
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from kafka import KafkaConsumer, TopicPartition
from kafka_helpers import BOOTSTRAP, admin, committed, create_topic, send
from test_kafka_wire import event

from pipelines import records
from pipelines.consume import consume
from pipelines.io.avro_wire import fingerprint
from pipelines.io.files import ARTICLES, parse_file
from pipelines.io.kafka_clients import PLAINTEXT
from pipelines.io.kafka_codec import encode_record
from pipelines.io.kafka_sink import WriteToKafka
from pipelines.io.kafka_source import (
    UNBOUNDED_STOP,
    PartitionSpec,
    ReadArticlesFromKafka,
    SourceSettings,
    _InOrderOffsetTracker,
    _ReadPartition,
)
from pipelines.io.registry_security import RegistrySecurity
from pipelines.produce import article_files

pytestmark = pytest.mark.kafka
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def kafka():
    client = admin()
    yield client
    client.close()


def article_json(n: int) -> bytes:
    return json.dumps({"url": f"https://example.org/{n}", "text": f"Story number {n}."}).encode()


# The in-process DirectRunner calls _collect in this process: results land here.
_RESULTS: dict[str, list] = {}


def _collect(item, kind: str) -> None:
    _RESULTS.setdefault(kind, []).append(item)


def read(topic: str, group: str, start_offset: str = "committed"):
    """Run a bounded read; returns sorted (origin, text) of articles and (origin, error_type)
    of dead letters."""
    _RESULTS.clear()
    with TestPipeline() as p:
        out = p | ReadArticlesFromKafka(BOOTSTRAP, topic, group, start_offset, bounded=True)
        _ = (
            out.articles
            | "A" >> beam.Map(lambda a: (a["origin"], a["text"]))
            | "Keep A" >> beam.Map(_collect, "articles")
        )
        _ = (
            out.dead_letters
            | "D" >> beam.Map(lambda d: (d["origin"], d["error_type"]))
            | "Keep D" >> beam.Map(_collect, "dead")
        )
    return sorted(_RESULTS.get("articles", [])), sorted(_RESULTS.get("dead", []))


def test_bounded_read_decodes_json_and_avro_and_dead_letters_the_rest(kafka):
    topic = create_topic(kafka, "read", partitions=2)
    avro_article = records.make_article({"text": "Avro story.", "title": "A"}, origin="seed")
    send(
        topic,
        [
            (0, article_json(1)),
            (0, encode_record(avro_article, "article")),
            (0, b"\xff\xfe not text"),
            (0, None),
            (1, article_json(2)),
            (1, b'["a list"]'),
            (1, b'{"title": "no text at all"}'),
            (1, encode_record(event(), "event")),
        ],
    )
    articles, dead = read(topic, "g-read")
    assert articles == [
        (f"kafka:{topic}/0@0", "Story number 1."),
        (f"kafka:{topic}/0@1", "Avro story."),
        (f"kafka:{topic}/1@0", "Story number 2."),
    ]
    assert dead == [
        (f"kafka:{topic}/0@2", "invalid_utf8"),
        (f"kafka:{topic}/0@3", "empty_message"),
        (f"kafka:{topic}/1@1", "not_an_object"),
        (f"kafka:{topic}/1@2", "invalid_article"),
        (f"kafka:{topic}/1@3", "invalid_avro"),
    ]
    assert committed(topic, "g-read", 2) == {0: 4, 1: 4}


def test_dead_letters_keep_the_raw_payload(kafka):
    topic = create_topic(kafka, "payload")
    raw = b"\x00\x01 not an article \xff"
    send(topic, [(0, raw)])
    with TestPipeline() as p:
        dead = p | ReadArticlesFromKafka(BOOTSTRAP, topic, "g-payload", "earliest", True)
        assert_that(
            dead.dead_letters | beam.Map(lambda d: (d["payload"], d["stage"])),
            equal_to([(raw, "read")]),
        )


def test_a_second_run_of_the_group_resumes_after_the_committed_offsets(kafka):
    topic = create_topic(kafka, "resume")
    send(topic, [(0, article_json(n)) for n in range(3)])
    first, _ = read(topic, "g-resume")
    send(topic, [(0, article_json(n)) for n in range(3, 5)])
    second, _ = read(topic, "g-resume")
    assert [o for o, _ in first] == [f"kafka:{topic}/0@{n}" for n in range(3)]
    assert [o for o, _ in second] == [f"kafka:{topic}/0@{n}" for n in range(3, 5)]
    assert read(topic, "g-resume")[0] == []  # nothing new
    assert len(read(topic, "g-resume", "earliest")[0]) == 5
    assert read(topic, "g-other", "latest")[0] == []


def test_unbounded_read_keeps_reading_new_messages_and_commits_them(kafka):
    source = create_topic(kafka, "stream-in", partitions=2)
    sink = create_topic(kafka, "stream-out")
    code = f"""
import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from pipelines.io.kafka_sink import WriteToKafka
from pipelines.io.kafka_source import ReadArticlesFromKafka
with beam.Pipeline(options=PipelineOptions(["--streaming"])) as p:
    read = p | ReadArticlesFromKafka({BOOTSTRAP!r}, {source!r}, "g-stream")
    read.articles | WriteToKafka({BOOTSTRAP!r}, {sink!r}, "article", key_field="article_id")
"""
    send(source, [(n % 2, article_json(n)) for n in range(3)])
    job = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = [m.record["origin"] for m in consume(BOOTSTRAP, sink, "article", None, 3, 60)]
        send(source, [(n % 2, article_json(n)) for n in range(3, 6)])
        every = [m.record["origin"] for m in consume(BOOTSTRAP, sink, "article", None, 6, 60)]
        assert job.poll() is None, job.stderr.read()
        # The commit follows the records: wait for it rather than for a fixed time.
        deadline = time.monotonic() + 30
        while committed(source, "g-stream", 2) != {0: 3, 1: 3} and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        job.kill()
        job.wait()
    assert len(first) == 3
    assert sorted(every) == sorted(
        [f"kafka:{source}/0@{n}" for n in range(3)] + [f"kafka:{source}/1@{n}" for n in range(3)]
    )
    assert committed(source, "g-stream", 2) == {0: 3, 1: 3}


def test_write_to_kafka_writes_valid_records_keyed_and_dead_letters_invalid_ones(kafka):
    topic = create_topic(kafka, "write")
    second = {**event(), "event_id": "e2", "event_type": "ACCUSE", "quad_class": 3}
    invalid = {**event(), "event_id": "e3", "quad_class": "three"}
    with TestPipeline() as p:
        rejected = (
            p
            | beam.Create([event(), second, invalid])
            | WriteToKafka(BOOTSTRAP, topic, "event", key_field="event_id")
        ).rejected
        assert_that(
            rejected | beam.Map(lambda d: (d["stage"], d["error_type"], d["origin"])),
            equal_to([("sink", "invalid_record", f"kafka:{topic}")]),
        )
    messages = list(consume(BOOTSTRAP, topic, "event", idle_timeout=3))
    assert sorted((m.key, m.record["event_type"]) for m in messages) == [
        (b"e1", "AGREE"),
        (b"e2", "ACCUSE"),
    ]
    assert sorted((m.record for m in messages), key=lambda r: r["event_id"]) == [event(), second]
    raw = KafkaConsumer(bootstrap_servers=BOOTSTRAP, auto_offset_reset="earliest")
    raw.assign([TopicPartition(topic, 0)])
    value = next(iter(raw.poll(timeout_ms=5000).values()))[0].value
    raw.close()
    assert value[:10] == b"\xc3\x01" + fingerprint(records.schema("event"))


def test_produce_tool_sends_every_seed_article_as_json(kafka, seeds_dir):
    topic = create_topic(kafka, "produce")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.produce",
            "--topic",
            topic,
            "--bootstrap-servers",
            BOOTSTRAP,
            str(seeds_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    expected = sorted(
        r["article_id"]
        for path in article_files([str(seeds_dir)])
        for tag, r in parse_file(str(path), path.read_bytes())
        if tag == ARTICLES
    )
    assert f"sent {len(expected)} article(s)" in run.stdout
    got, _ = read(topic, "g-produce", "earliest")
    assert len(got) == len(expected)
    raw = KafkaConsumer(bootstrap_servers=BOOTSTRAP, auto_offset_reset="earliest")
    raw.assign([TopicPartition(topic, 0)])
    values = [m for batch in raw.poll(timeout_ms=5000).values() for m in batch]
    raw.close()
    assert sorted(json.loads(m.value)["article_id"] for m in values) == expected
    assert sorted(m.key.decode() for m in values) == expected


def test_consume_tool_prints_decoded_events_and_reports_undecodable_ones(kafka):
    topic = create_topic(kafka, "consume")
    send(topic, [(0, encode_record(event(), "event")), (0, b"garbage")])
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.consume",
            "--topic",
            topic,
            "--bootstrap-servers",
            BOOTSTRAP,
            "--json",
            "--idle-timeout",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(r["event_id"], r["event_date"], r["actor"][0]["canonical"]) for r in lines] == [
        ("e1", "2025-11-03", "Japan")
    ]
    assert f"{topic}/0@1: cannot decode: invalid_avro" in run.stderr
    one = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.consume",
            "--topic",
            topic,
            "--bootstrap-servers",
            BOOTSTRAP,
            "--max-messages",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith("0@0 e1 AGREE (quad 1) Japan -> - [agreed] 2025-11-03")


def _read_unbounded(fn, spec, start: int) -> list[int]:
    """One ``process`` call of the source's partition reader from ``start``, as a runner
    makes it; returns the offsets of the articles it emitted."""
    tracker = RestrictionTrackerView(
        ThreadsafeRestrictionTracker(_InOrderOffsetTracker(OffsetRange(start, UNBOUNDED_STOP)))
    )
    outputs = fn.process(spec, tracker=tracker, watermark=ManualWatermarkEstimator(None))
    return [o.value.value["position"]["offset"] for o in outputs if o.tag == ARTICLES]


def test_unbounded_reader_replaces_a_consumer_that_fetches_no_more(kafka):
    topic = create_topic(kafka, "stall")
    send(topic, [(0, article_json(n)) for n in range(3)])
    fn = _ReadPartition(
        SourceSettings(
            BOOTSTRAP, topic, "g-stall", "committed", False, None, PLAINTEXT, RegistrySecurity()
        ),
        stall_seconds=0.5,
    )
    fn.setup()
    try:
        spec, tp = PartitionSpec(topic, 0, 0, UNBOUNDED_STOP), TopicPartition(topic, 0)
        read = []
        deadline = time.monotonic() + 30
        while len(read) < 3 and time.monotonic() < deadline:
            read += _read_unbounded(fn, spec, len(read))
        assert read == [0, 1, 2]
        # A paused partition fetches nothing, as the consumer stuck after a broker restart did.
        stuck = fn._readers[tp]
        stuck.pause(tp)
        send(topic, [(0, article_json(n)) for n in range(3, 5)])
        deadline = time.monotonic() + 30
        while len(read) < 5 and time.monotonic() < deadline:
            read += _read_unbounded(fn, spec, len(read))
        assert read == [0, 1, 2, 3, 4]
        assert fn._readers[tp] is not stuck
    finally:
        fn.teardown()
