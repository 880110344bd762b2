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
EVENTS = "events_written"
DEAD_LETTERS = "dead_letters"
SINK_REJECTS = "records_rejected_by_sinks"  # output records failing their schema (a bug)
SUMMARY_ORDER = (READ, CLEANED, DUPLICATES, DEAD_LETTERS, KEPT, EVENTS, SINK_REJECTS)


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
    """The committed ``news`` counters of a finished pipeline result, by name."""
    query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    totals = dict.fromkeys(SUMMARY_ORDER, 0)
    for counter in query["counters"]:
        name = counter.key.metric.name
        totals[name] = totals.get(name, 0) + (counter.committed or 0)
    return totals


def balanced(totals: dict[str, int]) -> bool:
    """Every article read is accounted for: read = kept + duplicates + dead letters."""
    return totals[READ] == totals[KEPT] + totals[DUPLICATES] + totals[DEAD_LETTERS]
