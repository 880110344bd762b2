"""Beam metrics counters that account for every article, and the run summary built from them.

Who counts what: the sources count every input read (``articles_read``) and their dead
letters; the clean stage the articles it keeps and its dead letters; the dedupe stage the
duplicates; the extract stage the articles with and without events and its dead letters; the
way out (``pipelines.io.sinks``) the articles and events it writes and the records it rejects.
"""

from __future__ import annotations

from collections.abc import Callable

from apache_beam.metrics import Metrics
from apache_beam.metrics.execution import MetricResult
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


def counter(name: str) -> Metrics.DelegatingCounter:
    """The counter ``news/<name>``; each stage counts what it emits with these, inside its
    DoFns, so that every input is counted once at each of the steps the summary names."""
    if name not in SUMMARY_ORDER:
        raise ValueError(f"not a pipeline counter: {name!r}")
    return Metrics.counter(NAMESPACE, name)


def totals_by_name(result, value: Callable[[MetricResult], int | None]) -> dict[str, int]:
    """The ``news`` counters of a pipeline result, summed by name, each counter taken at
    ``value(counter)`` (attempted, committed or both, as the caller's runner needs)."""
    query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    totals: dict[str, int] = {}
    for found in query["counters"]:
        name = found.key.metric.name
        totals[name] = totals.get(name, 0) + (value(found) or 0)
    return totals


def summary(result) -> dict[str, int]:
    """The ``news`` counters of a finished pipeline result, by name: committed values, or
    attempted ones from runners that report only those (Flink uber-jar submissions)."""
    found = totals_by_name(
        result, lambda c: c.committed if c.committed is not None else c.attempted
    )
    return dict.fromkeys(SUMMARY_ORDER, 0) | found


def balanced(totals: dict[str, int]) -> bool:
    """Every input is accounted for exactly once: read = articles with events + articles
    without events + duplicates + dead letters, and the kept articles are the first two."""
    kept = totals[WITH_EVENTS] + totals[WITHOUT_EVENTS]
    return totals[READ] == sum(totals[name] for name in OUTCOMES) and totals[KEPT] == kept
