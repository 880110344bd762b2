"""The dateline that opens a wire story: 'PARIS, Texas (AP) — ', 'TOKYO, Nov. 29 (Xinhua) -- '."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_NAME = r"[A-Z][A-Za-z.'’\-]*(?:\s[A-Z][A-Za-z.'’\-]*){0,3}"
_DATELINE = re.compile(
    rf"^\s*(?P<place>{_NAME})"
    rf"(?:,\s*(?!{_MONTH}\s)(?P<qualifier>{_NAME}))?"
    rf"(?:,?\s*(?P<date>{_MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?))?"
    r"\s*(?P<agency>\([A-Za-z .&/-]{2,30}\))?"
    r"\s*(?:—|–|--|-|:)\s+(?=\S)"
)


@dataclass(frozen=True)
class Dateline:
    place: str
    qualifier: str | None  # the state or country after the city: 'Texas', 'South Korea'
    date_text: str | None
    end: int  # where the story's first sentence starts


def parse_dateline(text: str) -> Dateline | None:
    """The dateline at the start of ``text``, or None.

    A dateline's place is in capitals ('LAS VEGAS —') or is followed by an agency in
    parentheses ('Seoul (Reuters) -'); a sentence that starts with a name and a dash is not
    one.
    """
    match = _DATELINE.match(text[:160])
    if match is None:
        return None
    place = match.group("place")
    letters = [c for c in place if c.isalpha()]
    if not (len(letters) >= 2 and place.upper() == place) and not match.group("agency"):
        return None
    return Dateline(place, match.group("qualifier"), match.group("date"), match.end())
