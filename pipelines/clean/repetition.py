"""Boilerplate that recurs across the articles of one source: the site's own slogans, bylines,
promotions and notices that no single article gives away.

A paragraph of cleaned text is boilerplate when it recurs verbatim (after :func:`key`
normalisation) in at least ``min_articles`` different articles of the same source and is not long,
stopword-rich prose (such a paragraph that recurs is background text, and stays). Versions
of one article (re-sent or corrected: they share at least half of their good paragraphs)
count once. Paragraphs are handled as short hashes.

Batch: :func:`recurring` over all articles of a source, in an order-independent way.
Streaming: :class:`RecentParagraphs` keeps the last ``window`` distinct articles of a source
and learns as the stream goes, so its memory is bounded whatever the stream's length.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from apache_beam.coders import IterableCoder, StrUtf8Coder, VarIntCoder

from pipelines.clean.boilerplate import LENGTH_GOOD, STOPWORDS_GOOD, describe, key
from pipelines.clean.wordlists import stoplist_for
from pipelines.records import Record
from pipelines.state_coders import FieldsCoder

# Distinct articles of a source a paragraph must appear in to count as its boilerplate.
MIN_ARTICLES = 4
# Share of good paragraphs two articles must share to be versions of one article.
VERSION_SHARE = 0.5
# Streaming: distinct articles remembered per source.
WINDOW = 200
# Paragraphs of one article looked at (the rest is kept as it is).
MAX_PARAGRAPHS = 400


def source_of(article: Record) -> str:
    """The article's source: its ``source`` field, else its URL's host, else the file or topic
    it came from (its typed position, else its origin, without the offset or line)."""
    if article.get("source"):
        return str(article["source"])
    try:
        host = urlsplit(article.get("url") or "").hostname
    except ValueError:
        host = None
    if host:
        return host.removeprefix("www.")
    position = article.get("position")
    if position:
        return f"kafka:{position['topic']}" if "topic" in position else position["file"]
    # A record made outside the sources has no position, only its origin's display form.
    origin = str(article.get("origin") or "unknown")
    if origin.startswith("kafka:"):  # kafka:<topic>/<partition>@<offset>
        return origin.rsplit("/", 1)[0]
    return origin.rsplit(":", 1)[0]  # <file>:<line>


def paragraphs_of(text: str) -> list[str]:
    """The paragraphs of cleaned text (blocks separated by blank lines)."""
    return [p for p in text.split("\n\n") if p.strip()]


def paragraph_hash(paragraph: str) -> str:
    """A short hash of a paragraph's normalised words."""
    return hashlib.blake2b(key(paragraph).encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Paragraphs:
    """The paragraph hashes of one article: those that may go as boilerplate (short, or not
    prose) and those of its body (long prose, which identifies the article)."""

    removable: frozenset[str]
    body: frozenset[str]
    longest: str = ""  # hash of the longest paragraph

    @classmethod
    def of(cls, text: str) -> Paragraphs:
        paragraphs = paragraphs_of(text)[:MAX_PARAGRAPHS]
        stoplist = stoplist_for([w.lower() for p in paragraphs for w in p.split()])
        removable, body = set(), set()
        for p in paragraphs:
            prose = len(p) >= LENGTH_GOOD and describe(p, stoplist).stop_share >= STOPWORDS_GOOD
            (body if prose else removable).add(paragraph_hash(p))
        longest = paragraph_hash(max(paragraphs, key=len)) if paragraphs else ""
        return cls(frozenset(removable), frozenset(body), longest)

    def identity(self) -> frozenset[str]:
        """What tells this article from others: its long prose, else its longest paragraph
        (not all of them: a short article shares much of its length with the site's lines)."""
        return self.body or frozenset({self.longest})


def is_version(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two articles (by :meth:`Paragraphs.identity`) are versions of one article."""
    smaller = min(len(a), len(b))
    return smaller > 0 and len(a & b) >= VERSION_SHARE * smaller


def recurring(articles: Iterable[Paragraphs], min_articles: int = MIN_ARTICLES) -> set[str]:
    """Hashes of removable paragraphs found in at least ``min_articles`` distinct articles.

    Order-independent: articles are taken in a canonical order, each version group counting
    once (an article joins the first earlier one it is a version of).
    """
    distinct: list[frozenset[str]] = []
    by_paragraph: dict[str, list[int]] = {}  # body hash -> indexes in distinct
    counts: Counter = Counter()
    for article in sorted(set(articles), key=lambda p: sorted(p.identity())):
        identity = article.identity()
        candidates = {i for h in identity for i in by_paragraph.get(h, ())}
        if any(is_version(identity, distinct[i]) for i in candidates):
            continue
        for h in identity:
            by_paragraph.setdefault(h, []).append(len(distinct))
        distinct.append(identity)
        counts.update(article.removable)
    return {h for h, n in counts.items() if n >= min_articles}


@dataclass
class RecentParagraphs:
    """The last ``window`` distinct articles of one source, for streaming: each new article is
    judged against them, then remembered (replacing an earlier version of itself)."""

    window: int = WINDOW
    min_articles: int = MIN_ARTICLES
    articles: list[Paragraphs] = field(default_factory=list)

    def observe(self, article: Paragraphs) -> set[str]:
        """Hashes of the article's removable paragraphs seen in enough distinct articles,
        counting this one; then the article joins the window."""
        identity = article.identity()
        others = [a for a in self.articles if not is_version(identity, a.identity())]
        counts = Counter(h for a in others for h in a.removable & article.removable)
        repeated = {h for h, n in counts.items() if n + 1 >= self.min_articles}
        self.articles = [*others, article][-self.window :]
        return repeated


_HASHES = IterableCoder(StrUtf8Coder())
_PARAGRAPHS_CODER = FieldsCoder(
    [_HASHES, _HASHES, StrUtf8Coder()],
    lambda removable, body, longest: Paragraphs(frozenset(removable), frozenset(body), longest),
    lambda p: (sorted(p.removable), sorted(p.body), p.longest),
)
# A source's recent articles in streaming's state (clean.transform).
RECENT_PARAGRAPHS_CODER = FieldsCoder(
    [VarIntCoder(), VarIntCoder(), IterableCoder(_PARAGRAPHS_CODER)],
    lambda window, min_articles, articles: RecentParagraphs(window, min_articles, list(articles)),
    lambda r: (r.window, r.min_articles, r.articles),
)


def strip_repeated(text: str, repeated: set[str]) -> str:
    """``text`` without its removable paragraphs whose hash is in ``repeated``; unchanged when
    nothing of its body would be left."""
    if not repeated:
        return text
    paragraphs = paragraphs_of(text)
    kept = [p for p in paragraphs[:MAX_PARAGRAPHS] if paragraph_hash(p) not in repeated]
    kept += paragraphs[MAX_PARAGRAPHS:]
    return "\n\n".join(kept) if kept else text
