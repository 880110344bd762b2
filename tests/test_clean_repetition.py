"""Paragraphs recurring across the articles of one source: pure functions, batch and streaming."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue

from pipelines.clean.repetition import (
    Paragraphs,
    RecentParagraphs,
    recurring,
    source_of,
    strip_repeated,
)
from pipelines.clean.transform import RemoveRecurring

SLOGAN = "Independent reporting from the valley since 1887."
BACKGROUND = (
    "The valley has been at the centre of a long dispute over water rights between the two "
    "councils, which began when the reservoir was built in the 1960s and has never been settled."
)
TOPICS = ["bridge", "school", "harbour", "library", "market", "railway", "museum", "hospital"]


def story(topic: str, extra: str = "") -> str:
    return (
        f"The council said on Monday that the {topic} would be rebuilt next year after an "
        f"inspection found serious faults in the old structure and its foundations.{extra}"
    )


def body(topic: str, *paragraphs: str) -> str:
    return "\n\n".join([story(topic), *paragraphs])


def article(i: int, text: str, source: str = "valley-news") -> dict:
    return {"article_id": f"a{i}", "source": source, "text": text}


def test_source_is_the_field_else_the_host_else_the_origin_file() -> None:
    assert source_of({"source": "wire", "url": "https://x.org/a"}) == "wire"
    assert source_of({"url": "https://www.example.org/news/1"}) == "example.org"
    assert source_of({"origin": "feeds/today.jsonl:42"}) == "feeds/today.jsonl"
    assert source_of({"origin": "kafka:news.raw/3@1017"}) == "kafka:news.raw"


def test_short_paragraph_in_enough_distinct_articles_recurs() -> None:
    texts = [body(t, SLOGAN) for t in TOPICS[:4]]
    repeated = recurring([Paragraphs.of(t) for t in texts], min_articles=4)
    assert strip_repeated(texts[0], repeated) == story(TOPICS[0])
    assert recurring([Paragraphs.of(t) for t in texts[:3]], min_articles=4) == set()


def test_recurring_good_prose_is_background_and_stays() -> None:
    texts = [body(t, BACKGROUND) for t in TOPICS[:6]]
    assert recurring([Paragraphs.of(t) for t in texts], min_articles=4) == set()


def test_versions_of_one_article_count_once() -> None:
    versions = [body("bridge", SLOGAN, f"Correction number {i} was made.") for i in range(6)]
    assert recurring([Paragraphs.of(t) for t in versions], min_articles=2) == set()


def test_recurring_is_order_independent() -> None:
    texts = [body(t, SLOGAN) for t in TOPICS[:4]] + [body("bridge", SLOGAN, "Updated.")]
    forward = recurring([Paragraphs.of(t) for t in texts], min_articles=4)
    backward = recurring([Paragraphs.of(t) for t in reversed(texts)], min_articles=4)
    assert forward == backward and forward


def test_nothing_is_stripped_to_empty() -> None:
    text = SLOGAN
    assert strip_repeated(text, Paragraphs.of(text).removable) == text


def test_recent_paragraphs_learn_and_stay_bounded() -> None:
    recent = RecentParagraphs(window=3, min_articles=3)
    found = [recent.observe(Paragraphs.of(body(t, SLOGAN))) for t in TOPICS]
    assert [bool(f) for f in found] == [False, False, True, True, True, True, True, True]
    assert len(recent.articles) == 3


def test_recent_versions_replace_each_other() -> None:
    recent = RecentParagraphs(window=10, min_articles=2)
    for i in range(4):
        assert not recent.observe(Paragraphs.of(body("bridge", SLOGAN, f"Fix {i} made.")))
    assert len(recent.articles) == 1


def test_batch_removes_recurring_paragraphs_per_source() -> None:
    inputs = [article(i, body(t, SLOGAN)) for i, t in enumerate(TOPICS[:4])]
    inputs.append(article(9, body("bridge", SLOGAN), source="other-site"))
    with TestPipeline() as p:
        out = p | beam.Create(inputs) | RemoveRecurring(streaming=False, min_articles=4)
        assert_that(
            out | beam.Map(lambda a: (a["article_id"], SLOGAN in a["text"])),
            equal_to([("a0", False), ("a1", False), ("a2", False), ("a3", False), ("a9", True)]),
        )


def test_streaming_learns_as_the_stream_goes() -> None:
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    stream = TestStream()
    for i, topic in enumerate(TOPICS[:5]):
        stream = stream.advance_watermark_to(i * 60).add_elements(
            [TimestampedValue(article(i, body(topic, SLOGAN)), i * 60)]
        )
    with TestPipeline(options=options) as p:
        out = p | stream.advance_watermark_to_infinity() | RemoveRecurring(min_articles=3)
        assert_that(
            out | beam.Map(lambda a: (a["article_id"], SLOGAN in a["text"])),
            equal_to([("a0", True), ("a1", True), ("a2", False), ("a3", False), ("a4", False)]),
        )
