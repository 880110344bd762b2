"""What a predicted event is worth against gold: participant overlap and P/R/F1."""

from __future__ import annotations

import re

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
