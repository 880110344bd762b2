"""Batch de-duplication: exact and near-duplicate articles, the earliest of each cluster kept."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator

import apache_beam as beam
import numpy as np

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
    verify,
)
from pipelines.dedupe.minhash import fingerprint
from pipelines.records import Record, make_duplicate

# A bucket member travels as bytes: order millis, origin and id lengths, origin, id, shingles.
_HEAD = struct.Struct(">qII")
_EXACT_KEY = EXACT_PREFIX.encode()


def pack_member(order: tuple[int, str, str], shingles: np.ndarray) -> bytes:
    """A bucket member as bytes, which Beam's bytes coder moves far cheaper than a tuple."""
    millis, origin, article_id = order
    origin_b, id_b = origin.encode(), article_id.encode()
    return b"".join(
        (_HEAD.pack(millis, len(origin_b), len(id_b)), origin_b, id_b, shingles.tobytes())
    )


def unpack_member(packed: bytes) -> Member:
    millis, origin_len, id_len = _HEAD.unpack_from(packed)
    start = _HEAD.size
    origin = packed[start : start + origin_len].decode()
    article_id = packed[start + origin_len : start + origin_len + id_len].decode()
    shingles = np.frombuffer(packed, np.uint32, offset=start + origin_len + id_len)
    return Member((millis, origin, article_id), article_id, shingles)


def _bucket_entries(article: Record) -> Iterator[tuple[bytes, bytes]]:
    """(bucket key, packed member) for every bucket of the article."""
    fp = fingerprint(article.get("text") or "")
    member = pack_member(article_order(article), fp.shingles)
    for key in bucket_keys(fp):
        yield key.encode(), member


def _matches(bucket: tuple[bytes, Iterable[bytes]], threshold: float):
    """For each later member, the earliest earlier member it duplicates.

    Yields (article_id, Match). Most buckets hold one article and yield nothing.
    """
    key, packed = bucket
    packed = list(packed)
    if len(packed) < 2:
        return
    members = sorted(map(unpack_member, packed), key=lambda m: m.order)
    exact = key.startswith(_EXACT_KEY)
    for j, later in enumerate(members[1:], start=1):
        for earlier in members[:j]:
            match = verify(earlier, later, exact, threshold)
            if match:
                yield later.article_id, match
                break


def _first_of_id(element):
    """The earliest delivery of an article_id, keyed by it; later ones are ``id`` duplicates."""
    article_id, deliveries = element
    first, *repeats = sorted(deliveries, key=article_order)
    yield article_id, first
    for article in repeats:
        yield beam.pvalue.TaggedOutput(
            DUPLICATES, make_duplicate(article, first["article_id"], 1.0, "id")
        )


def _decide(element):
    """Unique, or a Duplicate record naming the earliest article it duplicates."""
    _, grouped = element
    (article,) = grouped["article"]
    matches: list[Match] = list(grouped["match"])
    if not matches:
        yield article
        return
    match = min(matches)
    yield beam.pvalue.TaggedOutput(
        DUPLICATES,
        make_duplicate(article, match.kept_id, -match.negative_similarity, match.method),
    )


class DedupeArticles(beam.PTransform):
    """Cleaned articles -> ``unique`` articles and ``duplicates`` (Duplicate records).

    An article_id delivered again is an ``id`` duplicate of its earliest delivery. Exact
    duplicates share their normalised text; near-duplicates are LSH candidates over MinHash
    signatures of word shingles whose verified :func:`~pipelines.dedupe.minhash.similarity`
    reaches ``threshold``. Each article is compared with every earlier one and names the
    earliest it duplicates; the rest are kept.

    Batch (default): earlier means earlier publication time, then origin, then id, over the
    whole input. Streaming (``streaming=True``): earlier means seen first, within
    ``horizon_seconds`` of event time, with state that expires (see
    :mod:`pipelines.dedupe.streaming`).

    In batch, whole articles are shuffled twice (by id, then joined with their matches);
    the LSH buckets, one entry per article and band, carry packed bytes.
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
        matches = (
            firsts
            | "Bucket"
            >> beam.FlatMap(lambda kv: _bucket_entries(kv[1])).with_output_types(
                tuple[bytes, bytes]
            )
            | "Group buckets" >> beam.GroupByKey()
            | "Verify" >> beam.FlatMap(_matches, self._threshold)
        )
        decided = (
            {"article": firsts, "match": matches}
            | "Join" >> beam.CoGroupByKey()
            | "Decide" >> beam.FlatMap(_decide).with_outputs(DUPLICATES, main=UNIQUE)
        )
        duplicates = (by_id[DUPLICATES], decided[DUPLICATES]) | "Duplicates" >> beam.Flatten()
        return DedupeResult(decided[UNIQUE], duplicates)
