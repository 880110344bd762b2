"""CleanArticles on Beam: cleaned articles and dead letters, one output per input."""

from __future__ import annotations

from pathlib import Path

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines.clean import CleanArticles
from pipelines.records import is_valid, make_article

DATA = Path(__file__).parent / "data" / "clean"
SEED = (DATA / "seed.txt").read_text(encoding="utf-8")
SEED_TITLE = SEED.strip().split("\n")[0]
PAGE = (DATA / "page.html").read_text(encoding="utf-8")


def _inputs() -> list[dict]:
    seed = make_article({"title": SEED_TITLE, "text": SEED, "source": "seed"}, "seed.txt:1")
    page = make_article({"html": PAGE, "url": "https://example.org/ferry"}, "page.html:1")
    short = make_article({"article_id": "short", "text": "Too short to be a story."}, "a.jsonl:3")
    empty_page = make_article({"article_id": "empty", "html": "<html><body></body></html>"}, "b:1")
    broken = {**make_article({"article_id": "broken", "text": "x"}, "c.jsonl:1"), "text": 42}
    return [seed, page, short, empty_page, broken]


def _summary(article: dict) -> tuple:
    return (
        article["title"],
        article["html"],
        " ".join(article["text"].split()[:4]),
        is_valid("article", article),
    )


def _dead_summary(dead: dict) -> tuple:
    return (
        dead["article_id"],
        dead["stage"],
        dead["error_type"],
        dead["origin"],
        is_valid("dead_letter", dead),
    )


def test_clean_articles_routes_every_input_once() -> None:
    with TestPipeline() as p:
        out = p | beam.Create(_inputs()) | CleanArticles(min_words=25)
        assert_that(
            out.articles | "SummariseArticles" >> beam.Map(_summary),
            equal_to(
                [
                    (SEED_TITLE, None, "Japan’s new prime minister,", True),
                    (
                        "Harbour Authority Approves New Ferry Terminal",
                        None,
                        "The harbour authority approved",
                        True,
                    ),
                ]
            ),
            label="articles",
        )
        assert_that(
            out.dead_letters | "SummariseDeadLetters" >> beam.Map(_dead_summary),
            equal_to(
                [
                    ("short", "clean", "too_short", "a.jsonl:3", True),
                    ("empty", "clean", "no_main_text", "b:1", True),
                    ("broken", "clean", "clean_failed", "c.jsonl:1", True),
                ]
            ),
            label="dead_letters",
        )


def test_too_short_message_names_the_count_and_the_minimum() -> None:
    article = make_article({"article_id": "s", "text": "Just five words in here."}, "f:1")
    with TestPipeline() as p:
        out = p | beam.Create([article]) | CleanArticles(min_words=10)
        assert_that(
            out.dead_letters | beam.Map(lambda d: d["error_message"]),
            equal_to(["5 words left after cleaning, fewer than the minimum 10"]),
        )


def test_dead_letter_payload_holds_the_article() -> None:
    article = make_article({"article_id": "s", "text": "Tiny."}, "f:7")
    with TestPipeline() as p:
        out = p | beam.Create([article]) | CleanArticles()
        assert_that(
            out.dead_letters | beam.Map(lambda d: b'"text": "Tiny."' in d["payload"]),
            equal_to([True]),
        )
