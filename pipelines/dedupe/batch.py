"""Batch de-duplication: exact and near-duplicate articles, the earliest of each cluster kept.

The steps, each keyed so that a runner moves few and small elements:

1. Group by article_id: the earliest delivery goes on, later ones are ``id`` duplicates.
2. Bucket: each article's exact-text and LSH band keys with a small ref (order, text hash),
   gathered by shard of the key; its shingles go out once, keyed by its id.
3. Candidates: in each bucket, every later article meets the earlier ones. An earlier one
   with the same text is an ``exact`` match at once (and no later one can win over it);
   any other asks for the earlier article's shingles.
4. Probes: each requested article sends its shingles to the articles that asked.
5. Decide: an article verifies the probes it got against its own shingles (the
   :func:`~pipelines.dedupe.minhash.similarity` must reach the threshold) and names the
   earliest article it duplicates, or is kept.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator

import apache_beam as beam
from apache_beam.utils.windowed_value import WindowedValue

from pipelines.dedupe.coders import pack_member, pack_ref, unpack_member, unpack_ref
from pipelines.dedupe.matching import (
    DUPLICATES,
    EXACT_PREFIX,
    UNIQUE,
    DedupeResult,
    Match,
    Member,
    article_order,
    bucket_keys,
    check_threshold,
    duplicate,
    verify,
)
from pipelines.dedupe.minhash import fingerprint, text_shingles
from pipelines.records import Record

SHINGLES = "shingles"
REQUESTS = "requests"
# Bucket entries are shuffled in batches by shard of the bucket key: one element a shard
# and flush, not one a bucket (43 an article), as a runner's cost is per element and byte.
SHARDS = 256
FLUSH_BYTES = 4 << 20
_EXACT_KEY = EXACT_PREFIX.encode()


class _Bucket(beam.DoFn):
    """(id, article) -> (shard, [(bucket key, ref), ...]) per window and flush; and
    (id, packed member with shingles) tagged ``SHINGLES``, once an article.

    A window's entries go out when they reach ``FLUSH_BYTES`` and at the end of the bundle,
    so memory stays bounded whatever the bundle size.
    """

    def start_bundle(self) -> None:
        self._pending: dict = {}

    def process(self, keyed: tuple[str, Record], window=beam.DoFn.WindowParam):
        article_id, article = keyed
        fp = fingerprint(article.get("text") or "")
        order = article_order(article)
        yield beam.pvalue.TaggedOutput(SHINGLES, (article_id, pack_member(order, fp.shingles)))
        ref = pack_ref(order, fp.exact)
        shards, size = self._pending.get(window) or (defaultdict(list), 0)
        for key in bucket_keys(fp):
            encoded = key.encode()
            shards[zlib.crc32(encoded) % SHARDS].append((encoded, ref))
            size += len(encoded) + len(ref)
        self._pending[window] = shards, size
        if size >= FLUSH_BYTES:
            yield from self._flush(window)

    def finish_bundle(self):
        for window in list(self._pending):
            yield from self._flush(window)

    def _flush(self, window) -> Iterator[WindowedValue]:
        shards, _ = self._pending.pop(window)
        for shard, entries in shards.items():
            yield WindowedValue((shard, entries), window.max_timestamp(), (window,))


def _candidates(shard: tuple[int, Iterable[list[tuple[bytes, bytes]]]]):
    """Exact matches as (later id, Match); near candidates as (earlier id, later id) tagged
    ``REQUESTS``. Each once per shard."""
    buckets = defaultdict(list)
    for entries in shard[1]:
        for key, ref in entries:
            buckets[key].append(ref)
    seen = set()
    for key, refs in buckets.items():
        if len(refs) < 2:
            continue
        members = sorted(map(unpack_ref, refs))
        exact_bucket = key.startswith(_EXACT_KEY)
        for j, (later, later_text) in enumerate(members[1:], start=1):
            for earlier, earlier_text in members[:j]:
                exact = exact_bucket or earlier_text == later_text
                found = (exact, earlier[2], later[2])
                if found not in seen:
                    seen.add(found)
                    if exact:
                        yield later[2], Match(earlier, earlier[2], -1.0, "exact")
                    else:
                        yield beam.pvalue.TaggedOutput(REQUESTS, (earlier[2], later[2]))
                if exact:
                    break


def _probes(element):
    """An earlier article's packed shingles, to each later article that asked for them."""
    _, grouped = element
    if grouped["request"]:
        (packed,) = grouped["shingles"]
        for later_id in set(grouped["request"]):
            yield later_id, packed


