"""The clean stage as a Beam transform: articles in, cleaned articles and dead letters out.

Each article is cleaned on its own (:func:`clean_article`), then paragraphs that recur across
the articles of its source are removed (:class:`RemoveRecurring`, see
:mod:`pipelines.clean.repetition`): over all articles of a source in batch, over the recent
ones, with state bounded per source, in streaming.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.options.pipeline_options import StandardOptions
from apache_beam.pvalue import AsDict, TaggedOutput
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from pipelines import counting
from pipelines.clean.language import ENGLISH, detect_language
from pipelines.clean.repetition import (
    MIN_ARTICLES,
    RECENT_PARAGRAPHS_CODER,
    WINDOW,
    Paragraphs,
    RecentParagraphs,
    recurring,
    source_of,
    strip_repeated,
)
from pipelines.clean.text import clean_html, clean_text, word_count
from pipelines.records import Record, article_payload, make_dead_letter

ARTICLES = "articles"
DEAD_LETTERS = "dead_letters"
# What to do with an article that is not in English (events are extracted from English only).
NON_ENGLISH_DEAD_LETTER = "dead_letter"
NON_ENGLISH_KEEP = "keep"
NON_ENGLISH_CHOICES = (NON_ENGLISH_DEAD_LETTER, NON_ENGLISH_KEEP)
# Longer input (text or page) is no news article; it would hold a worker for many minutes.
DEFAULT_MAX_CHARS = 2_000_000


class CleanError(ValueError):
    """An article that cannot be cleaned into a story; ``error_type`` names the reason."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def clean_article(
    article: Record,
    min_words: int,
    non_english: str = NON_ENGLISH_DEAD_LETTER,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Record:
    """The article with ``text`` = cleaned story text, ``html`` = None and ``language`` = the
    detected language (ISO 639 code, ``und`` when undetermined).

    Raises CleanError when the input is longer than ``max_chars``, when there is no story
    text or fewer than ``min_words`` words of it, or (with ``non_english`` = dead_letter) when
    the text is not English.
    """
    size = len(article.get("html") or article.get("text") or "")
    if size > max_chars:
        raise CleanError(
            "too_long", f"{size:,} characters of input, more than the maximum {max_chars:,}"
        )
    title = article.get("title")
    if article.get("html"):
        title, text = clean_html(article["html"], title)
        if not text:
            raise CleanError("no_main_text", "no main text found in the HTML page")
    elif article.get("text"):
        text = clean_text(article["text"], title)
    else:
        raise CleanError("no_text", "article has neither text nor html")
    words, minimum = word_count(text), max(min_words, 1)  # no story is ever empty
    if words < minimum:
        raise CleanError(
            "too_short", f"{words} words left after cleaning, fewer than the minimum {minimum}"
        )
    language = detect_language(text)
    if language.code != ENGLISH and non_english == NON_ENGLISH_DEAD_LETTER:
        raise CleanError(
            "non_english", f"not English, so no events are extracted: {language.describe()}"
        )
    return {**article, "title": title, "text": text, "html": None, "language": language.code}


