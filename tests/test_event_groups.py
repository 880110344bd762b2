"""Event groups: ids from the event alone, counts of articles and sources, batch once,
streaming re-emitted as a group grows, and the group files of a pipeline run."""

from __future__ import annotations

import datetime as dt
import glob

import apache_beam as beam
import fastavro
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue

from pipelines import pipeline
from pipelines.options import NewsPipelineOptions
from pipelines.records import is_valid
from pipelines.stories import GroupEvents
from pipelines.stories.groups import event_group_id, group_record, member_of

T0 = dt.datetime(2017, 8, 29, 6, tzinfo=dt.UTC)
HOUR = 3600
PRK = {"text": "North Korea", "canonical": "North Korea", "entity_type": "GPE",
       "country": "PRK", "sector": None}  # fmt: skip
JPN = {"text": "Japan", "canonical": "Japan", "entity_type": "GPE", "country": "JPN",
       "sector": None}  # fmt: skip


def event(event_id, article_id, source, hours, date=dt.date(2017, 8, 29), story="s1", **kw):
    e = {"event_id": event_id, "article_id": article_id, "source": source, "story_id": story,
         "event_type": "THREATEN", "quad_class": 3, "actor": [PRK], "recipient": [JPN],
         "event_date": date, "place": None,
         "published_at": T0 + dt.timedelta(hours=hours), **kw}  # fmt: skip
    e["event_group_id"] = event_group_id(e)
    return e


def test_group_id_depends_on_story_type_participants_by_code_and_date():
    a = event("e1", "a1", "nyt", 0)
    # Another outlet's wording of the same actor: the codes agree, so the group does.
    b = event("e2", "a2", "npr", 1, actor=[{**PRK, "text": "Pyongyang", "canonical": "DPRK"}])
    assert a["event_group_id"] == b["event_group_id"]
    assert (
        event("e3", "a3", "npr", 1, date=dt.date(2017, 9, 15))["event_group_id"]
        != (a["event_group_id"])
    )
    assert event("e4", "a4", "npr", 1, story="s2")["event_group_id"] != a["event_group_id"]
    uncoded = {"text": "the militants", "canonical": "the militants", "entity_type": None}
    c = event("e5", "a5", "x", 0, actor=[uncoded])
    d = event("e6", "a6", "y", 0, actor=[{**uncoded, "canonical": "The Militants"}])
    assert c["event_group_id"] == d["event_group_id"] != a["event_group_id"]
    assert event_group_id({**a, "story_id": None}) is None


def test_group_record_counts_articles_and_sources():
    events = [event("e1", "a1", "nyt", 2), event("e2", "a1", "nyt", 2), event("e3", "a2", "npr", 0)]
    ts = beam.utils.timestamp.Timestamp(0)
    record = group_record(events[0]["event_group_id"], [member_of(e, ts) for e in events])
    assert (record["num_articles"], record["num_sources"]) == (2, 2)
    assert record["sources"] == ["npr", "nyt"] and record["event_ids"] == ["e3", "e1", "e2"]
    assert record["first_seen"] == T0 and record["last_seen"] == T0 + dt.timedelta(hours=2)
    assert record["actor"] == [{"canonical": "North Korea", "country": "PRK", "sector": None}]
    assert is_valid("event_group", record)


EVENTS = [
    event("e1", "a1", "nyt", 0),
    event("e2", "a2", "npr", 1),
    event("e1", "a1", "nyt", 2),  # the same event delivered again
    event("e3", "a3", "npr", 3),
    event("e9", "a9", "cnn", 4, date=dt.date(2017, 9, 15)),
]


def _counts(groups):
    return groups | beam.Map(lambda g: (g["event_type"], g["num_articles"], g["num_sources"]))


def test_batch_writes_each_group_once():
    with TestPipeline() as p:
        groups = p | beam.Create(EVENTS) | GroupEvents(72 * HOUR)
        assert_that(_counts(groups), equal_to([("THREATEN", 3, 2), ("THREATEN", 1, 1)]))


def test_streaming_re_emits_a_group_each_time_it_grows():
    stream = TestStream()
    for e in EVENTS:
        seconds = e["published_at"].timestamp()
        stream = stream.advance_watermark_to(seconds).add_elements([TimestampedValue(e, seconds)])
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    with TestPipeline(options=options) as p:
        groups = p | stream.advance_watermark_to_infinity() | GroupEvents(72 * HOUR, True)
        assert_that(
            _counts(groups),
            equal_to(
                [("THREATEN", 1, 1), ("THREATEN", 2, 2), ("THREATEN", 3, 2), ("THREATEN", 1, 1)]
            ),  # fmt: skip
        )


def test_pipeline_writes_event_groups_of_its_events(seeds_dir, tmp_path):
    options = PipelineOptions(
        [f"--input={seeds_dir}", f"--output_dir={tmp_path}/", "--runner=DirectRunner"]
    )
    with beam.Pipeline(options=options) as p:
        pipeline.build(p, options.view_as(NewsPipelineOptions))

    def read(kind):
        return [
            r
            for f in glob.glob(f"{tmp_path}/{kind}-*.avro")
            for r in fastavro.reader(open(f, "rb"))
        ]

    events, groups = read("events"), read("event_groups")
    assert events and groups
    members = {e: g["event_group_id"] for g in groups for e in g["event_ids"]}
    assert {e["event_id"]: e["event_group_id"] for e in events} == members
    assert all(e["story_id"] for e in events)
    assert all(g["num_articles"] >= 1 and is_valid("event_group", g) for g in groups)
    assert all(a["story_id"] for a in read("articles"))
