# ruff: noqa: B008  (Beam declares state and timer parameters as argument defaults)
"""AssignStories: each article gets the ``story_id`` of the happening it reports.

Batch sorts the articles (publication time, undated last, then origin, then id) and runs the
decision of ``StoryIndex`` over them in that order; streaming runs the same decision on each
article as it arrives, with the recent articles in keyed state. So both decide alike on the
same input order. The event time of an article is its publication time (else its timestamp):
it joins a story only through an article published within the window of it.

Streaming state: one key holds every article of the last window (a story can join any two
articles, so the decision cannot be split by key). Each entry is a small vector of features;
an event-time timer drops entries once the watermark is a window past their own timestamp,
so the state holds one window of the stream however long it runs. The worker keeps the index
built from that state in memory and rebuilds it from the state when its copy is stale (after
a restart, or on another worker).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam.coders import TupleCoder, VarIntCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import (
    BagStateSpec,
    ReadModifyWriteStateSpec,
    TimerSpec,
    on_timer,
)
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Duration, Timestamp

from pipelines.dedupe.matching import article_order
from pipelines.records import Record
from pipelines.stories.features import story_vector
from pipelines.stories.index import (
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW_SECONDS,
    INDEXED_ARTICLE_CODER,
    StoryIndex,
)

_KEY = "stories"
# Batch drops articles older than the window every so many articles (a scan of the index).
_EXPIRE_EVERY = 256
log = logging.getLogger(__name__)


def event_seconds(article: Record, timestamp: Timestamp) -> float:
    published = article.get("published_at")
    return published.timestamp() if published is not None else float(timestamp.micros) / 1e6


def assign_in_order(
    articles: Iterable[tuple[int, Record]], window_seconds: float, threshold: float
) -> Iterator[tuple[int, Record]]:
    """(timestamp micros, article) pairs in article order, each with its ``story_id``."""
    index = StoryIndex(window_seconds, threshold)
    ordered = sorted(articles, key=lambda pair: article_order(pair[1]))
    for n, (micros, article) in enumerate(ordered):
        seconds = event_seconds(article, Timestamp(micros=micros))
        if n % _EXPIRE_EVERY == 0:
            index.expire(seconds - window_seconds)
        vector = story_vector(article.get("title"), article.get("text"))
        yield micros, {**article, "story_id": index.assign(article["article_id"], seconds, vector)}


def _key(article: Record, timestamp=beam.DoFn.TimestampParam):
    yield _KEY, (timestamp.micros, article)


def _batch_stories(keyed, window_seconds: float, threshold: float):
    _, pairs = keyed
    for micros, article in assign_in_order(pairs, window_seconds, threshold):
        yield TimestampedValue(article, Timestamp(micros=micros))


class _StreamingStories(beam.DoFn):
    """The story decision on one key, with the window's articles in state."""

    # (held until, micros; IndexedArticle)
    ENTRIES = BagStateSpec("entries", TupleCoder([VarIntCoder(), INDEXED_ARTICLE_CODER]))
    ADDED = ReadModifyWriteStateSpec("added", VarIntCoder())  # entries added so far
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, window_seconds: float, threshold: float) -> None:
        self._window_seconds = window_seconds
        self._threshold = threshold

    def setup(self) -> None:
        self._index: StoryIndex | None = None
        self._version = -1
        self._held = Metrics.distribution("stories", "state_articles")
        self._expired = Metrics.counter("stories", "state_expired")

    def _current(self, entries, added) -> tuple[StoryIndex, int]:
        version = added.read() or 0
        if self._index is None or self._version != version:
            self._index = StoryIndex(self._window_seconds, self._threshold)
            for _, entry in entries.read():
                self._index.add(entry)
            self._version = version
        return self._index, version

    def process(
        self,
        keyed: tuple[str, tuple[int, Record]],
        timestamp=beam.DoFn.TimestampParam,
        entries=beam.DoFn.StateParam(ENTRIES),
        added=beam.DoFn.StateParam(ADDED),
        expiry=beam.DoFn.TimerParam(EXPIRY),
    ) -> Iterator[Any]:
        _, (micros, article) = keyed
        index, version = self._current(entries, added)
        seconds = event_seconds(article, Timestamp(micros=micros))
        vector = story_vector(article.get("title"), article.get("text"))
        known = article["article_id"] in index.entries
        story_id = index.assign(article["article_id"], seconds, vector)
        if not known:
            held_until = timestamp + Duration(seconds=self._window_seconds)
            entries.add((held_until.micros, index.entries[article["article_id"]]))
            self._version = version + 1
            added.write(self._version)
            expiry.set(held_until)
        self._held.update(len(index))
        yield TimestampedValue({**article, "story_id": story_id}, timestamp)

    @on_timer(EXPIRY)
    def expire(
        self,
        fired=beam.DoFn.TimestampParam,
        entries=beam.DoFn.StateParam(ENTRIES),
        added=beam.DoFn.StateParam(ADDED),
        expiry=beam.DoFn.TimerParam(EXPIRY),
    ) -> None:
        held = list(entries.read())
        alive = [(until, entry) for until, entry in held if until > fired.micros]
        if len(alive) == len(held):
            return
        entries.clear()
        for item in alive:
            entries.add(item)
        version = (added.read() or 0) + 1
        added.write(version)
        self._index, self._version = None, -1  # rebuilt from the state on the next article
        self._expired.inc(len(held) - len(alive))
        if alive:
            expiry.set(Timestamp(micros=min(until for until, _ in alive)))


class AssignStories(beam.PTransform):
    """Articles in, the same articles with ``story_id`` out (timestamps kept)."""

    def __init__(
        self,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        threshold: float = DEFAULT_THRESHOLD,
        streaming: bool = False,
        label: str | None = None,
    ) -> None:
        super().__init__(label)
        if window_seconds <= 0:
            raise ValueError(f"story window must be positive, got {window_seconds}")
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"story threshold must be in (0, 1], got {threshold}")
        self._window = window_seconds
        self._threshold = threshold
        self._streaming = streaming

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        keyed = articles | "Key for stories" >> beam.FlatMap(_key).with_output_types(
            tuple[str, Any]
        )
        if self._streaming:
            assigned = keyed | "Story state" >> beam.ParDo(
                _StreamingStories(self._window, self._threshold)
            )
        else:
            assigned = (
                keyed
                | "All articles" >> beam.GroupByKey()
                | "Stories in order" >> beam.FlatMap(_batch_stories, self._window, self._threshold)
            )
        # The decision runs on one key, hence on one worker; without a fusion break the
        # runner fuses the next steps (the whole of extraction) into that worker's bundle.
        return assigned | "Spread over workers" >> beam.Reshuffle()