class CleanArticleFn(beam.DoFn):
    """Cleans one article; failures go to the ``dead_letters`` output with their reason."""

    def __init__(
        self,
        min_words: int,
        non_english: str = NON_ENGLISH_DEAD_LETTER,
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> None:
        if non_english not in NON_ENGLISH_CHOICES:
            raise ValueError(f"non_english must be one of {NON_ENGLISH_CHOICES}")
        self.min_words = min_words
        self.non_english = non_english
        self.max_chars = max_chars
        self.cleaned = counting.counter(counting.CLEANED)
        self.rejected = counting.counter(counting.DEAD_LETTERS)

    def process(self, article: Record) -> Iterator[Record | TaggedOutput]:
        try:
            cleaned = clean_article(article, self.min_words, self.non_english, self.max_chars)
        except CleanError as e:
            error_type, message = e.error_type, str(e)
        except Exception as e:  # any failure on one article becomes its dead letter
            error_type, message = "clean_failed", f"{type(e).__name__}: {e}"
        else:
            self.cleaned.inc()
            yield cleaned
            return
        self.rejected.inc()
        yield TaggedOutput(
            DEAD_LETTERS,
            make_dead_letter(
                stage="clean",
                error_type=error_type,
                message=message,
                origin=article.get("origin") or "unknown",
                payload=article_payload(article),
                article_id=article.get("article_id"),
                position=article.get("position"),
            ),
        )


def _without(article: Record, repeated: set[str]) -> Record:
    """The article with the ``repeated`` paragraphs taken out of its text."""
    text = strip_repeated(article["text"], repeated)
    if text != article["text"]:
        Metrics.counter("clean", "articles_with_recurring_paragraphs").inc()
    return {**article, "text": text}


class _StripRecentFn(beam.DoFn):
    """Streaming: (source, article) -> the article without the paragraphs that recur in the
    recent distinct articles of its source; the state is the last ``window`` of them."""

    RECENT = ReadModifyWriteStateSpec("recent", RECENT_PARAGRAPHS_CODER)

    def __init__(self, min_articles: int, window: int) -> None:
        self.min_articles = min_articles
        self.window = window

    def process(
        self,
        element: tuple[str, Record],
        recent=beam.DoFn.StateParam(RECENT),  # noqa: B008 (Beam declares state so)
    ) -> Iterator[Record]:
        _, article = element
        memory = recent.read() or RecentParagraphs(self.window, self.min_articles)
        repeated = memory.observe(Paragraphs.of(article["text"]))
        recent.write(memory)
        yield _without(article, repeated)


class RemoveRecurring(beam.PTransform):
    """Cleaned articles -> the same articles without paragraphs that recur across the articles
    of their source.

    ``streaming`` None follows the pipeline (its ``--streaming`` option, or an unbounded
    input). Batch counts over all articles of a source (order-independent, two passes: the
    paragraph hashes grouped by source, then a side input); streaming keeps per source the
    last ``window`` distinct articles in state.
    """

    def __init__(
        self,
        streaming: bool | None = None,
        min_articles: int = MIN_ARTICLES,
        window: int = WINDOW,
    ) -> None:
        super().__init__()
        self.streaming = streaming
        self.min_articles = min_articles
        self.window = window

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        streaming = self.streaming
        if streaming is None:
            options = articles.pipeline.options
            from_options = bool(options and options.view_as(StandardOptions).streaming)
            streaming = from_options or not articles.is_bounded
        if streaming:
            return (
                articles
                | "BySource"
                >> beam.Map(lambda a: (source_of(a), a)).with_output_types(tuple[str, Any])
                | "StripRecent" >> beam.ParDo(_StripRecentFn(self.min_articles, self.window))
            )
        min_articles = self.min_articles
        per_source = (
            articles
            | "Paragraphs" >> beam.Map(lambda a: (source_of(a), Paragraphs.of(a["text"])))
            | "PerSource" >> beam.GroupByKey()
            | "Recurring" >> beam.MapTuple(lambda s, ps: (s, recurring(ps, min_articles)))
        )
        return articles | "StripRecurring" >> beam.Map(
            lambda a, by_source: _without(a, by_source.get(source_of(a), set())),
            by_source=AsDict(per_source),
        )


class CleanOutputs(NamedTuple):
    articles: beam.PCollection
    dead_letters: beam.PCollection


class CleanArticles(beam.PTransform):
    """Articles -> (``articles``: cleaned, ``dead_letters``): each input ends in exactly one.

    ``streaming`` and ``repeat_min_articles`` are :class:`RemoveRecurring`'s.
    """

    def __init__(
        self,
        min_words: int = 25,
        non_english: str = NON_ENGLISH_DEAD_LETTER,
        max_chars: int = DEFAULT_MAX_CHARS,
        streaming: bool | None = None,
        repeat_min_articles: int = MIN_ARTICLES,
    ) -> None:
        super().__init__()
        self._fn = CleanArticleFn(min_words, non_english, max_chars)
        self._recurring = RemoveRecurring(streaming, repeat_min_articles)

    def expand(self, articles: beam.PCollection) -> CleanOutputs:
        outputs = articles | "Clean" >> beam.ParDo(self._fn).with_outputs(
            DEAD_LETTERS, main=ARTICLES
        )
        cleaned = outputs[ARTICLES] | "RemoveRecurring" >> self._recurring
        return CleanOutputs(cleaned, outputs[DEAD_LETTERS])
