"""What an article is about, as a sparse unit vector: the words of its title and lead, and
the names (capitalised word sequences) of its whole text.

No document frequencies: a weight that depends on the articles seen so far would make the
decision depend on the state a streaming job happens to hold. Stopwords (jusText's English
list) carry no weight; names weigh more than plain words, and title words more than lead
words, because outlets reporting one happening agree on its names and headline terms far more
than on their wording.
"""

from __future__ import annotations

import calendar
import functools
import math
import re
from collections import Counter

from pipelines.clean.wordlists import stoplists

LEAD_WORDS = 60
TITLE_WEIGHT, LEAD_WEIGHT, NAME_WEIGHT = 2.0, 1.0, 1.5
NAME_PREFIX, WORD_PREFIX = "n:", "w:"
_NAME = re.compile(r"\b[A-Z][\w'’\-]+(?:[ \t]+(?:of[ \t]+|de[ \t]+)?[A-Z][\w'’\-]+)*")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_MID_SENTENCE = re.compile(r"(?<=[a-z0-9,;] )([A-Z][\w'’\-]+)")
_SUFFIXES = ("ing", "ed", "es", "s")
CALENDAR = frozenset(
    w.lower() for w in (*calendar.day_name, *calendar.month_name, *calendar.month_abbr) if w
)

Vector = dict[str, float]


@functools.cache
def _stopwords() -> frozenset[str]:
    return stoplists()["English"]


def _stem(word: str) -> str:
    """'launches', 'launched', 'launching' -> 'launch' (crude, but the same for everyone)."""
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _words(text: str) -> list[str]:
    stop = _stopwords()
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in stop and len(w) > 1]


def _mid_sentence_words(text: str) -> set[str]:
    """Capitalised words that occur inside a sentence somewhere in the text."""
    return {m.group(1) for m in _MID_SENTENCE.finditer(text)}


def _names(text: str) -> list[str]:
    """Capitalised sequences, less what only looks like a name: a leading stopword ('The
    White House' -> 'white house'), a sentence's first word that the text never capitalises
    elsewhere ('Photos', 'Hide caption'), calendar words ('Sunday', 'January')."""
    stop = _stopwords()
    mid = _mid_sentence_words(text)
    out = []
    for match in _NAME.finditer(text):
        words = match.group().replace("’", "'").split()
        if _sentence_start(text, match.start()) and words[0] not in mid:
            words = words[1:]
        words = [w.lower() for w in words]
        while words and words[0] in stop:
            words = words[1:]
        if words and not (len(words) == 1 and words[0] in CALENDAR):
            out.append(" ".join(words))
    return out


def _sentence_start(text: str, at: int) -> bool:
    before = text[max(0, at - 3) : at].rstrip(" \"'“‘(")
    return not before or before[-1] in ".!?:\n"


def story_vector(title: str | None, text: str | None) -> Vector:
    """The article's unit vector (empty when it has no words)."""
    title, text = title or "", text or ""
    counts: Counter[str] = Counter()
    for word in _words(title):
        counts[WORD_PREFIX + word] += TITLE_WEIGHT
    for word in _words(" ".join(text.split()[:LEAD_WORDS])):
        counts[WORD_PREFIX + word] += LEAD_WEIGHT
    names = Counter(_names(f"{title}.\n{text}"))
    for name, n in names.items():
        counts[NAME_PREFIX + name] += NAME_WEIGHT * n
    weights = {k: 1.0 + math.log(c) if c >= 1 else c for k, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {k: round(w / norm, 5) for k, w in weights.items()} if norm else {}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(k, 0.0) for k, w in a.items())


def candidate_keys(vector: Vector) -> list[str]:
    """The features an article is looked up by: its names and its title and lead words."""
    return sorted(vector)
