"""Geocoding: gazetteer look-ups, context rules and tie-breaks, datelines, event places."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipelines.extract.model import extract_batch
from pipelines.geo.dateline import parse_dateline
from pipelines.geo.events import ArticlePlaces
from pipelines.geo.gazetteer import load_gazetteer, normalise
from pipelines.geo.resolve import Resolver
from pipelines.records import is_valid

AMBIGUOUS = Path(__file__).parent / "data" / "geo" / "ambiguous_places.jsonl"


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


def resolve(gazetteer, name, mentions=(), actors=(), dateline=None):
    dl = parse_dateline(dateline) if dateline else None
    place = Resolver.for_article(gazetteer, mentions, actors, dl).resolve(name)
    return place and (place.country, place.region_code, place.feature_type)


def test_names_are_normalised():
    assert normalise("The Goražde") == "gorazde"
    assert normalise("Sāmarrā’") == "samarra"
    assert normalise("U.S.") == "u s"


def test_lookup_by_own_name_alternate_name_country_term_and_direction(gazetteer):
    assert resolve(gazetteer, "Goražde")[:2] == ("BIH", "BA.01")
    assert resolve(gazetteer, "Khatmandu")[0] == "NPL"  # an alternate name
    assert resolve(gazetteer, "U.S.") == ("USA", None, "country")  # a Phoenix country term
    assert resolve(gazetteer, "Western Cambodia") == ("KHM", None, "country")
    assert resolve(gazetteer, "Atlantis Nowhere") is None


def test_population_breaks_ties_without_context(gazetteer):
    assert resolve(gazetteer, "Paris")[:2] == ("FRA", "FR.11")
    assert resolve(gazetteer, "Birmingham")[:2] == ("GBR", "GB.ENG")


def test_capital_outranks_a_namesake_region(gazetteer):
    assert resolve(gazetteer, "Washington")[:2] == ("USA", "US.DC")
    assert resolve(gazetteer, "Washington", ["Seattle"])[:2] == ("USA", "US.WA")


def test_context_of_other_places_peoples_and_actors(gazetteer):
    assert resolve(gazetteer, "Paris", ["Texas", "Paris"])[:2] == ("USA", "US.TX")
    assert resolve(gazetteer, "Birmingham", ["Alabama"])[:2] == ("USA", "US.AL")
    assert resolve(gazetteer, "Tripoli", ["Lebanese"])[0] == "LBN"  # a people
    assert resolve(gazetteer, "Tripoli", actors=["LBN"])[0] == "LBN"  # an actor's code
    # A name is not its own context, and an ambiguous mention votes for nobody.
    assert resolve(gazetteer, "Paris", ["Paris", "Paris"])[0] == "FRA"
    assert resolve(gazetteer, "Georgia", ["Georgia"])[0] == "GEO"
    assert resolve(gazetteer, "Georgia", ["Atlanta"])[:2] == ("USA", "US.GA")


def test_dateline_outweighs_mentions(gazetteer):
    assert resolve(gazetteer, "Paris", dateline="DALLAS (AP) — A storm hit.")[0] == "USA"
    assert resolve(gazetteer, "Paris", dateline="PARIS, Texas — A storm hit.")[1] == "US.TX"
    lyon = resolve(gazetteer, "Paris", ["Texas"], dateline="LYON, France (AFP) - Strikes.")
    assert lyon[0] == "FRA"


@pytest.mark.parametrize(
    ("text", "place", "qualifier", "date"),
    [
        ("PARIS, Texas (AP) — The sheriff said", "PARIS", "Texas", None),
        ("TOKYO, Nov. 29 (Xinhua) -- Japan said", "TOKYO", None, "Nov. 29"),
        ("Seoul (Reuters) - North Korea fired", "Seoul", None, None),
        ("LAS VEGAS — Police said", "LAS VEGAS", None, None),
    ],
)
def test_dateline(text, place, qualifier, date):
    dl = parse_dateline(text)
    assert (dl.place, dl.qualifier, dl.date_text) == (place, qualifier, date)


@pytest.mark.parametrize(
    "text", ["Police said - on Monday - that", "John Smith - a farmer - said", "No dateline."]
)
def test_no_dateline(text):
    assert parse_dateline(text) is None


def test_labelled_ambiguous_names_in_context(model):
    """The project's own labelled set (tests/data/geo/): the harness prints the figure."""
    items = [json.loads(line) for line in AMBIGUOUS.read_text(encoding="utf-8").splitlines()]
    right = 0
    for item in items:
        doc = model.nlp(item["text"])
        place = ArticlePlaces(model.gazetteer, list(doc.sents), [], None).resolve(item["name"])
        right += place is not None and (place.country, place.region_code) == (
            item["country"],
            item["region_code"],
        )
    print(f"ambiguous names: {right}/{len(items)} right")
    assert len(items) >= 40 and right / len(items) >= 0.9


def _events(model, text, published=None):
    article = {"article_id": "g", "text": text, "published_at": published, "origin": "t:1"}
    [outcome] = extract_batch(model, [article])
    assert outcome.error_type is None, outcome.error_message
    return outcome.events


def test_event_place_from_its_sentence_else_the_articles_main_place(model):
    events = _events(
        model,
        "Iraqi police arrested two men in Basra on Sunday.\n\n"
        "The interior minister praised the officers.",
    )
    by_trigger = {e["trigger"]["lemma"]: e for e in events}
    arrest, praise = by_trigger["arrest"], by_trigger["praise"]
    assert arrest["place"]["name"] == "Basrah" and arrest["place"]["source"] == "event"
    assert arrest["place"]["country"] == "IRQ" and arrest["place"]["feature_type"] == "city"
    assert praise["place"]["gazetteer_id"] == arrest["place"]["gazetteer_id"]
    assert praise["place"]["source"] == "article"
    assert all(is_valid("event", e) for e in events)


def test_paris_in_a_texas_story_is_not_france(model):
    events = _events(
        model,
        "Texas officials said the storm hit the county hard.\n\n"
        "Police in Paris arrested a man who attacked a shelter worker.",
    )
    [arrest] = [e for e in events if e["trigger"]["lemma"] == "arrest"]
    assert (arrest["place"]["country"], arrest["place"]["region_code"]) == ("USA", "US.TX")


def test_events_dated_by_text_dateline_or_publication(model):
    published = dt.datetime(2025, 11, 20, 9, 0, tzinfo=dt.UTC)
    text = (
        "WASHINGTON, Nov. 18 (AP) — The senator accused the agency of hiding the report.\n\n"
        "The president will meet the Chinese leader on Jan. 20.\n\n"
        "The minister said he met the envoy on Jan. 20."
    )
    events = _events(model, text, published)
    by_lemma = {e["trigger"]["lemma"]: e for e in events}
    accuse = by_lemma["accuse"]
    assert (accuse["event_date"], accuse["date_source"]) == (dt.date(2025, 11, 18), "dateline")
    meets = sorted(
        (e for e in events if e["trigger"]["lemma"] == "meet"), key=lambda e: e["sentence_index"]
    )
    assert [(e["event_date"], e["date_source"]) for e in meets] == [
        (dt.date(2026, 1, 20), "text"),  # will meet: the coming January
        (dt.date(2025, 1, 20), "text"),  # met: the past one
    ]
    undated = _events(model, "The senator accused the agency of hiding the report.", published)
    assert [(e["event_date"], e["date_source"]) for e in undated] == [
        (dt.date(2025, 11, 20), "published")
    ]
    assert all(is_valid("event", e) for e in events + undated)
