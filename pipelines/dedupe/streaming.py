# ruff: noqa: B008  (Beam declares state and timer parameters as argument defaults)
"""Streaming de-duplication: stateful, first seen wins, memory bounded by a time horizon.

A GroupByKey never fires on an unbounded global window, so the decision is made in keyed
state, in two steps:

1. ``Fingerprint`` (stateless, fused with the step before it): each article's exact-text
   key, LSH band keys and shingles, computed once, outside any state.
2. ``Decide in arrival order`` (stateful, one constant key): holds every recent article as
   a compact entry (arrival order, id, event time, bucket keys, shingles) in one BagState,
   and decides each newcomer against them exactly as batch would on the same order: an
   ``id`` duplicate if its id was admitted within the horizon, else the earliest recent
   article it matches (same exact-text key; or a shared band key and a verified similarity
   reaching the threshold), else kept.

One key means one worker decides every article, one at a time, so arrival order is the
order of processing and nothing needs to travel between keys. The dedupe work per article
(dictionary lookups and a few shingle-set intersections) is tiny beside the NLP stages, so
that worker is not a bottleneck.

Looking up a newcomer's buckets needs an index (bucket key -> recent entries). The Python
SDK has no map state, so the index lives in memory on the DoFn instance, built from the bag.
A ReadModifyWriteState holds a random token, renewed with every write to the bag; an
instance whose token differs from the stored one (a new or moved worker, a restore from a
checkpoint, a retried bundle) rebuilds its index from the bag first. Decisions therefore
never depend on the in-memory copy, only on the state.

One event-time timer, at the earliest expiry (event time plus the horizon), drops what
expired: from the index at once (the token state records how far expiry has gone), from the
bag by rewriting it once the expired entries are as many as the live ones, so the bag
holds at most about twice the articles of one horizon, however long the stream.

An earlier shape, a relay of stateful steps keyed by bucket and by article, would feed a
step from a ``Flatten`` of two earlier steps' outputs; on the streaming DirectRunner (Beam's
Prism runner) a stateful step fed by such a Flatten of two unbounded streams received
nothing (Prism stalls flattening unbounded PCollections:
https://github.com/apache/beam/issues/33815). One stateful step has no such Flatten. Only
BagState, ReadModifyWriteState and event-time timers are used: all supported by the
DirectRunner and by Flink's portable runner.
"""

from __future__ import annotations

import heapq
import logging
import os
from collections.abc import Iterable
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.coders import BytesCoder, StrUtf8Coder, TupleSequenceCoder, VarIntCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import (
    BagStateSpec,
    ReadModifyWriteStateSpec,
    TimerSpec,
    on_timer,
)
from apache_beam.utils.timestamp import Timestamp

from pipelines.dedupe.matching import (
    DUPLICATES,
    UNIQUE,
    DedupeResult,
    Match,
    bucket_keys,
    check_threshold,
    duplicate,
)
from pipelines.dedupe.minhash import fingerprint, similarity
from pipelines.records import Record
from pipelines.state_coders import FieldsCoder

_KEY = "dedupe"  # the one state key: every article is decided by the same worker
_LOG = logging.getLogger(__name__)
_KEYED = tuple[str, Any]  # str keys: a deterministic key coder for the state
_GRACE_MICROS = 1000  # entries live strictly longer than the horizon


class Fingerprinted(NamedTuple):
    """An article and what deciding on it needs, computed before the stateful step."""

    article: Record
    keys: tuple[str, ...]  # the exact-text key first, then the LSH band keys
    shingles: bytes  # sorted unique uint32 shingle hashes


class HeldArticle(NamedTuple):
    """A recent article as the state holds it."""

    order: int  # arrival order: first seen first
    article_id: str
    micros: int  # event timestamp
    keys: tuple[str, ...]
    shingles: bytes


class Stored(NamedTuple):
    """The ReadModifyWriteState: which bag this is, and how far expiry has gone."""

    token: bytes  # renewed with every write to the bag
    expired_through: int  # micros: entries expiring at or before are gone


# The state of ``_DecideInArrivalOrder``: its recent articles and which bag it holds.
HELD_ARTICLE_CODER = FieldsCoder(
    [
        VarIntCoder(),
        StrUtf8Coder(),
        VarIntCoder(),
        TupleSequenceCoder(StrUtf8Coder()),
        BytesCoder(),
    ],
    HeldArticle,
)
STORED_CODER = FieldsCoder([BytesCoder(), VarIntCoder()], Stored)


