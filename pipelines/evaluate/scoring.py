"""What a predicted event is worth against gold: participant overlap and P/R/F1."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

STOPWORDS = {
    "the",
    "a",
    "an",
    "of",
    "and",
    "in",
    "on",
    "to",
    "for",
    "its",
    "their",
    "his",
    "her",
    "s",
    "by",
    "at",
    "with",
    "from",
    "some",
    "all",
    "two",
    "three",
}


def words(text: str | None) -> set[str]:
    return {w for w in re.findall(r"\w+", (text or "").lower()) if w not in STOPWORDS}


def participant_matches(predicted: list[dict], gold: list[dict]) -> bool:
    """A predicted participant shares a content word with a gold participant."""
    gold_words = [words(g.get("text")) for g in gold]
    for p in predicted:
        mine = words(p.get("text")) | words(p.get("canonical"))
        if any(mine & g for g in gold_words):
            return True
    return False


def prf(tp: int, predicted: int, gold: int) -> dict[str, float]:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


Row = tuple[str, Callable[[dict[str, Any]], float | None]]


def figure_table(results: dict[str, dict[str, Any]], rows: list[Row]) -> list[str]:
    """Lines of a table of figures: one row per (label, getter), one column per system; a
    figure that is None prints as '-'."""
    width = max(len(label) for label, _ in rows)
    names = list(results)
    lines = [f"{'':{width}}  " + "  ".join(f"{n:>9}" for n in names)]
    for label, get in rows:
        lines.append(f"{label:{width}}  " + "  ".join(_cell(get(results[n])) for n in names))
    return lines


def _cell(value: float | None) -> str:
    return f"{'-':>9}" if value is None else f"{value:9.3f}"
