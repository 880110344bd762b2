"""Beam metrics counters that account for every article, and the run summary built from them."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter

NAMESPACE = "news"
# Counter names, in the order the summary prints them.
READ = "articles_read"
CLEANED = "articles_cleaned"
DUPLICATES = "duplicates"
KEPT = "articles_kept"
WITH_EVENTS = "articles_with_events"
WITHOUT_EVENTS = "articles_without_events"
EVENTS = "events_written"
DEAD_LETTERS = "dead_letters"
SINK_REJECTS = "records_rejected_by_sinks"  # output records failing their schema (a bug)
SUMMARY_ORDER = (
    READ,
    CLEANED,
    DUPLICATES,
    DEAD_LETTERS,
    KEPT,
    WITH_EVENTS,
    WITHOUT_EVENTS,
    EVENTS,
    SINK_REJECTS,
)
# The four ends of an input; every input reaches exactly one of them.
OUTCOMES = (WITH_EVENTS, WITHOUT_EVENTS, DUPLICATES, DEAD_LETTERS)


class _CountFn(beam.DoFn):
    def __init__(self, name: str):
        self._counter = Metrics.counter(NAMESPACE, name)

    def process(self, element):
        self._counter.inc()
        yield element


class Count(beam.PTransform):
    """Pass elements through unchanged, counting them in counter ``news/<name>``."""

    def __init__(self, name: str):
        super().__init__(f"Count {name}")
        self._name = name

    def expand(self, pcoll):
        return pcoll | beam.ParDo(_CountFn(self._name))


def summary(result) -> dict[str, int]:
    """The ``news`` counters of a finished pipeline result, by name: committed values, or
    attempted ones from runners that report only those (Flink uber-jar submissions)."""
    query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    totals = dict.fromkeys(SUMMARY_ORDER, 0)
    for counter in query["counters"]:
        name = counter.key.metric.name
        value = counter.committed if counter.committed is not None else counter.attempted
        totals[name] = totals.get(name, 0) + (value or 0)
    return totals


def article_outcome(name: str) -> Metrics.DelegatingCounter:
    """The counter of one of the four ends of an input (see ``OUTCOMES``)."""
    if name not in OUTCOMES:
        raise ValueError(f"not an article outcome: {name!r}")
    return Metrics.counter(NAMESPACE, name)


def balanced(totals: dict[str, int]) -> bool:
    """Every input is accounted for exactly once: read = articles with events + articles
    without events + duplicates + dead letters, and the kept articles are the first two."""
    kept = totals[WITH_EVENTS] + totals[WITHOUT_EVENTS]
    return totals[READ] == sum(totals[name] for name in OUTCOMES) and totals[KEPT] == kept
