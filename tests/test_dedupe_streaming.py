"""Streaming de-duplication: same decisions as batch on the same order, and expiring state."""

import datetime as dt
import logging

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Timestamp

from pipelines.dedupe import DedupeArticles
from pipelines.dedupe.matching import article_order
from pipelines.dedupe.streaming import _DecideInArrivalOrder, _fingerprinted
from pipelines.options import parse_duration
from tests.test_dedupe import OTHER, STORY, article, syndicated

HOUR = 3600
T0 = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


def decisions(result):
    """(kept ids, (id, duplicate_of, method) of the rest) as PCollections."""
    kept = result.unique | "ids" >> beam.Map(lambda a: a["article_id"])
    dups = result.duplicates | "dups" >> beam.Map(
        lambda d: (d["article_id"], d["duplicate_of"], d["method"])
    )
    return kept, dups


def stream_of(timed_articles):
    """A TestStream of (seconds, article) in order, the watermark following the timestamps."""
    stream, watermark = TestStream(), None
    for seconds, a in timed_articles:
        if watermark is None or seconds > watermark:
            stream, watermark = stream.advance_watermark_to(seconds), seconds
        stream = stream.add_elements([TimestampedValue(a, seconds)])
    return stream.advance_watermark_to_infinity()


def streaming_pipeline():
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    return TestPipeline(options=options)


def run_streaming(timed_articles, kept, duplicates, horizon_seconds=7 * 86400):
    with streaming_pipeline() as p:
        result = (
            p
            | stream_of(timed_articles)
            | DedupeArticles(0.8, streaming=True, horizon_seconds=horizon_seconds)
        )
        ids, dups = decisions(result)
        assert_that(ids, equal_to(kept), label="kept")
        assert_that(dups, equal_to(duplicates), label="duplicates")


def truncated(text):
    return " ".join(text.split(". ")[:5]) + "."


ARTICLES = [
    article("original", STORY, T0),
    article("copy", syndicated(STORY), T0 + dt.timedelta(hours=1)),
    article("shouting", STORY.upper(), T0 + dt.timedelta(hours=2)),
    article("teaser", truncated(syndicated(STORY)), T0 + dt.timedelta(hours=3)),
    article("other", OTHER, T0 + dt.timedelta(hours=4)),
    article("original", STORY, T0 + dt.timedelta(hours=5), origin="redelivered"),
    article("other-copy", syndicated(OTHER), T0 + dt.timedelta(hours=6)),
]
EXPECTED_KEPT = ["original", "other"]
EXPECTED_DUPLICATES = [
    ("copy", "original", "near"),
    ("shouting", "original", "exact"),
    ("teaser", "original", "near"),
    ("original", "original", "id"),
    ("other-copy", "other", "near"),
]


def test_batch_and_streaming_decide_alike_on_the_same_order():
    ordered = sorted(ARTICLES, key=article_order)
    with TestPipeline() as p:
        ids, dups = decisions(p | beam.Create(ordered) | DedupeArticles(0.8))
        assert_that(ids, equal_to(EXPECTED_KEPT), label="kept")
        assert_that(dups, equal_to(EXPECTED_DUPLICATES), label="duplicates")
    timed = [(a["published_at"].timestamp(), a) for a in ordered]
    run_streaming(timed, EXPECTED_KEPT, EXPECTED_DUPLICATES)


def test_streaming_first_seen_wins():
    late_original = article("original", STORY, T0 + dt.timedelta(days=1))
    early_copy = article("copy", syndicated(STORY), T0)
    run_streaming(
        [(0, late_original), (60, early_copy)],
        kept=["original"],
        duplicates=[("copy", "original", "near")],
    )


def test_a_copy_after_the_horizon_is_no_longer_a_duplicate():
    run_streaming(
        [
            (0, article("first", STORY)),
            (HOUR, article("within", syndicated(STORY))),
            (HOUR + 30, article("first", STORY)),  # the same id again, within the horizon
            (4 * HOUR, article("after", syndicated(STORY))),
            (4 * HOUR + 30, article("first", STORY)),  # the same id again, after it
        ],
        kept=["first", "after"],
        duplicates=[
            ("within", "first", "near"),
            ("first", "first", "id"),
            ("first", "after", "near"),
        ],
        horizon_seconds=2 * HOUR,
    )


