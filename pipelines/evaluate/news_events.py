"""Scoring against real news sentences annotated with all of their events (or none).

The format is that of ``news-events-dev.jsonl``: one sentence a line with ``id``, ``text`` and
``events`` (each ``{event, actor: [{text, alternative?}], recipient: [...], ...}``), most
sentences with no event. Unlike the PLOVER gold (one event per sentence), every predicted event
counts, so false events lower precision.

Figures:
  type P/R/F1       predicted (sentence, type) pairs against the gold pairs
  full P/R/F1       predicted events against gold events of the same sentence: same type and
                    participants that match (a shared content word; ``alternative`` wordings
                    count; an empty gold list matches anything); each gold event matched once
  no-event rate     share of the sentences without a gold event that get an event
"""

from __future__ import annotations

from typing import Any

from pipelines.evaluate.scoring import figure_table, participant_matches, prf


def is_news_events(record: dict[str, Any]) -> bool:
    """A record of this format (a list of ``events``) rather than one gold ``event``."""
    return isinstance(record.get("events"), list)


def _wordings(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for p in people:
        out.append({"text": p.get("text")})
        if p.get("alternative"):
            out.append({"text": p["alternative"]})
    return out


def _texts(people: list[dict[str, Any]]) -> list[str]:
    return [p["text"] for p in people]


def _matches(event: dict[str, Any], gold: dict[str, Any]) -> bool:
    actors, recipients = _wordings(gold.get("actor", [])), _wordings(gold.get("recipient", []))
    return (
        event["event_type"] == gold["event"]
        and (not actors or participant_matches(event["actor"], actors))
        and (not recipients or participant_matches(event["recipient"], recipients))
    )


def _distinct(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One event per (type, actors, recipients): a pattern found twice is one claim."""
    seen, out = set(), []
    for e in events:
        key = (
            e["event_type"],
            tuple(sorted(p.get("canonical") or p["text"] for p in e["actor"])),
            tuple(sorted(p.get("canonical") or p["text"] for p in e["recipient"])),
        )
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def score_news(gold: list[dict], predictions: list[list[dict]]) -> tuple[dict, list[dict]]:
    """Figures and per-sentence errors of one system on news-events records."""
    type_tp = type_pred = type_gold = 0
    full_tp = full_pred = full_gold = 0
    empty = empty_hit = 0
    errors = []
    for g, events in zip(gold, predictions, strict=True):
        events = _distinct(events)
        gold_types = {e["event"] for e in g["events"]}
        types = {e["event_type"] for e in events}
        type_tp += len(gold_types & types)
        type_pred += len(types)
        type_gold += len(gold_types)
        unmatched = list(g["events"])
        for e in events:
            hit = next((ge for ge in unmatched if _matches(e, ge)), None)
            if hit is not None:
                unmatched.remove(hit)
        full_tp += len(g["events"]) - len(unmatched)
        full_pred += len(events)
        full_gold += len(g["events"])
        if not g["events"]:
            empty += 1
            empty_hit += bool(events)
        if types != gold_types or unmatched:
            errors.append(
                {
                    "id": g.get("id"),
                    "gold": [
                        (
                            e["event"],
                            [a["text"] for a in e["actor"]],
                            [r["text"] for r in e["recipient"]],
                        )
                        for e in g["events"]
                    ],
                    "predicted": [
                        (
                            e["event_type"],
                            [a["text"] for a in e["actor"]],
                            [r["text"] for r in e["recipient"]],
                            e["trigger"]["text"] if "trigger" in e else None,
                        )
                        for e in events
                    ],
                    "text": g["text"],
                }
            )
    figures = {
        "sentences": len(gold),
        "gold_events": full_gold,
        "predicted_events": full_pred,
        "type": prf(type_tp, type_pred, type_gold),
        "type_actor_recipient": prf(full_tp, full_pred, full_gold),
        "no_event_sentences": empty,
        "no_event_rate": empty_hit / empty if empty else 0.0,
    }
    return figures, errors


def table(results: dict[str, dict[str, Any]]) -> str:
    """The figures of each system, one column each."""
    rows = [
        ("(sentence, type) P", lambda f: f["type"]["precision"]),
        ("(sentence, type) R", lambda f: f["type"]["recall"]),
        ("(sentence, type) F1", lambda f: f["type"]["f1"]),
        ("(type, actor, recipient) P", lambda f: f["type_actor_recipient"]["precision"]),
        ("(type, actor, recipient) R", lambda f: f["type_actor_recipient"]["recall"]),
        ("(type, actor, recipient) F1", lambda f: f["type_actor_recipient"]["f1"]),
        ("no-event sentences with an event", lambda f: f["no_event_rate"]),
    ]
    lines = figure_table(results, rows)
    counts = ", ".join(f"{n}: {f['predicted_events']} predicted" for n, f in results.items())
    first = next(iter(results.values()))
    lines.append(
        f"{first['gold_events']} gold events, {first['no_event_sentences']} sentences without "
        f"an event; {counts}"
    )
    return "\n".join(lines)