def _fingerprinted(article: Record) -> _KEYED:
    fp = fingerprint(article.get("text") or "")
    keys = tuple(bucket_keys(fp))
    return _KEY, Fingerprinted(article, keys, fp.shingles.astype(np.uint32).tobytes())


def _shingles(packed: bytes) -> np.ndarray:
    return np.frombuffer(packed, np.uint32)


class _Index:
    """The live entries of the bag, by bucket key and by id, and by expiry for the timer."""

    def __init__(self, token: bytes, expired_through: int, entries: Iterable[HeldArticle], horizon):
        self.token = token
        self.expired_through = expired_through
        self.horizon = horizon  # micros
        self.by_key: dict[str, dict[int, HeldArticle]] = {}
        self.by_id: dict[str, HeldArticle] = {}
        self.by_expiry: list[tuple[int, int, HeldArticle]] = []
        self.stored = 0  # entries in the bag, expired ones not yet rewritten included
        self.next_order = 0
        for entry in sorted(entries):
            self.stored += 1
            self.next_order = entry.order + 1
            if self.expiry(entry) > expired_through:
                self.add(entry)

    def expiry(self, entry: HeldArticle) -> int:
        return entry.micros + self.horizon + _GRACE_MICROS

    def add(self, entry: HeldArticle) -> None:
        for key in entry.keys:
            self.by_key.setdefault(key, {})[entry.order] = entry
        self.by_id[entry.article_id] = entry
        heapq.heappush(self.by_expiry, (self.expiry(entry), entry.order, entry))

    def expire(self, through: int) -> list[HeldArticle]:
        """Drops the entries expiring at or before ``through`` (micros); returns them."""
        self.expired_through = max(self.expired_through, through)
        gone = []
        while self.by_expiry and self.by_expiry[0][0] <= through:
            entry = heapq.heappop(self.by_expiry)[2]
            gone.append(entry)
            for key in entry.keys:
                bucket = self.by_key[key]
                del bucket[entry.order]
                if not bucket:
                    del self.by_key[key]
            if self.by_id.get(entry.article_id) is entry:
                del self.by_id[entry.article_id]
        return gone

    def live(self) -> list[HeldArticle]:
        return sorted(e for _, _, e in self.by_expiry)

    def earliest_expiry(self) -> int | None:
        return self.by_expiry[0][0] if self.by_expiry else None

    def most_per_key(self) -> int:
        return max(map(len, self.by_key.values()), default=0)


