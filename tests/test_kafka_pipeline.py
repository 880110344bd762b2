"""The whole pipeline between Kafka topics, against a real broker (deploy/local/kafka.sh start).

Seed articles plus malformed messages go in; events, duplicates and dead letters come out as
Avro; every message is accounted for. A restarted job of the same consumer group reads only
what the last one did not, and gives the same event ids for the same article.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import fastavro
import pytest
from kafka_helpers import BOOTSTRAP, admin, committed, create_topic, send
from test_kafka_wire import event

from pipelines import counting
from pipelines.consume import consume
from pipelines.io.kafka_codec import encode_record
from pipelines.options import ConfigurationError
from pipelines.produce import produce
from pipelines.run import run

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parent.parent
# One happening (Japan and the US sign a trade deal in Tokyo on Monday) as three outlets report
# it, each in its own words: one story, not duplicates.
OUTLETS = [
    (
        "wire.example",
        "Japan and US sign trade agreement in Tokyo",
        "Japan and the United States signed a trade agreement in Tokyo on Monday. The deal "
        "cuts tariffs on cars and farm goods, officials said. Negotiators had worked on the "
        "text for eight months.",
    ),
    (
        "daily.example",
        "Tokyo trade pact: Japan and United States seal deal",
        "In Tokyo on Monday, Japan and the United States signed a trade agreement after months "
        "of talks. Exporters of rice and beef welcomed the news. Critics in parliament warned "
        "that small farmers would lose out.",
    ),
    (
        "news.example",
        "US and Japan agree trade deal",
        "The United States and Japan signed a trade agreement in Tokyo on Monday, ending a long "
        "dispute over tariffs. Car makers in both countries said the terms would help them. The "
        "pact still needs the approval of Japan's parliament.",
    ),
]

MALFORMED = [
    (b"\xff\xfe\x00 binary junk", "invalid_utf8"),
    (b'["not", "an", "object"]', "not_an_object"),
    (b'{"title": "a headline and nothing else"}', "invalid_article"),
    (b"{truncated json", "invalid_json"),
]


@pytest.fixture(scope="module")
def kafka():
    client = admin()
    yield client
    client.close()


@pytest.fixture(scope="module")
def file_run(tmp_path_factory, seeds_dir):
    """The seeds run from files: the events the Kafka run must reproduce."""
    out = tmp_path_factory.mktemp("files")
    totals = run([f"--input={seeds_dir}", f"--output_dir={out}"])
    return totals, out


def read_avro(out, kind: str) -> list[dict]:
    rows = []
    for path in sorted(glob.glob(os.path.join(out, f"{kind}-*.avro"))):
        with open(path, "rb") as f:
            rows.extend(fastavro.reader(f))
    return rows


def kafka_run(source: str, group: str, out, **topics: str) -> dict[str, int]:
    args = [
        f"--kafka_bootstrap_servers={BOOTSTRAP}",
        f"--input_topic={source}",
        f"--consumer_group={group}",
        "--kafka_bounded",
        f"--output_dir={out}",
    ]
    args += [f"--{name}={topic}" for name, topic in topics.items()]
    return run(args)


def decoded(topic: str, schema: str) -> list:
    messages = list(consume(BOOTSTRAP, topic, schema, idle_timeout=3))
    assert [m.error for m in messages if m.error] == []
    return messages


def test_seed_articles_and_malformed_messages_through_kafka(kafka, seeds_dir, file_run, tmp_path):
    source = create_topic(kafka, "articles", partitions=2)
    events, dead, dups, groups = (
        create_topic(kafka, k) for k in ("events", "dead", "dups", "groups")
    )
    sent, _ = produce(BOOTSTRAP, source, [str(seeds_dir)])
    malformed_at = send(source, [(1, value) for value, _ in MALFORMED])
    bad_avro_at = send(source, [(0, encode_record(event(), "event"))])

    totals = kafka_run(
        source,
        "g-e2e",
        tmp_path,
        output_topic=events,
        dead_letter_topic=dead,
        duplicates_topic=dups,
        event_groups_topic=groups,
    )

    # Counts add up: every message read is kept, a duplicate or a dead letter.
    assert totals[counting.READ] == sent + len(MALFORMED) + 1
    assert counting.balanced(totals)
    file_totals, file_out = file_run
    assert totals[counting.KEPT] == file_totals[counting.KEPT]
    assert totals[counting.DUPLICATES] == file_totals[counting.DUPLICATES]

    # The events topic holds exactly the seed events, keyed by event id.
    event_msgs = decoded(events, "event")
    assert [m.key.decode() for m in event_msgs] == [m.record["event_id"] for m in event_msgs]
    assert len(event_msgs) == totals[counting.EVENTS] > 0
    assert sorted(m.record["event_id"] for m in event_msgs) == sorted(
        e["event_id"] for e in read_avro(file_out, "events")
    )

    # Dead letters: the malformed messages, with reason, origin and raw payload.
    dead_msgs = [m.record for m in decoded(dead, "dead_letter")]
    assert len(dead_msgs) == totals[counting.DEAD_LETTERS]
    read_dead = {d["origin"]: d for d in dead_msgs if d["stage"] == "read"}
    expected = {
        f"kafka:{source}/1@{offset}": (value, reason)
        for offset, (value, reason) in zip(malformed_at, MALFORMED, strict=True)
    }
    expected[f"kafka:{source}/0@{bad_avro_at[0]}"] = (
        encode_record(event(), "event"),
        "invalid_avro",
    )
    assert {o: (d["payload"], d["error_type"]) for o, d in read_dead.items()} == expected
    assert all(d["error_message"] for d in dead_msgs)

    assert len(decoded(dups, "duplicate")) == totals[counting.DUPLICATES]
    # Event groups, keyed by group id: each group of the events once (a bounded run).
    group_msgs = decoded(groups, "event_group")
    assert [m.key.decode() for m in group_msgs] == [m.record["event_group_id"] for m in group_msgs]
    assert sorted(m.record["event_group_id"] for m in group_msgs) == sorted(
        {m.record["event_group_id"] for m in event_msgs}
    )
    # Offsets are committed up to the end of both partitions.
    assert sum(committed(source, "g-e2e", 2).values()) == totals[counting.READ]


def test_restarted_job_loses_nothing_and_repeats_event_ids(kafka, seeds_dir, tmp_path):
    source = create_topic(kafka, "restart")
    events = create_topic(kafka, "restart-events")
    # The page is no near-duplicate of another seed, so its replay is not de-duplicated away.
    first_half = [str(seeds_dir / "port_strike.html")]
    second_half = [
        str(seeds_dir / "000_7c648e7a352749dc.txt"),
        str(seeds_dir / "wire_articles.jsonl"),
    ]

    sent_first, _ = produce(BOOTSTRAP, source, first_half)
    first = kafka_run(source, "g-restart", tmp_path / "1", output_topic=events)
    first_events = [m.record for m in decoded(events, "event")]
    assert first[counting.READ] == sent_first
    assert len(first_events) == first[counting.EVENTS] > 0
    assert committed(source, "g-restart", 1) == {0: sent_first}

    # The job has stopped; more articles arrive, then the first ones again (a replay).
    sent_second, _ = produce(BOOTSTRAP, source, second_half)
    sent_replay, _ = produce(BOOTSTRAP, source, first_half)
    second = kafka_run(source, "g-restart", tmp_path / "2", output_topic=events)

    # The restarted job read exactly what the first did not: nothing lost, nothing re-read.
    total = sent_first + sent_second + sent_replay
    assert second[counting.READ] == sent_second + sent_replay
    assert counting.balanced(second)
    assert committed(source, "g-restart", 1) == {0: total}
    later_events = [m.record for m in decoded(events, "event")][len(first_events) :]
    assert len(later_events) == second[counting.EVENTS]

    # The replayed article gave the same events, with the same ids, as the first time.
    replayed = {e["article_id"] for e in first_events}
    assert sorted(e["event_id"] for e in later_events if e["article_id"] in replayed) == sorted(
        e["event_id"] for e in first_events
    )


def test_a_missing_input_topic_fails_at_start(kafka, tmp_path):
    missing = f"no-such-topic-{os.getpid()}-{tmp_path.name}"
    with pytest.raises(ConfigurationError, match=f"--input_topic '{missing}' does not exist"):
        kafka_run(missing, "g-missing", tmp_path)
    assert not list(tmp_path.glob("*.avro"))


def outlet_article(n: int) -> bytes:
    source, title, text = OUTLETS[n]
    return json.dumps(
        {
            "url": f"https://{source}/world/japan-us-trade",
            "source": source,
            "title": title,
            "text": text,
            "published_at": f"2026-11-30T{8 + 3 * n:02d}:00:00Z",
        }
    ).encode()


def agreement_groups(topic: str, timeout: float) -> list[dict]:
    """The AGREE group records on ``topic`` so far, waiting up to ``timeout`` for a first."""
    deadline = time.monotonic() + timeout
    while True:
        records = [m.record for m in consume(BOOTSTRAP, topic, "event_group", idle_timeout=3)]
        found = [r for r in records if r["event_type"] == "AGREE"]
        if found or time.monotonic() > deadline:
            return found


def test_streaming_event_groups_grow_as_more_outlets_report_the_story(kafka, tmp_path):
    """A streaming job re-emits an event group, under the same key, each time another outlet's
    article of the story joins it; the latest record per key counts every outlet."""
    source, groups = create_topic(kafka, "outlets"), create_topic(kafka, "outlet-groups")
    log = tmp_path / "job.log"
    job = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.run",
            "--streaming",
            f"--kafka_bootstrap_servers={BOOTSTRAP}",
            f"--input_topic={source}",
            "--consumer_group=g-groups",
            f"--event_groups_topic={groups}",
            f"--output_dir={tmp_path}/",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        send(source, [(0, outlet_article(0))])
        first = agreement_groups(groups, timeout=300)
        assert job.poll() is None, log.read_text()[-3000:]
        assert [(g["num_articles"], g["num_sources"]) for g in first] == [(1, 1)]
        send(source, [(0, outlet_article(1)), (0, outlet_article(2))])
        deadline = time.monotonic() + 180
        latest = first
        while latest[-1]["num_sources"] < 3 and time.monotonic() < deadline:
            latest = agreement_groups(groups, timeout=0)
        assert job.poll() is None, log.read_text()[-3000:]
    finally:
        job.kill()
        job.wait()
    # One group, re-emitted as it grew: its key never changes and its counts never fall.
    assert {
        (m.key.decode(), m.record["event_group_id"])
        for m in consume(BOOTSTRAP, groups, "event_group", idle_timeout=3)
        if m.record["event_type"] == "AGREE"
    } == {(first[0]["event_group_id"],) * 2}
    counts = [(g["num_articles"], g["num_sources"]) for g in latest]
    assert counts == sorted(counts) and counts[-1] == (3, 3), counts
    assert sorted(latest[-1]["sources"]) == sorted(o[0] for o in OUTLETS)
