"""Each event of an article placed on the map: its own place, else the article's main place.

An event's own place is the location the rules attached to its clause, else a place name of
its sentence that the gazetteer knows, the object of 'in', 'near', 'the town of' first (a name
within an actor or recipient, not after such a word, excepted: 'US servicemen were killed in
Basra' happens in Basra). When the sentence names no
place, the event takes the article's main place: the dateline's, else the place the article
names most often (the first of those in a tie), and says so (``source`` 'article').
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple

from spacy.tokens import Span

from pipelines.entities import sentence_entities
from pipelines.geo.dateline import Dateline
from pipelines.geo.gazetteer import Gazetteer, Place
from pipelines.geo.resolve import CONTEXT_LABELS, PLACE_LABELS, Resolver

EVENT, ARTICLE = "event", "article"
LOCATIVE_PREPOSITIONS = frozenset({"in", "at", "near", "outside", "inside", "into", "across"})
SETTLEMENT_NOUNS = frozenset(
    {"town", "city", "village", "capital", "province", "region", "district", "state", "port"}
)
# Labels the small spaCy model gives place names it mistakes ('in Soroti' as ORG).
MISTAKEN_LABELS = frozenset({"ORG", "NORP", "PERSON"})


class Mention(NamedTuple):
    text: str
    label: str
    locative: bool  # the object of 'in', 'near', ... or of 'the town of'


def _locative(ent: Span) -> bool:
    head = ent.root.head
    if ent.root.dep_ != "pobj":
        return False
    if head.lower_ in LOCATIVE_PREPOSITIONS:
        return True
    return head.lower_ == "of" and head.head.lemma_.lower() in SETTLEMENT_NOUNS


def _mentions(ents: list[Span]) -> list[Mention]:
    """Those of a sentence's entities that may name a place, locative ones first."""
    out = []
    for ent in ents:
        locative = _locative(ent)
        if ent.label_ in CONTEXT_LABELS or (locative and ent.label_ in MISTAKEN_LABELS):
            out.append(Mention(ent.text, ent.label_, locative))
    return sorted(out, key=lambda m: not m.locative)


def _place_record(place: Place, text: str, source: str) -> dict[str, Any]:
    return {"text": text, **place.record(), "source": source}


def _actor_countries(events: Sequence[dict[str, Any]]) -> list[str]:
    """Country codes of the participants (once per distinct participant)."""
    seen = {}
    for event in events:
        for p in (*event.get("actor", ()), *event.get("recipient", ())):
            if p.get("country"):
                seen[p["canonical"]] = p["country"]
    return list(seen.values())


class ArticlePlaces:
    """Place names of one article, resolved in its context."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        sentences: Sequence[Span],
        events: Sequence[dict[str, Any]],
        dateline: Dateline | None,
    ) -> None:
        self.mentions = [_mentions(ents) for ents in sentence_entities(sentences)]
        flat = [m for sentence in self.mentions for m in sentence]
        self.resolver = Resolver.for_article(
            gazetteer, [m.text for m in flat], _actor_countries(events), dateline
        )
        self._cache: dict[str, Place | None] = {}
        self.main = self._main_place(flat, dateline)

    def resolve(self, text: str) -> Place | None:
        if text not in self._cache:
            self._cache[text] = self.resolver.resolve(text)
        return self._cache[text]

    def _main_place(
        self, mentions: list[Mention], dateline: Dateline | None
    ) -> tuple[Place, str] | None:
        if dateline is not None and (place := self.resolver.context.dateline) is not None:
            return place, dateline.place
        counts: Counter[str] = Counter()
        first: dict[str, tuple[Place, str]] = {}
        for text, label, locative in mentions:
            if (label in PLACE_LABELS or locative) and (place := self.resolve(text)) is not None:
                counts[place.gazetteer_id] += 1
                first.setdefault(place.gazetteer_id, (place, text))
        if not counts:
            return None
        top = max(counts.values())
        return next(first[gid] for gid in first if counts[gid] == top)

    def event_place(self, event: dict[str, Any]) -> dict[str, Any] | None:
        location = event.get("location")
        if location and (place := self.resolve(location["text"])) is not None:
            return _place_record(place, location["text"], EVENT)
        names = [p["text"] for p in (*event["actor"], *event["recipient"])]
        for text, label, locative in self.mentions[event["sentence_index"]]:
            if label not in PLACE_LABELS and not locative:
                continue
            if not locative and any(text in name for name in names):
                continue  # 'the US servicemen' do not place the event in the US
            if (place := self.resolve(text)) is not None:
                return _place_record(place, text, EVENT)
        if self.main is not None:
            return _place_record(*self.main, ARTICLE)
        return None


def place_events(
    events: list[dict[str, Any]],
    sentences: Sequence[Span],
    gazetteer: Gazetteer,
    dateline: Dateline | None,
) -> None:
    """Set each event's ``place`` (None when neither its sentence nor its article names one
    the gazetteer knows)."""
    if not events:
        return
    places = ArticlePlaces(gazetteer, sentences, events, dateline)
    for event in events:
        event["place"] = places.event_place(event)
