"""Unicode and whitespace normalisation of article text."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


def _is_invisible(ch: str) -> bool:
    """Control, format (zero-width, soft hyphen, BOM), private-use and surrogate characters."""
    return ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@cache
def _invisible_bmp() -> re.Pattern:
    """One character class of the invisible characters of the Basic Multilingual Plane (a
    regex scan is much faster than a category lookup per character)."""
    ranges, start = [], None
    for code in range(0x10001):
        inside = code < 0x10000 and _is_invisible(chr(code))
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            ranges.append(f"\\u{start:04x}-\\u{code - 1:04x}")
            start = None
    return re.compile(f"[{''.join(ranges)}]+")


def _drop_invisible(text: str) -> str:
    text = _invisible_bmp().sub("", text)
    return _ASTRAL.sub(lambda m: "" if _is_invisible(m[0]) else m[0], text)


def normalize_text(text: str) -> str:
    """NFC-normalise ``text``, drop invisible characters, unify line breaks.

    Every run of horizontal whitespace (including no-break and other Unicode spaces) becomes
    one space, lines are stripped, and more than one blank line in a row becomes one.
    """
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    text = _drop_invisible(text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip()
