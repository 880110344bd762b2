"""Batch de-duplication: exact and near-duplicate articles, the earliest of each cluster kept."""

from __future__ import annotations

from typing import NamedTuple

import apache_beam as beam
import numpy as np

from pipelines.dedupe.minhash import fingerprint, jaccard
from pipelines.records import Record, make_duplicate

UNIQUE = "unique"
DUPLICATES = "duplicates"
_NO_DATE = 2**63 - 1


class _Member(NamedTuple):
    """An article in an LSH bucket: its order (earliest first), id and shingles."""

    order: tuple
    article_id: str
    shingles: np.ndarray


def article_order(article: Record) -> tuple:
    """Earliest first: publication time (undated last), then origin, then id."""
    published = article.get("published_at")
    millis = int(published.timestamp() * 1000) if published else _NO_DATE
    return millis, article.get("origin") or "", article["article_id"]


def _bucket_entries(article: Record):
    fp = fingerprint(article.get("text") or "")
    member = _Member(article_order(article), article["article_id"], fp.shingles)
    yield f"exact:{fp.exact}", member
    for key in fp.bands:
        yield f"band:{key}", member


def _matches(bucket: tuple[str, list[_Member]], threshold: float):
    """For each later member, the earliest earlier member it duplicates.

    Yields (article_id, (order of kept, id of kept, -similarity, method)).
    """
    key, members = bucket
    if len(members) < 2:
        return
    members = sorted(members, key=lambda m: m.order)
    if key.startswith("exact:"):
        first = members[0]
        for later in members[1:]:
            if later.article_id != first.article_id:
                yield later.article_id, (first.order, first.article_id, -1.0, "exact")
        return
    for j, later in enumerate(members[1:], start=1):
        for earlier in members[:j]:
            if earlier.article_id == later.article_id:
                continue
            similarity = jaccard(earlier.shingles, later.shingles)
            if similarity >= threshold:
                yield later.article_id, (earlier.order, earlier.article_id, -similarity, "near")
                break


class _DecideFn(beam.DoFn):
    """Per article id: unique, or a Duplicate record naming the article it duplicates."""

    def process(self, element):
        _, grouped = element
        articles = sorted(grouped["article"], key=article_order)
        matches = grouped["match"]
        if matches:
            _, kept_id, negative_similarity, method = matches[0]
            for article in articles:
                yield beam.pvalue.TaggedOutput(
                    DUPLICATES, make_duplicate(article, kept_id, -negative_similarity, method)
                )
            return
        first, *repeats = articles
        yield first
        for article in repeats:  # the same article_id delivered more than once
            yield beam.pvalue.TaggedOutput(
                DUPLICATES, make_duplicate(article, first["article_id"], 1.0, "id")
            )


class DedupeArticles(beam.PTransform):
    """Cleaned articles -> tagged ``unique`` articles and ``duplicates`` (Duplicate records).

    Exact duplicates share their normalised text; near-duplicates are LSH candidates over
    MinHash signatures of word shingles whose actual Jaccard similarity reaches
    ``threshold``. Within a cluster the earliest article (publication time, then origin) is
    kept.
    """

    def __init__(self, threshold: float = 0.8):
        super().__init__()
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"dedupe threshold must be in (0, 1], got {threshold}")
        self._threshold = threshold

    def expand(self, articles):
        matches = (
            articles
            | "Bucket" >> beam.FlatMap(_bucket_entries)
            | "Group buckets" >> beam.GroupByKey()
            | "Verify" >> beam.FlatMap(_matches, self._threshold)
            | "Earliest match" >> beam.CombinePerKey(min)
        )
        by_id = articles | "Key by id" >> beam.Map(lambda a: (a["article_id"], a))
        return (
            {"article": by_id, "match": matches}
            | "Join" >> beam.CoGroupByKey()
            | "Decide" >> beam.ParDo(_DecideFn()).with_outputs(DUPLICATES, main=UNIQUE)
        )
