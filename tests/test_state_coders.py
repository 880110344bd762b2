"""The coders of the streaming steps' state: each value decodes as it was, and its bytes name
no class or module (as pickle's do), so state survives a class renamed or moved."""

from __future__ import annotations

import datetime as dt

import pytest
from apache_beam.coders import PickleCoder
from apache_beam.utils.timestamp import Timestamp

from pipelines.clean.repetition import Paragraphs, RecentParagraphs
from pipelines.clean.transform import _StripRecentFn
from pipelines.dedupe.streaming import HeldArticle, Stored, _DecideInArrivalOrder
from pipelines.io.kafka_offsets import Done, OffsetBook, Read, _CommitFn
from pipelines.stories.features import story_vector
from pipelines.stories.groups import Member, _StreamingGroups, member_of
from pipelines.stories.index import IndexedArticle
from pipelines.stories.transform import _StreamingStories


def _recent() -> RecentParagraphs:
    recent = RecentParagraphs(window=3, min_articles=2)
    for text in ("Subscribe now.\n\n" + "The river rose overnight. " * 20, "Subscribe now.\n\nA"):
        recent.observe(Paragraphs.of(text))
    return recent


def _book() -> OffsetBook:
    book = OffsetBook()
    book.read(Read(10, 10, 20, (10, 11, 15)))
    book.read(Read(10, 25, 30, (26,)))
    book.done(Done(11))
    book.done(Done(27))
    return book


_EVENT = {
    "event_id": "e1",
    "article_id": "a1",
    "source": "nyt",
    "story_id": "s1",
    "event_type": "THREATEN",
    "quad_class": 3,
    "actor": [{"text": "Pyongyang", "canonical": "North Korea", "country": "PRK", "sector": None}],
    "recipient": [],
    "place": {
        "text": "Tokyo",
        "name": "Tokyo",
        "feature_type": "city",
        "country": "JPN",
        "region_code": None,
        "latitude": 35.69,
        "longitude": 139.69,
        "gazetteer_id": "1850147",
    },
    "event_date": dt.date(2017, 8, 29),
    "published_at": dt.datetime(2017, 8, 29, 6, tzinfo=dt.UTC),
}
_BARE_EVENT = {**_EVENT, "place": None, "event_date": None, "published_at": None, "source": None}
_VECTOR = story_vector("Floods hit Paris", "Heavy rain flooded the Seine on Monday.")

# (state, a value it holds, the classes in the value)
CASES = {
    "dedupe entries": (
        _DecideInArrivalOrder.ENTRIES,
        HeldArticle(3, "a1", -5, ("exact", "band-1"), b"\x00\x01\x02\x03"),
        [HeldArticle],
    ),
    "dedupe stored": (_DecideInArrivalOrder.STORED, Stored(b"\x07" * 16, -(2**63)), [Stored]),
    "stories entries": (
        _StreamingStories.ENTRIES,
        (1_504_000_000_000_000, IndexedArticle("a1", "s1", 1_503_986_400.25, _VECTOR)),
        [IndexedArticle],
    ),
    "stories added": (_StreamingStories.ADDED, 12, []),
    "recurring paragraphs": (_StripRecentFn.RECENT, _recent(), [RecentParagraphs, Paragraphs]),
    "offsets, empty": (_CommitFn.BOOK, OffsetBook(), [OffsetBook]),
    "offsets": (_CommitFn.BOOK, _book(), [OffsetBook]),
    "group member": (_StreamingGroups.MEMBERS, member_of(_EVENT, Timestamp(0)), [Member]),
    "group member, bare": (
        _StreamingGroups.MEMBERS,
        member_of(_BARE_EVENT, Timestamp.of(1_504_000_000)),
        [Member],
    ),
}


@pytest.mark.parametrize("state, value, _classes", CASES.values(), ids=CASES.keys())
def test_state_decodes_as_it_was(state, value, _classes):
    assert state.coder.decode(state.coder.encode(value)) == value


@pytest.mark.parametrize("state, value, classes", CASES.values(), ids=CASES.keys())
def test_state_bytes_name_no_class(state, value, classes):
    encoded = state.coder.encode(value)
    for cls in classes:
        for name in (cls.__module__, cls.__qualname__):
            assert name.encode() in PickleCoder().encode(value)  # what the test tells apart
            assert name.encode() not in encoded
