"""The story decision, shared by batch and streaming: each article joins the story of the
most similar earlier article within the time window, or starts a story of its own.

Candidates come from an inverted index over the articles' features (names, title and lead
words): only articles sharing a feature are compared, and a feature shared by more than
``MAX_POSTING`` articles of the window (a word on every story of the day) is not used to find
candidates, so the cost per article stays bounded however long the window.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from operator import attrgetter

from apache_beam.coders import FloatCoder, MapCoder, StrUtf8Coder

from pipelines.records import stable_id
from pipelines.state_coders import FieldsCoder
from pipelines.stories.features import Vector, candidate_keys, cosine

DEFAULT_WINDOW_SECONDS = 72 * 3600
DEFAULT_THRESHOLD = 0.2
MAX_POSTING = 500


@dataclass(frozen=True)
class IndexedArticle:
    """What the index keeps of an article: enough to be matched and to name its story."""

    article_id: str
    story_id: str
    seconds: float  # event time
    vector: Vector


# An indexed article in streaming's state (stories.transform).
INDEXED_ARTICLE_CODER = FieldsCoder(
    [StrUtf8Coder(), StrUtf8Coder(), FloatCoder(), MapCoder(StrUtf8Coder(), FloatCoder())],
    IndexedArticle,
    attrgetter("article_id", "story_id", "seconds", "vector"),
)


def new_story_id(article_id: str) -> str:
    return stable_id("story", article_id)


class StoryIndex:
    """Articles of the recent past, by feature; ``assign`` decides one article's story."""

    def __init__(self, window_seconds: float, threshold: float) -> None:
        self.window = window_seconds
        self.threshold = threshold
        self.entries: dict[str, IndexedArticle] = {}
        self._postings: dict[str, set[str]] = defaultdict(set)

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, entry: IndexedArticle) -> None:
        self.entries[entry.article_id] = entry
        for key in candidate_keys(entry.vector):
            self._postings[key].add(entry.article_id)

    def best_match(self, seconds: float, vector: Vector) -> IndexedArticle | None:
        """The most similar indexed article within the window at or above the threshold
        (ties: the earlier, then the smaller id)."""
        candidates: set[str] = set()
        for key in candidate_keys(vector):
            posting = self._postings.get(key)
            if posting and len(posting) <= MAX_POSTING:
                candidates |= posting
        best, best_key = None, None
        for article_id in candidates:
            entry = self.entries[article_id]
            if abs(seconds - entry.seconds) > self.window:
                continue
            score = cosine(vector, entry.vector)
            if score < self.threshold:
                continue
            key = (-score, entry.seconds, entry.article_id)
            if best_key is None or key < best_key:
                best, best_key = entry, key
        return best

    def assign(self, article_id: str, seconds: float, vector: Vector) -> str:
        """The article's story id; the article is indexed for the ones after it."""
        if article_id in self.entries:  # the same article delivered again
            return self.entries[article_id].story_id
        match = self.best_match(seconds, vector)
        story_id = match.story_id if match else new_story_id(article_id)
        self.add(IndexedArticle(article_id, story_id, seconds, vector))
        return story_id

    def expire(self, before_seconds: float) -> int:
        """Drop the articles older than ``before_seconds``; returns how many."""
        old = [e for e in self.entries.values() if e.seconds < before_seconds]
        for entry in old:
            del self.entries[entry.article_id]
            for key in candidate_keys(entry.vector):
                posting = self._postings[key]
                posting.discard(entry.article_id)
                if not posting:
                    del self._postings[key]
        return len(old)
