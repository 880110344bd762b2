"""ExtractEvents: cleaned articles in; events, extracted articles and dead letters out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.ml.inference.base import KeyedModelHandler, PredictionResult, RunInference
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Timestamp

from pipelines import counting
from pipelines.clean.language import ENGLISH
from pipelines.extract.model import Extraction, SpacyEventModelHandler
from pipelines.geo.gazetteer import DEFAULT_CITY_POPULATION
from pipelines.records import article_payload, make_dead_letter

EVENTS, ARTICLES, DEAD_LETTERS = "events", "articles", "dead_letters"
# One (article, events) pair per extracted article, for sinks that write an article's events
# together before its offset may be committed.
RESULTS = "results"
OTHER_LANGUAGE = "other_language"


class ExtractOutputs(NamedTuple):
    events: beam.PCollection
    articles: beam.PCollection  # every kept article, also those with no event
    results: beam.PCollection  # (article, its events) for each of them
    dead_letters: beam.PCollection


class _KeyByTimestamp(beam.DoFn):
    """(event-time micros, article) for RunInference, whose batching stamps its outputs with
    the end of the window, so the article's own timestamp travels as the key.

    Events come from English text only: an article of another known language (kept by
    ``--non_english=keep``) goes to ``other_language`` as an article without events.
    """

    def setup(self) -> None:
        self._without_events = counting.counter(counting.WITHOUT_EVENTS)

    def process(self, article: dict, timestamp=beam.DoFn.TimestampParam) -> Iterator[Any]:
        if article.get("language") in (None, ENGLISH):
            yield timestamp.micros, article
            return
        self._without_events.inc()
        yield beam.pvalue.TaggedOutput(OTHER_LANGUAGE, article)


class _Route(beam.DoFn):
    """Sends each article's events on, and the article to ``articles`` or ``dead_letters``,
    all with the article's timestamp.

    An article's events come out of one call, so it is counted here, without a GroupByKey, as
    an article with or without events (which works in streaming too).
    """

    def setup(self) -> None:
        self._with_events = counting.counter(counting.WITH_EVENTS)
        self._without_events = counting.counter(counting.WITHOUT_EVENTS)
        self._dead_letters = counting.counter(counting.DEAD_LETTERS)

    def process(self, keyed: tuple[int, PredictionResult]) -> Iterator[Any]:
        micros, result = keyed
        timestamp = Timestamp(micros=micros)
        for tag, value in self._route(result):
            yield beam.pvalue.TaggedOutput(tag, TimestampedValue(value, timestamp))

    def _route(self, result: PredictionResult) -> Iterator[tuple[str, Any]]:
        article: dict = result.example
        outcome: Extraction = result.inference
        if outcome.error_type is not None:
            self._dead_letters.inc()
            yield (
                DEAD_LETTERS,
                make_dead_letter(
                    stage="extract",
                    error_type=outcome.error_type,
                    # e.g. "KeyError: 'REJECT'": the exception's class, then its message
                    message=f"{outcome.error_type}: {outcome.error_message or '(no message)'}",
                    origin=article.get("origin") or "",
                    payload=article_payload(article),
                    article_id=article.get("article_id"),
                    position=article.get("position"),
                ),
            )
            return
        for event in outcome.events:
            yield EVENTS, event
        (self._with_events if outcome.events else self._without_events).inc()
        yield ARTICLES, article
        yield RESULTS, (article, list(outcome.events))


class ExtractEvents(beam.PTransform):
    """PLOVER events from cleaned Article dicts, with spaCy run through RunInference.

    Returns ``ExtractOutputs``: ``events``, ``articles`` (every article kept, also with zero
    events), ``results`` (each kept article with the list of its events) and
    ``dead_letters`` (articles that made the model or a rule fail). Articles of another
    known language than English are kept without events.
    """

    def __init__(
        self,
        spacy_model: str,
        lexicon: str | None = None,
        batch_size: int = 32,
        label: str | None = None,
        gazetteer_cities: int = DEFAULT_CITY_POPULATION,
    ) -> None:
        super().__init__(label)
        self._handler = SpacyEventModelHandler(
            spacy_model, lexicon, batch_size, gazetteer_cities=gazetteer_cities
        )

    def expand(self, articles: beam.PCollection) -> ExtractOutputs:
        keyed = articles | "Key by timestamp" >> beam.ParDo(_KeyByTimestamp()).with_outputs(
            OTHER_LANGUAGE, main="english"
        )
        routed = (
            keyed.english
            | "Parse and extract" >> RunInference(KeyedModelHandler(self._handler))
            | "Route" >> beam.ParDo(_Route()).with_outputs(EVENTS, ARTICLES, RESULTS, DEAD_LETTERS)
        )
        other = keyed[OTHER_LANGUAGE]
        no_events = other | "No events" >> beam.Map(lambda article: (article, []))
        return ExtractOutputs(
            routed[EVENTS],
            (routed[ARTICLES], other) | "Articles" >> beam.Flatten(),
            (routed[RESULTS], no_events) | "Results" >> beam.Flatten(),
            routed[DEAD_LETTERS],
        )
