"""What batch and streaming de-duplication share: bucket keys, order, and verified matches."""

from __future__ import annotations

from typing import NamedTuple

import apache_beam as beam
import numpy as np

from pipelines import counting
from pipelines.dedupe.minhash import Fingerprint, similarity
from pipelines.records import Record, make_duplicate

UNIQUE = "unique"
DUPLICATES = "duplicates"
EXACT_PREFIX = "exact:"
BAND_PREFIX = "band:"
_NO_DATE = 2**63 - 1


class DedupeResult(NamedTuple):
    """The outputs of de-duplication."""

    unique: beam.PCollection  # Article records, one per cluster
    duplicates: beam.PCollection  # Duplicate records


class Member(NamedTuple):
    """An article in an LSH bucket: its order (earliest first), id and shingles."""

    order: tuple
    article_id: str
    shingles: np.ndarray


class Match(NamedTuple):
    """A later article duplicates ``kept_id``. Ordered so that ``min`` picks the earliest."""

    kept_order: tuple
    kept_id: str
    negative_similarity: float  # negated: at equal order, the most similar wins
    method: str  # exact or near


_DUPLICATES = counting.counter(counting.DUPLICATES)


def duplicate(article: Record, match: Match | None = None) -> beam.pvalue.TaggedOutput:
    """The Duplicate record of ``article`` on the ``duplicates`` output, counted: of the
    article ``match`` names, or (no match) an ``id`` duplicate of its own id's first delivery."""
    _DUPLICATES.inc()
    if match is None:
        record = make_duplicate(article, article["article_id"], 1.0, "id")
    else:
        record = make_duplicate(article, match.kept_id, -match.negative_similarity, match.method)
    return beam.pvalue.TaggedOutput(DUPLICATES, record)


def check_threshold(threshold: float) -> float:
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"dedupe threshold must be in (0, 1], got {threshold}")
    return threshold


def article_order(article: Record) -> tuple:
    """Earliest first: publication time in ms (undated last), then origin, then id."""
    published = article.get("published_at")
    millis = int(published.timestamp() * 1000) if published else _NO_DATE
    return millis, article.get("origin") or "", article["article_id"]


def bucket_keys(fp: Fingerprint) -> list[str]:
    """The exact-text key and the LSH band keys of a fingerprint."""
    return [EXACT_PREFIX + fp.exact, *(BAND_PREFIX + key for key in fp.bands)]


def verify(earlier: Member, later: Member, exact: bool, threshold: float) -> Match | None:
    """The match of ``later`` against ``earlier`` found in one bucket, if it holds.

    In an exact-text bucket the texts are equal; in a band bucket the actual
    similarity of the shingle sets must reach ``threshold``.
    """
    if exact:
        return Match(earlier.order, earlier.article_id, -1.0, "exact")
    score = similarity(earlier.shingles, later.shingles)
    if score >= threshold:
        return Match(earlier.order, earlier.article_id, -score, "near")
    return None
