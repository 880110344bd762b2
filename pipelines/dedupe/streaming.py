# ruff: noqa: B008  (Beam declares state and timer parameters as argument defaults)
"""Streaming de-duplication: stateful, first seen wins, memory bounded by a time horizon.

A GroupByKey never fires on an unbounded global window, so the decision is made in keyed
state. It takes five stateful steps, and they form a relay: each step passes on, besides
its own answers, what a later step will need (the admitted article travels through the band
index to the collector and the verifier). The natural shape would feed a step from a
``Flatten`` of two earlier steps' outputs (the article and its bucket answers); on the
streaming DirectRunner (Beam's Prism runner) a stateful step fed by such a Flatten of two
unbounded streams received nothing, so nothing left dedupe (Prism stalls flattening
unbounded PCollections: https://github.com/apache/beam/issues/33815). Hence one chain, each
step keyed by what it needs:

1. ``_AdmitFirstDelivery`` (key: article_id) passes the first delivery of an id and makes
   later ones ``id`` duplicates; it stamps the arrival order, fingerprints the article and
   sends a reference to each of its buckets, the admitted article to the next steps.
2. ``_FindEarlierInBuckets`` (key: exact-text or LSH band key) holds a small reference to
   every recent article of its bucket and answers each newcomer with the earlier ones.
3. ``_ProbeNearCandidates`` (key: article_id) gathers the answers of all the article's
   buckets and sends one probe, with the article's shingles, to each distinct near candidate.
4. ``_VerifyProbes`` (key: article_id) holds an article's shingles and verifies later
   articles' probes against them with the same similarity as batch.
5. ``_KeepOrNameOriginal`` (key: article_id) waits for every verdict and keeps the article,
   or names the earliest article it duplicates, exactly as batch would on the same order.

Each article's shingles are held once (step 4); the other steps hold a timestamp or a small
reference. Event-time timers drop every entry once the watermark passes its timestamp plus
the horizon, so the state holds at most the articles of one horizon, however long the
stream. Only BagState, ReadModifyWriteState and event-time timers are used: all supported by
the DirectRunner and by Flink's portable runner.
"""

from __future__ import annotations

import logging
import time
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import (
    BagStateSpec,
    ReadModifyWriteStateSpec,
    TimerSpec,
    on_timer,
)
from apache_beam.utils.timestamp import Duration, Timestamp

from pipelines.dedupe.matching import (
    DUPLICATES,
    EXACT_PREFIX,
    UNIQUE,
    DedupeResult,
    Match,
    bucket_keys,
    check_threshold,
    duplicate,
)
from pipelines.dedupe.minhash import fingerprint, similarity
from pipelines.records import Record

BUCKETS_PER_ARTICLE = len(bucket_keys(fingerprint("x")))
_BANDS = "bands"
_ADMITTED_PREFIX = "article:"  # the band index forwards what is keyed so to the next step
_LOG = logging.getLogger(__name__)
_KEYED = tuple[str, Any]  # str keys: a deterministic key coder for the state
_GRACE = Duration(micros=1000)  # entries live strictly longer than the horizon


class Ref(NamedTuple):
    """A seen article as bucket state holds it."""

    order: tuple  # (arrival ns, article_id): first seen first
    article_id: str
    micros: int  # event timestamp


class Admitted(NamedTuple):
    """An admitted article, with what the later steps need of it."""

    article: Record
    ref: Ref
    shingles: np.ndarray


class Probe(NamedTuple):
    """Ask a candidate whether ``ref``'s article duplicates it."""

    ref: Ref
    shingles: np.ndarray


class _Expected(NamedTuple):
    """What ``_KeepOrNameOriginal`` waits for: the article, its exact match if any, and how
    many verdicts."""

    article: Record
    exact: Match | None
    verdicts: int


def _within(a: Ref, b: Ref, horizon: Duration) -> bool:
    return abs(a.micros - b.micros) <= horizon.micros


class _ExpiringStep(beam.DoFn):
    """A stateful step whose entries expire one horizon (event time) after their timestamp:
    each sets a timer at the earliest expiry and counts what it adds and drops."""

    STEP = ""  # the step's name in its ``dedupe_state`` metrics

    def __init__(self, horizon_seconds: int):
        self._horizon_seconds = horizon_seconds

    def setup(self):
        self.horizon = Duration(seconds=self._horizon_seconds)
        self.added = Metrics.counter("dedupe_state", f"{self.STEP}_entries_added")
        self.expired = Metrics.counter("dedupe_state", f"{self.STEP}_entries_expired")
        self.held = Metrics.distribution("dedupe_state", f"{self.STEP}_entries_per_key")

    def expiry(self, micros: int) -> Timestamp:
        return Timestamp(micros=micros) + self.horizon + _GRACE