def _first_of_id(element):
    """The earliest delivery of an article_id, keyed by it; later ones are ``id`` duplicates."""
    article_id, deliveries = element
    first, *repeats = sorted(deliveries, key=article_order)
    yield article_id, first
    for article in repeats:
        yield duplicate(article)


def _decide(element, threshold: float):
    """Unique, or a Duplicate record naming the earliest article it duplicates."""
    article_id, grouped = element
    (article,) = grouped["article"]
    matches: list[Match] = list(grouped["match"])
    if grouped["probe"]:
        later = Member(article_order(article), article_id, text_shingles(article.get("text") or ""))
        for packed in grouped["probe"]:
            if match := verify(unpack_member(packed), later, False, threshold):
                matches.append(match)
    if not matches:
        yield article
        return
    match = min(matches)
    yield duplicate(article, match)


class DedupeArticles(beam.PTransform):
    """Cleaned articles -> ``unique`` articles and ``duplicates`` (Duplicate records).

    An article_id delivered again is an ``id`` duplicate of its earliest delivery. Exact
    duplicates share their normalised text; near-duplicates are LSH candidates over MinHash
    signatures of word shingles whose verified :func:`~pipelines.dedupe.minhash.similarity`
    reaches ``threshold``. Each article is compared with every earlier one and names the
    earliest it duplicates; the rest are kept.

    Batch (default): earlier means earlier publication time, then origin, then id, over the
    whole input (the steps are in this module's docstring). Streaming (``streaming=True``):
    earlier means seen first, within ``horizon_seconds`` of event time, with state that
    expires (see :mod:`pipelines.dedupe.streaming`).
    """

    def __init__(
        self, threshold: float = 0.8, streaming: bool = False, horizon_seconds: int = 7 * 86400
    ):
        super().__init__()
        self._threshold = check_threshold(threshold)
        self._streaming = streaming
        self._horizon = horizon_seconds

    def expand(self, articles) -> DedupeResult:
        if self._streaming:
            from pipelines.dedupe.streaming import StreamingDedupe

            return articles | "Streaming" >> StreamingDedupe(self._threshold, self._horizon)
        by_id = (
            articles
            | "Key by id" >> beam.Map(lambda a: (a["article_id"], a))
            | "Group by id" >> beam.GroupByKey()
            | "First of id" >> beam.FlatMap(_first_of_id).with_outputs(DUPLICATES, main=UNIQUE)
        )
        firsts = by_id[UNIQUE]
        bucketed = firsts | "Bucket" >> beam.ParDo(_Bucket()).with_output_types(
            tuple[int, list[tuple[bytes, bytes]]]
        ).with_outputs(SHINGLES, main="entries")
        candidates = (
            bucketed.entries
            | "Group shards" >> beam.GroupByKey()
            | "Candidates" >> beam.FlatMap(_candidates).with_outputs(REQUESTS, main="exact")
        )
        probes = (
            {"shingles": bucketed[SHINGLES], "request": candidates[REQUESTS]}
            | "Join requests" >> beam.CoGroupByKey()
            | "Probes" >> beam.FlatMap(_probes)
        )
        decided = (
            {"article": firsts, "match": candidates.exact, "probe": probes}
            | "Join" >> beam.CoGroupByKey()
            | "Decide"
            >> beam.FlatMap(_decide, self._threshold).with_outputs(DUPLICATES, main=UNIQUE)
        )
        duplicates = (by_id[DUPLICATES], decided[DUPLICATES]) | "Duplicates" >> beam.Flatten()
        return DedupeResult(decided[UNIQUE], duplicates)