def test_state_held_per_key_stays_bounded_past_the_horizon(caplog):
    """The same text every 1.5 h for 30 h, horizon 2 h: a bucket never holds more than 2."""
    copies = [(i * 1.5 * HOUR, article(f"day-{i}", STORY)) for i in range(20)]
    with caplog.at_level(logging.DEBUG, logger="pipelines.dedupe.streaming"):
        run_streaming(
            copies,
            kept=["day-0"],
            duplicates=[(f"day-{i}", f"day-{i - 1}", "exact") for i in range(1, 20)],
            horizon_seconds=2 * HOUR,
        )
    held = [r.dedupe_held for r in caplog.records if hasattr(r, "dedupe_held")]
    stored = [r.dedupe_stored for r in caplog.records if hasattr(r, "dedupe_stored")]
    expired = sum(r.dedupe_expired for r in caplog.records if hasattr(r, "dedupe_expired"))
    print(
        f"expiries: {len(held)}, bucket entries expired: {expired}, "
        f"most held by one bucket key after an expiry: {max(held)}, at the end: {held[-1]}; "
        f"most articles stored after an expiry: {max(stored)}, at the end: {stored[-1]}"
    )
    assert held and max(held) <= 1
    assert max(stored) <= 1 and stored[-1] == 0  # the bag itself is rewritten, then emptied
    assert expired == 20 * 43  # every entry of every bucket key was dropped by the end


class FakeState:
    """A bag, a value and a timer as one worker's view of a key's state, which can be rolled
    back (a retried bundle, a restore from a checkpoint)."""

    def __init__(self):
        self.bag, self.value, self.timer = [], None, None

    def snapshot(self):
        return list(self.bag), self.value

    def restore(self, snapshot):
        self.bag, self.value = list(snapshot[0]), snapshot[1]


class _Bag:
    def __init__(self, state):
        self.state = state

    def read(self):
        return list(self.state.bag)

    def add(self, entry):
        self.state.bag.append(entry)

    def clear(self):
        self.state.bag.clear()


class _Value:
    def __init__(self, state):
        self.state = state

    def read(self):
        return self.state.value

    def write(self, value):
        self.state.value = value


class _Timer:
    def __init__(self, state):
        self.state = state

    def set(self, timestamp):
        self.state.timer = timestamp


def decide(fn, state, seconds, a):
    """What ``fn`` decides on article ``a`` arriving at event time ``seconds``: its id if
    kept, else (id, duplicate_of, method)."""
    (out,) = fn.process(
        _fingerprinted(a),
        timestamp=Timestamp(seconds),
        entries=_Bag(state),
        stored=_Value(state),
        timer=_Timer(state),
    )
    if isinstance(out, beam.pvalue.TaggedOutput):
        return out.value["article_id"], out.value["duplicate_of"], out.value["method"]
    return out["article_id"]


def new_instance():
    fn = _DecideInArrivalOrder(0.8, 7 * 86400)
    fn.setup()
    return fn


def test_decisions_depend_on_the_state_not_on_an_instance_s_memory():
    state, first, second = FakeState(), new_instance(), new_instance()
    assert decide(first, state, 0, article("original", STORY)) == "original"
    assert decide(second, state, 60, article("copy", syndicated(STORY))) == (
        "copy",
        "original",
        "near",
    )
    assert decide(second, state, 90, article("other", OTHER)) == "other"
    # The first instance has not seen "other": it rebuilds from the state it finds.
    assert decide(first, state, 120, article("other-copy", syndicated(OTHER))) == (
        "other-copy",
        "other",
        "near",
    )
    before = state.snapshot()
    assert decide(first, state, 150, article("late", OTHER.upper())) == (
        "late",
        "other",
        "exact",
    )
    state.restore(before)  # the bundle is retried: what it wrote is gone, the memory is not
    assert decide(first, state, 150, article("late", OTHER)) == ("late", "other", "exact")
    assert decide(first, state, 160, article("late", OTHER)) == ("late", "late", "id")


def test_parse_duration():
    assert parse_duration("7d") == 7 * 86400
    assert parse_duration("36h") == 36 * HOUR
    assert parse_duration(" 90s ") == 90
    assert parse_duration("1.5h") == 5400
    for bad in ("", "7", "7 days", "-1d", "0h"):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)