class _AdmitFirstDelivery(_ExpiringStep):
    """First delivery of an article_id passes, fingerprinted; repeats are ``id`` duplicates."""

    SEEN = ReadModifyWriteStateSpec("seen", PickleCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    STEP = "first_delivery"

    def process(
        self,
        element,
        timestamp=beam.DoFn.TimestampParam,
        seen=beam.DoFn.StateParam(SEEN),
        expire=beam.DoFn.TimerParam(EXPIRE),
    ):
        article_id, article = element
        first = seen.read()
        if first is not None and timestamp.micros - first.micros <= self.horizon.micros:
            yield duplicate(article)
            return
        ref = Ref((time.time_ns(), article_id), article_id, timestamp.micros)
        if first is None:
            self.added.inc()
        seen.write(ref)
        expire.set(self.expiry(ref.micros))
        fp = fingerprint(article.get("text") or "")
        yield _ADMITTED_PREFIX + article_id, Admitted(article, ref, fp.shingles)
        for key in bucket_keys(fp):
            yield key, ref

    @on_timer(EXPIRE)
    def expire(self, seen=beam.DoFn.StateParam(SEEN)):
        seen.clear()
        self.expired.inc()


class _FindEarlierInBuckets(_ExpiringStep):
    """Per bucket key: the recent articles; each newcomer learns the earlier ones.

    The expiry timer is always set to the earliest expiry of the members (setting a timer
    replaces the key's previous one), so no other state is needed to track it.
    """

    MEMBERS = BagStateSpec("members", PickleCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    STEP = "buckets"

    def process(
        self,
        element,
        members=beam.DoFn.StateParam(MEMBERS),
        expire=beam.DoFn.TimerParam(EXPIRE),
    ):
        key, ref = element
        if isinstance(ref, Admitted):
            yield ref.ref.article_id, ref
            return
        held = list(members.read())
        earlier = [m for m in held if m.order < ref.order and _within(m, ref, self.horizon)]
        yield ref.article_id, (_BANDS, key.startswith(EXACT_PREFIX), earlier)
        members.add(ref)
        self.added.inc()
        self.held.update(len(held) + 1)
        expire.set(self.expiry(min(m.micros for m in (*held, ref))))

    @on_timer(EXPIRE)
    def expire(
        self,
        fired=beam.DoFn.TimestampParam,
        members=beam.DoFn.StateParam(MEMBERS),
        timer=beam.DoFn.TimerParam(EXPIRE),
    ):
        held = list(members.read())
        alive = [m for m in held if self.expiry(m.micros) > fired]
        self.expired.inc(len(held) - len(alive))
        self.held.update(len(alive))
        _LOG.debug(
            "buckets: %d entries expired, %d held",
            len(held) - len(alive),
            len(alive),
            extra={"dedupe_expired": len(held) - len(alive), "dedupe_held": len(alive)},
        )
        members.clear()
        for m in alive:
            members.add(m)
        if alive:
            timer.set(min(self.expiry(m.micros) for m in alive))


class _ProbeNearCandidates(beam.DoFn):
    """Per article: all bucket answers in, then one probe per distinct earlier near candidate.

    An answer only moves a counter, and joins the bag when it names earlier articles, so an
    article costs two small state operations per bucket (the Admitted is read once, at the end).
    The earliest exact-text match, if any, is final unless a near candidate came earlier.
    """

    ENTRY = ReadModifyWriteStateSpec("entry", PickleCoder())
    ANSWERS = ReadModifyWriteStateSpec("answers", PickleCoder())  # how many buckets answered
    NAMED = BagStateSpec("named", PickleCoder())  # the answers that named earlier articles

    def process(
        self,
        element,
        entry_state=beam.DoFn.StateParam(ENTRY),
        answers=beam.DoFn.StateParam(ANSWERS),
        named=beam.DoFn.StateParam(NAMED),
    ):
        article_id, part = element
        if isinstance(part, Admitted):
            entry, heard = part, answers.read() or 0
            if heard < BUCKETS_PER_ARTICLE:
                entry_state.write(entry)
                return
        else:
            _, is_exact, refs = part
            if refs:
                named.add((is_exact, refs))
            heard = (answers.read() or 0) + 1
            entry = entry_state.read() if heard == BUCKETS_PER_ARTICLE else None
            if entry is None:
                answers.write(heard)
                return
        got = list(named.read())
        entry_state.clear()
        answers.clear()
        named.clear()
        yield from self._probes(article_id, entry, got)

    @staticmethod
    def _probes(article_id: str, entry: Admitted, got: list[tuple[bool, list[Ref]]]):
        exact_refs, near_refs = [], {}
        for is_exact, refs in got:
            if is_exact:
                exact_refs.extend(refs)
            else:
                near_refs.update((r.article_id, r) for r in refs)
        exact = None
        if exact_refs:
            kept = min(exact_refs, key=lambda r: r.order)
            exact = Match(kept.order, kept.article_id, -1.0, "exact")
        probes = [r for r in near_refs.values() if exact is None or r.order < exact.kept_order]
        yield article_id, entry
        yield article_id, _Expected(entry.article, exact, len(probes))
        for candidate in probes:
            yield candidate.article_id, Probe(entry.ref, entry.shingles)


class _VerifyProbes(_ExpiringStep):
    """Per article: its shingles for the horizon; verifies the probes of later articles.

    A probe that arrives before the shingles waits for them, or for the expiry.
    """

    OWN = ReadModifyWriteStateSpec("own", PickleCoder())
    WAITING = BagStateSpec("waiting", PickleCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    STEP = "verify_probes"

    def __init__(self, threshold: float, horizon_seconds: int):
        super().__init__(horizon_seconds)
        self._threshold = threshold

    def process(
        self,
        element,
        own=beam.DoFn.StateParam(OWN),
        waiting=beam.DoFn.StateParam(WAITING),
        expire=beam.DoFn.TimerParam(EXPIRE),
    ):
        article_id, message = element
        if isinstance(message, _Expected):
            yield article_id, message
            return
        if isinstance(message, Admitted):
            own.write((message.ref, message.shingles))
            self.added.inc()
            expire.set(self.expiry(message.ref.micros))
            for probe in waiting.read():
                yield self._verdict(message.ref, message.shingles, probe)
            waiting.clear()
            return
        stored = own.read()
        if stored is None:
            waiting.add(message)
            expire.set(self.expiry(message.ref.micros))
            return
        yield self._verdict(*stored, message)

    def _verdict(self, ref: Ref, shingles: np.ndarray, probe: Probe):
        score = similarity(shingles, probe.shingles)
        match = Match(ref.order, ref.article_id, -score, "near")
        return probe.ref.article_id, match if score >= self._threshold else None

    @on_timer(EXPIRE)
    def expire(self, own=beam.DoFn.StateParam(OWN), waiting=beam.DoFn.StateParam(WAITING)):
        for probe in waiting.read():  # the candidate expired before it was seen here
            yield probe.ref.article_id, None
        if own.read() is not None:
            self.expired.inc()
        own.clear()
        waiting.clear()


class _KeepOrNameOriginal(beam.DoFn):
    """Per article: once every verdict is in, keep it or name the earliest it duplicates."""

    EXPECTED = ReadModifyWriteStateSpec("expected", PickleCoder())
    VERDICTS = BagStateSpec("verdicts", PickleCoder())

    def process(
        self,
        element,
        expected=beam.DoFn.StateParam(EXPECTED),
        verdicts=beam.DoFn.StateParam(VERDICTS),
    ):
        _, message = element
        if isinstance(message, _Expected):
            expected.write(message)
        else:
            verdicts.add(message)
        wanted = expected.read()
        got = list(verdicts.read())
        if wanted is None or len(got) < wanted.verdicts:
            return
        expected.clear()
        verdicts.clear()
        matches = [m for m in (wanted.exact, *got) if m is not None]
        if not matches:
            yield wanted.article
            return
        match = min(matches)
        yield duplicate(wanted.article, match)


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
        def keyed(fn: beam.DoFn) -> beam.ParDo:
            return beam.ParDo(fn).with_input_types(_KEYED).with_output_types(_KEYED)

        gated = (
            articles
            | "Key by id" >> beam.Map(lambda a: (a["article_id"], a)).with_output_types(_KEYED)
            | "Admit first delivery"
            >> keyed(_AdmitFirstDelivery(self._horizon)).with_outputs(DUPLICATES, main=_BANDS)
        )
        decided = (
            gated[_BANDS]
            | "Find earlier in buckets" >> keyed(_FindEarlierInBuckets(self._horizon))
            | "Probe near candidates" >> keyed(_ProbeNearCandidates())
            | "Verify probes" >> keyed(_VerifyProbes(self._threshold, self._horizon))
            | "Keep or name original"
            >> beam.ParDo(_KeepOrNameOriginal())
            .with_input_types(_KEYED)
            .with_outputs(DUPLICATES, main=UNIQUE)
        )
        duplicates = (gated[DUPLICATES], decided[DUPLICATES]) | "Duplicates" >> beam.Flatten()
        return DedupeResult(decided[UNIQUE], duplicates)
