"""Unicode and whitespace normalisation of article text."""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


def _is_invisible(ch: str) -> bool:
    """Control, format (zero-width, soft hyphen, BOM), private-use and surrogate characters."""
    return ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


def normalize_text(text: str) -> str:
    """NFC-normalise ``text``, drop invisible characters, unify line breaks.

    Every run of horizontal whitespace (including no-break and other Unicode spaces) becomes
    one space, lines are stripped, and more than one blank line in a row becomes one.
    """
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    text = "".join(ch for ch in text if not _is_invisible(ch))
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip()