class _DecideInArrivalOrder(beam.DoFn):
    """Per newcomer: an ``id`` duplicate, a duplicate naming the earliest recent article it
    matches, or kept; every admitted article joins the state for one horizon."""

    ENTRIES = BagStateSpec("entries", HELD_ARTICLE_CODER)
    STORED = ReadModifyWriteStateSpec("stored", STORED_CODER)
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, threshold: float, horizon_seconds: int):
        self._threshold = threshold
        self._horizon_seconds = horizon_seconds

    def setup(self):
        self._horizon = self._horizon_seconds * 1_000_000
        self._index: _Index | None = None
        self._timer_at: int | None = None  # the expiry the timer is set to, if known
        self.added = Metrics.counter("dedupe_state", "entries_added")
        self.expired = Metrics.counter("dedupe_state", "entries_expired")
        self.held = Metrics.distribution("dedupe_state", "entries_held")
        self.rebuilt = Metrics.counter("dedupe_state", "index_rebuilds")

    def _current(self, entries, stored) -> _Index:
        """The index of the bag, rebuilt from it unless this instance holds the same."""
        held = stored.read()
        if held is None:
            held = Stored(b"", -(2**63))
        if self._index is None or self._index.token != held.token:
            self._index = _Index(held.token, held.expired_through, entries.read(), self._horizon)
            self._timer_at = None
            self.rebuilt.inc()
        return self._index

    def _renew(self, index: _Index, stored) -> None:
        index.token = os.urandom(16)
        stored.write(Stored(index.token, index.expired_through))

    def _set_timer(self, index: _Index, timer) -> None:
        earliest = index.earliest_expiry()
        if earliest is not None and earliest != self._timer_at:
            timer.set(Timestamp(micros=earliest))
            self._timer_at = earliest

    def process(
        self,
        element: _KEYED,
        timestamp=beam.DoFn.TimestampParam,
        entries=beam.DoFn.StateParam(ENTRIES),
        stored=beam.DoFn.StateParam(STORED),
        timer=beam.DoFn.TimerParam(EXPIRE),
    ):
        article, keys, packed = element[1]
        index = self._current(entries, stored)
        micros = timestamp.micros
        first = index.by_id.get(article["article_id"])
        if first is not None and micros - first.micros <= self._horizon:
            yield duplicate(article)
            return
        match = self._earliest_match(index, micros, keys, _shingles(packed))
        entry = HeldArticle(index.next_order, article["article_id"], micros, keys, packed)
        index.next_order += 1
        if index.expiry(entry) > index.expired_through:  # else it is past its horizon already
            entries.add(entry)
            index.stored += 1
            index.add(entry)
            self.added.inc()
            self._renew(index, stored)
            self._set_timer(index, timer)
        if match is None:
            yield article
        else:
            yield duplicate(article, match)

    def _earliest_match(self, index: _Index, micros: int, keys, shingles) -> Match | None:
        exact_key, *band_keys = keys

        def recent(key: str) -> Iterable[HeldArticle]:
            bucket = index.by_key.get(key, {})
            return (e for e in bucket.values() if abs(e.micros - micros) <= self._horizon)

        exact = next(iter(recent(exact_key)), None)
        matches = [] if exact is None else [Match((exact.order,), exact.article_id, -1.0, "exact")]
        near = {e.order: e for key in band_keys for e in recent(key)}
        for order in sorted(near):
            if exact is not None and order >= exact.order:
                break
            score = similarity(_shingles(near[order].shingles), shingles)
            if score >= self._threshold:
                matches.append(Match((order,), near[order].article_id, -score, "near"))
        return min(matches, default=None)

    @on_timer(EXPIRE)
    def expire(
        self,
        fired=beam.DoFn.TimestampParam,
        entries=beam.DoFn.StateParam(ENTRIES),
        stored=beam.DoFn.StateParam(STORED),
        timer=beam.DoFn.TimerParam(EXPIRE),
    ):
        index = self._current(entries, stored)
        self._timer_at = None  # the timer that fired is no longer set
        gone = index.expire(fired.micros)
        if index.stored - len(index.by_expiry) >= len(index.by_expiry):
            entries.clear()
            for entry in index.live():
                entries.add(entry)
            index.stored = len(index.by_expiry)
        self._renew(index, stored)
        self._set_timer(index, timer)
        self.expired.inc(len(gone))
        self.held.update(index.stored)
        if not _LOG.isEnabledFor(logging.DEBUG):
            return
        bucket_entries = sum(len(e.keys) for e in gone)
        _LOG.debug(
            "dedupe: %d articles expired (%d bucket entries); %d stored, most in one bucket %d",
            len(gone),
            bucket_entries,
            index.stored,
            index.most_per_key(),
            extra={
                "dedupe_expired": bucket_entries,
                "dedupe_held": index.most_per_key(),
                "dedupe_stored": index.stored,
            },
        )


class StreamingDedupe(beam.PTransform):
    """Cleaned articles (unbounded) -> ``unique`` articles and ``duplicates``.

    First seen wins: an article duplicates the earliest-arrived article within ``horizon``
    (event time) that it matches, by the same rules as batch.
    """

    def __init__(self, threshold: float, horizon_seconds: int):
        super().__init__()
        self._threshold = check_threshold(threshold)
        if horizon_seconds <= 0:
            raise ValueError(f"dedupe horizon must be positive, got {horizon_seconds}")
        self._horizon = horizon_seconds

    def expand(self, articles):
        decided = (
            articles
            | "Fingerprint" >> beam.Map(_fingerprinted).with_output_types(_KEYED)
            | "Decide in arrival order"
            >> beam.ParDo(_DecideInArrivalOrder(self._threshold, self._horizon))
            .with_input_types(_KEYED)
            .with_outputs(DUPLICATES, main=UNIQUE)
        )
        return DedupeResult(decided[UNIQUE], decided[DUPLICATES])
