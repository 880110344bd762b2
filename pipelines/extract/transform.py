"""ExtractEvents: cleaned articles in; events, extracted articles and dead letters out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam.ml.inference.base import KeyedModelHandler, PredictionResult, RunInference
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Timestamp

from pipelines import counting
from pipelines.extract.model import Extraction, SpacyEventModelHandler
from pipelines.geo.gazetteer import DEFAULT_CITY_POPULATION
from pipelines.records import article_payload, make_dead_letter

EVENTS, ARTICLES, DEAD_LETTERS = "events", "articles", "dead_letters"
# One (article, events) pair per extracted article, for sinks that write an article's events
# together before its offset may be committed.
RESULTS = "results"


def _key_by_timestamp(article: dict, timestamp=beam.DoFn.TimestampParam):
    """(event-time micros, article): RunInference's batching stamps its outputs with the end
    of the window, so the article's own timestamp travels as the key."""
    yield timestamp.micros, article


class _Route(beam.DoFn):
    """Sends each article's events on, and the article to ``articles`` or ``dead_letters``,
    all with the article's timestamp.

    An article's events come out of one call, so it is counted here, without a GroupByKey, as
    an article with or without events (which works in streaming too).
    """

    def setup(self) -> None:
        self._with_events = counting.article_outcome(counting.WITH_EVENTS)
        self._without_events = counting.article_outcome(counting.WITHOUT_EVENTS)

    def process(self, keyed: tuple[int, PredictionResult]) -> Iterator[Any]:
        micros, result = keyed
        timestamp = Timestamp(micros=micros)
        for tag, value in self._route(result):
            yield beam.pvalue.TaggedOutput(tag, TimestampedValue(value, timestamp))

    def _route(self, result: PredictionResult) -> Iterator[tuple[str, Any]]:
        article: dict = result.example
        outcome: Extraction = result.inference
        if outcome.error_type is not None:
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

    Returns a DoOutputsTuple tagged ``events``, ``articles`` (every article extracted, also
    with zero events), ``results`` (each extracted article with the list of its events) and
    ``dead_letters`` (articles that made the model or a rule fail).
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

    def expand(self, articles: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return (
            articles
            | "Key by timestamp" >> beam.FlatMap(_key_by_timestamp)
            | "Parse and extract" >> RunInference(KeyedModelHandler(self._handler))
            | "Route" >> beam.ParDo(_Route()).with_outputs(EVENTS, ARTICLES, RESULTS, DEAD_LETTERS)
        )
