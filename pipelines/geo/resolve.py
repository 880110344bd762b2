"""Ambiguous place names resolved from the article's context.

The context is what the article says about where it happens: its dateline, the countries and
US states its other place names leave no doubt about ('Texas', 'Baghdad'), the countries of
its people and groups ('Iraqi', an actor coded IRQ). A name's candidates are scored on that
context; population breaks the remaining ties, so "Paris" alone is France's capital and
"Paris" in a story about Texas is Paris, Texas.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipelines.geo.dateline import Dateline
from pipelines.geo.gazetteer import (
    COUNTRY,
    REGION,
    Candidate,
    Gazetteer,
    Place,
    log_population,
    normalise,
)

# Entity labels whose text may name a place (GPE, LOC, FAC) or a country's people (NORP).
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
CONTEXT_LABELS = PLACE_LABELS | {"NORP"}
# Weights of the score (see ``Resolver.score``): one clear mention of a candidate's country
# outweighs any difference of population; the dateline outweighs a few mentions.
DATELINE_SAME, DATELINE_REGION, DATELINE_COUNTRY = 6.0, 4.0, 3.0
COUNTRY_VOTE, REGION_VOTE = 2.0, 2.0
ALIAS_PENALTY = 1.0
POPULATION = 0.15
# News names a capital more often than a place of the same name and size ('Washington').
CAPITAL = 0.5


@dataclass
class Context:
    """Votes for countries and first-level regions, per mention text (so that a name is not
    its own context), and the dateline's place."""

    countries: dict[str, Counter] = field(default_factory=dict)
    regions: dict[str, Counter] = field(default_factory=dict)
    dateline: Place | None = None
    dateline_region: str | None = None

    def vote(self, key: str, country: str | None, region: str | None) -> None:
        if country:
            self.countries.setdefault(key, Counter())[country] += 1
        if region:
            self.regions.setdefault(key, Counter())[region] += 1

    @staticmethod
    def _total(votes: dict[str, Counter], value: str | None, exclude: str) -> int:
        if value is None:
            return 0
        return sum(c[value] for key, c in votes.items() if key != exclude)

    def country_votes(self, country: str, exclude: str) -> int:
        return self._total(self.countries, country, exclude)

    def region_votes(self, region: str | None, exclude: str) -> int:
        return self._total(self.regions, region, exclude)


class Resolver:
    """Resolves the place names of one article."""

    def __init__(self, gazetteer: Gazetteer, context: Context) -> None:
        self.gazetteer = gazetteer
        self.context = context

    @classmethod
    def for_article(
        cls,
        gazetteer: Gazetteer,
        mentions: Iterable[str],
        actor_countries: Iterable[str] = (),
        dateline: Dateline | None = None,
    ) -> Resolver:
        """Context from the article's mentions of places and peoples (their texts), actor
        country codes and the dateline."""
        context = Context()
        resolver = cls(gazetteer, context)
        for text in mentions:
            country, region = resolver._clear_meaning(text)
            context.vote(normalise(text), country, region)
        for code in actor_countries:
            context.vote("", code, None)
        if dateline is not None:
            resolver._set_dateline(dateline)
        return resolver

    def _clear_meaning(self, text: str) -> tuple[str | None, str | None]:
        """The country (and region) a mention leaves no doubt about, else None.

        The name of one country or region means it, whatever towns share the name
        ('Virginia'); two such ('Georgia') or towns of several countries leave doubt."""
        candidates = self._own_first(self.gazetteer.candidates(text))
        areas = [c for c in candidates if c.place.feature_type in (COUNTRY, REGION)]
        if areas:
            candidates = areas
        countries = {c.place.country for c in candidates}
        term = self.gazetteer.term_country(text)
        if term:
            countries.add(term)
        if len(countries) != 1:
            return None, None
        regions = {c.place.region_code for c in candidates}
        region = regions.pop() if len(regions) == 1 and candidates else None
        return countries.pop(), region

    @staticmethod
    def _own_first(candidates: list[Candidate]) -> list[Candidate]:
        """Places that carry the name as their own; alternate names only when none does."""
        own = [c for c in candidates if not c.alias]
        return own or candidates

    def _set_dateline(self, dateline: Dateline) -> None:
        if dateline.qualifier:
            country, region = self._clear_meaning(dateline.qualifier)
            self.context.vote("dateline", country, region)
            self.context.dateline_region = region
        self.context.dateline = self.resolve(dateline.place)

    def score(self, candidate: Candidate, key: str) -> float:
        place, ctx = candidate.place, self.context
        score = POPULATION * log_population(place) + (CAPITAL if place.capital else 0.0)
        score -= ALIAS_PENALTY if candidate.alias else 0.0
        score += COUNTRY_VOTE * math.log2(1 + ctx.country_votes(place.country, key))
        score += REGION_VOTE * math.log2(1 + ctx.region_votes(place.region_code, key))
        dateline = ctx.dateline
        if dateline is not None:
            if dateline.gazetteer_id == place.gazetteer_id:
                score += DATELINE_SAME
            elif dateline.region_code and dateline.region_code == place.region_code:
                score += DATELINE_REGION
            elif dateline.country == place.country:
                score += DATELINE_COUNTRY
        elif ctx.dateline_region and ctx.dateline_region == place.region_code:
            score += DATELINE_REGION
        return score

    def resolve(self, text: str) -> Place | None:
        """The likeliest place ``text`` names in this article, None if the gazetteer has none."""
        candidates = self.gazetteer.candidates(text)
        if not candidates:
            return None
        key = normalise(text)
        best = max(candidates, key=lambda c: (self.score(c, key), c.place.gazetteer_id))
        return best.place
