"""The trigger lexicon: PLOVER types, trigger lemmas and patterns, kept as data.

The shipped lexicon is ``lexicon.json`` next to this module; any file of the same format can
replace it (``--lexicon``). The format is documented in ``docs/extraction.md``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_LEXICON = Path(__file__).resolve().parent / "lexicon.json"
MODALITIES = ("asserted", "planned", "expected", "reported", "hypothetical")


@dataclass(frozen=True)
class Entry:
    """What a trigger means: a PLOVER type with its mode and contexts."""

    type: str
    mode: str | None = None
    contexts: tuple[str, ...] = ()
    requires_object: tuple[str, ...] = ()
    requires_xcomp: bool = False
    plural_only: bool = False


@dataclass(frozen=True)
class Lexicon:
    """Trigger tables, keyed by lemma (phrases: lemmas joined by one space)."""

    version: str
    quad_class: dict[str, int]
    verbs: dict[str, Entry]
    phrasal_verbs: dict[str, Entry]
    verb_object: dict[str, Entry]
    nouns: dict[str, Entry]
    support_verbs: frozenset[str]
    speech_verbs: frozenset[str]
    control_verbs: dict[str, str]
    commitment_governors: frozenset[str]
    negating_governors: frozenset[str]
    source: str = field(default="", compare=False)


class LexiconError(ValueError):
    """The lexicon file is not valid."""


def _entries(table: dict[str, Any], types: dict[str, int], section: str) -> dict[str, Entry]:
    entries = {}
    for key, spec in table.items():
        if spec.get("type") not in types:
            raise LexiconError(f"{section}[{key!r}]: unknown PLOVER type {spec.get('type')!r}")
        entries[key.lower()] = Entry(
            type=spec["type"],
            mode=spec.get("mode"),
            contexts=tuple(spec.get("contexts", ())),
            requires_object=tuple(spec.get("requires_object", ())),
            requires_xcomp=bool(spec.get("requires_xcomp", False)),
            plural_only=bool(spec.get("plural_only", False)),
        )
    return entries


def parse_lexicon(data: dict[str, Any], source: str = "") -> Lexicon:
    """A Lexicon from the decoded JSON document; raises LexiconError when malformed."""
    try:
        types = {name: int(spec["quad_class"]) for name, spec in data["types"].items()}
        control = {k.lower(): v for k, v in data.get("control_verbs", {}).items()}
        for key, modality in control.items():
            if modality not in MODALITIES:
                raise LexiconError(f"control_verbs[{key!r}]: unknown modality {modality!r}")
        return Lexicon(
            version=str(data.get("version", "0")),
            quad_class=types,
            verbs=_entries(data.get("verbs", {}), types, "verbs"),
            phrasal_verbs=_entries(data.get("phrasal_verbs", {}), types, "phrasal_verbs"),
            verb_object=_entries(data.get("verb_object", {}), types, "verb_object"),
            nouns=_entries(data.get("nouns", {}), types, "nouns"),
            support_verbs=frozenset(v.lower() for v in data.get("support_verbs", ())),
            speech_verbs=frozenset(v.lower() for v in data.get("speech_verbs", ())),
            control_verbs=control,
            commitment_governors=frozenset(data.get("commitment_governors", ())),
            negating_governors=frozenset(data.get("negating_governors", ())),
            source=source,
        )
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        if isinstance(e, LexiconError):
            raise
        raise LexiconError(f"malformed lexicon {source}: {type(e).__name__}: {e}") from None


@functools.cache
def load_lexicon(path: str | None = None) -> Lexicon:
    """The lexicon at ``path`` (default: the one shipped with the package), cached per path."""
    file = Path(path) if path else DEFAULT_LEXICON
    try:
        with open(file, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise LexiconError(f"cannot read lexicon {file}: {e}") from None
    return parse_lexicon(data, source=str(file))
