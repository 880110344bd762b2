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
SAME_IN_SINGULAR = frozenset({"news", "series", "species", "means", "headquarters"})
# The positions a sense restriction or shift looks at; a rule that names none looks at the
# first three ("modifier" is a noun trigger's adjectives and compounds: "air strikes").
ARGUMENT_ROLES = ("subject", "object", "prep", "modifier")
DEFAULT_ROLES = ARGUMENT_ROLES[:3]


@dataclass(frozen=True)
class LexiconEntry:
    """What a trigger means: a PLOVER type with its mode and contexts.

    ``type`` None is another sense of the word that names no event ("release a statement"):
    it stops the word from triggering.
    """

    type: str | None
    mode: str | None = None
    contexts: tuple[str, ...] = ()
    requires_object: tuple[str, ...] = ()
    requires_xcomp: bool = False
    plural_only: bool = False
    cameo: str | None = None
    needs_target: bool = False  # an event only when the recipient is a party
    intransitive: bool = False  # the plain verb's sense takes no direct object ("workers struck")
    # argument classes whose words as direct object make the verb another sense ("appealed
    # the ruling")
    other_sense_objects: tuple[str, ...] = ()
    party_act: bool = False  # a complement clause, if any, has a party subject ("warned it would")
    override: bool = False  # hand-written (overrides.json): wins over a typed CAMEO pattern


Phrase = tuple[str, ...]  # words and &synsets, the head last


@dataclass(frozen=True)
class Pattern:
    """A CAMEO verb pattern: what the verb's subject, particle, object and prepositional
    phrases must be for the pattern's meaning to apply (absent parts: anything)."""

    entry: LexiconEntry
    subject: Phrase | None = None
    particle: str | None = None
    object: Phrase | None = None
    preps: tuple[tuple[str, Phrase | None], ...] = ()
    rank: int = 0  # position in the verb's list: lower is more specific

    @property
    def anchor(self) -> str:
        """The key the pattern is indexed by: its most selective required word."""
        if self.object:
            return self.object[-1]
        if self.preps:
            return "(" + self.preps[0][0]
        if self.particle:
            return "^" + self.particle
        return "@" + self.subject[-1] if self.subject else "*"


@dataclass(frozen=True)
class Genre:
    """Stories of a kind that is not coded (sports, entertainment): an article is one when
    at least ``min_words`` distinct words of ``words`` occur in it."""

    name: str
    words: frozenset[str]
    min_words: int


@dataclass(frozen=True)
class Obligation:
    """A reported obligation as a speech act ("X should exercise restraint, Hua said"):
    a clause with one of ``aux`` or governed by one of ``governors`` ("needed to explain"),
    reported by a speaker, is the speaker's ``entry`` (a demand) on the one obliged."""

    aux: frozenset[str]
    governors: frozenset[str]
    entry: LexiconEntry


NO_OBLIGATION = Obligation(frozenset(), frozenset(), LexiconEntry(type=None))


@dataclass(frozen=True)
class Wishes:
    """A wish that another party act ("wants Iran to halt", "wants to see a withdrawal of
    the troops"): an act in the complement of one of ``governors`` (through one of
    ``perception``, "see"), whose actor is not the one who wishes, is the wisher's ``entry``
    (a demand) on that actor."""

    governors: frozenset[str]
    perception: frozenset[str]
    entry: LexiconEntry


NO_WISHES = Wishes(frozenset(), frozenset(), LexiconEntry(type=None))


@dataclass(frozen=True)
class Evaluations:
    """A reported judgement as a speech act ("X said the explanations were unacceptable"):
    a predicate adjective of ``words`` after one of ``copulas``, in a speech verb's clause,
    is the speaker's event of the word's entry (ACCUSE, REJECT) on the one judged. A predicate
    without one of them whose words' ``valences`` sum to ``max_valence`` or less is the
    ``weighed`` entry's event (ACCUSE: "said the minister was woefully out of touch"), as is
    such a predicate of a ``labelling`` verb's object ("called the plan a disaster")."""

    copulas: frozenset[str]
    words: dict[str, LexiconEntry]
    valences: dict[str, float] = field(default_factory=dict)
    max_valence: float = 0.0
    weighed: LexiconEntry | None = None
    labelling: frozenset[str] = frozenset()  # "called the plan a disaster", "described as"


NO_EVALUATIONS = Evaluations(frozenset(), {})


@dataclass(frozen=True)
class Launches:
    """A weapon fired with no target named ("North Korea launched a ballistic missile into
    the sea"): an ASSAULT pattern whose object's head is one of ``weapons`` is the ``entry``
    (a show of force, MOBILIZE) unless a party or place is its recipient."""

    weapons: frozenset[str]
    entry: LexiconEntry | None = None


@dataclass(frozen=True)
class SenseShift:
    """A trigger of one of ``types`` with an argument of ``words`` in a role is the other
    sense ``entry``: "attacked the government's plans" is verbal (ACCUSE), not ASSAULT."""

    types: frozenset[str]
    roles: dict[str, frozenset[str]]
    entry: LexiconEntry


@dataclass(frozen=True)
class Lexicon:
    """Trigger tables, keyed by lemma (phrases: lemmas joined by one space)."""

    version: str
    quad_class: dict[str, int]
    verbs: dict[str, LexiconEntry]
    phrasal_verbs: dict[str, LexiconEntry]
    verb_object: dict[str, LexiconEntry]
    nouns: dict[str, LexiconEntry]
    support_verbs: frozenset[str]
    speech_verbs: frozenset[str]
    control_verbs: dict[str, str]
    commitment_governors: frozenset[str]
    negating_governors: frozenset[str]
    synsets: dict[str, frozenset[str]] = field(default_factory=dict)
    word_synsets: dict[str, frozenset[str]] = field(default_factory=dict)
    # synset -> head word (singular) -> the modifier words of each member with that head
    synset_heads: dict[str, dict[str, tuple[Phrase, ...]]] = field(default_factory=dict)
    verb_patterns: dict[str, dict[str, tuple[Pattern, ...]]] = field(default_factory=dict)
    discards: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    story_discards: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    story_genres: tuple[Genre, ...] = ()
    agent_nouns: frozenset[str] = frozenset()
    party_words: frozenset[str] = frozenset()  # head words that make a phrase a party
    outlet_nouns: frozenset[str] = frozenset()  # heads of news outlets: reporters, not actors
    # PLOVER type -> argument role -> head words that make a trigger of the type another sense
    other_senses: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)
    sense_shifts: tuple[SenseShift, ...] = ()
    argument_classes: dict[str, frozenset[str]] = field(default_factory=dict)
    obligation: Obligation = NO_OBLIGATION
    wishes: Wishes = NO_WISHES
    evaluations: Evaluations = NO_EVALUATIONS
    launches: Launches = Launches(frozenset())
    source: str = field(default="", compare=False)


class LexiconError(ValueError):
    """The lexicon file is not valid."""


def _entry(spec: dict[str, Any], types: dict[str, int], where: str) -> LexiconEntry:
    if spec.get("type") is not None and spec.get("type") not in types:
        raise LexiconError(f"{where}: unknown PLOVER type {spec.get('type')!r}")
    return LexiconEntry(
        type=spec.get("type"),
        mode=spec.get("mode"),
        contexts=tuple(spec.get("contexts", ())),
        requires_object=tuple(spec.get("requires_object", ())),
        requires_xcomp=bool(spec.get("requires_xcomp", False)),
        plural_only=bool(spec.get("plural_only", False)),
        cameo=spec.get("cameo"),
        needs_target=bool(spec.get("needs_target", False)),
        intransitive=bool(spec.get("intransitive", False)),
        other_sense_objects=tuple(spec.get("other_sense_objects", ())),
        party_act=bool(spec.get("party_act", False)),
        override=bool(spec.get("override")),
    )


def _entries(table: dict[str, Any], types: dict[str, int], section: str) -> dict[str, LexiconEntry]:
    return {key.lower(): _entry(spec, types, f"{section}[{key!r}]") for key, spec in table.items()}


def singular(word: str) -> str:
    """A crude singular for matching pattern words against lemmas ("prisoners", "rallies");
    nouns whose plural form is also the singular stay ("news" must not become "new", which
    would make every "new law" a news outlet and so a party)."""
    if word in SAME_IN_SINGULAR or word.endswith("ics"):
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _phrase(text: str | None, synsets: dict[str, frozenset[str]], where: str) -> Phrase | None:
    if text is None:
        return None
    words = tuple(w if w.startswith("&") else singular(w) for w in text.lower().split())
    for w in words:
        if w.startswith("&") and w[1:] not in synsets:
            raise LexiconError(f"{where}: unknown synonym set {w!r}")
    if not words:
        raise LexiconError(f"{where}: empty phrase")
    return words


def _patterns(
    table: dict[str, list[dict[str, Any]]], types: dict[str, int], synsets
) -> dict[str, dict[str, tuple[Pattern, ...]]]:
    """verb lemma -> anchor word -> patterns, most specific first (the file's order)."""
    out: dict[str, dict[str, tuple[Pattern, ...]]] = {}
    for lemma, specs in table.items():
        index: dict[str, list[Pattern]] = {}
        for n, spec in enumerate(specs):
            where = f"verb_patterns[{lemma!r}][{n}]"
            pattern = Pattern(
                entry=_entry(spec, types, where),
                subject=_phrase(spec.get("subject"), synsets, where),
                particle=spec.get("particle"),
                object=_phrase(spec.get("object"), synsets, where),
                preps=tuple((p, _phrase(o, synsets, where)) for p, o in spec.get("preps", ())),
                rank=n,
            )
            index.setdefault(pattern.anchor, []).append(pattern)
        out[lemma.lower()] = {k: tuple(v) for k, v in index.items()}
    return out


def _word_synsets(synsets: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Head word (singular) -> the synonym sets it heads a member of."""
    out: dict[str, set[str]] = {}
    for name, members in synsets.items():
        for member in members:
            out.setdefault(singular(member.split()[-1]), set()).add(name)
    return {w: frozenset(names) for w, names in out.items()}


def _synset_heads(synsets: dict[str, frozenset[str]]) -> dict[str, dict[str, tuple[Phrase, ...]]]:
    """Synset -> head word (singular) -> modifiers of its members with that head: a token is
    looked up by its forms instead of scanning every member."""
    out: dict[str, dict[str, list[Phrase]]] = {}
    for name, members in synsets.items():
        for member in members:
            words = member.split()
            if words:
                out.setdefault(name, {}).setdefault(singular(words[-1]), []).append(
                    tuple(words[:-1])
                )
    return {n: {w: tuple(sorted(set(m), key=len)) for w, m in h.items()} for n, h in out.items()}


def _party_words(data: dict[str, Any], synsets: dict[str, frozenset[str]]) -> frozenset[str]:
    """Agent nouns, ``party_nouns`` and the heads of the ``party_synsets`` members."""
    words = {singular(w.lower()) for w in data.get("agent_nouns", ())}
    words |= {w.lower() for w in data.get("party_nouns", ())}
    for name in data.get("party_synsets", ()):
        if name.lower() not in synsets:
            raise LexiconError(f"party_synsets: unknown synonym set {name!r}")
        words |= {singular(m.split()[-1]) for m in synsets[name.lower()] if m.split()}
    return frozenset(words)


def _argument_classes(data: dict[str, Any]) -> dict[str, frozenset[str]]:
    return {
        name: frozenset(singular(w.lower()) for w in words)
        for name, words in data.get("argument_classes", {}).items()
    }


def _class_rule(
    rule: dict[str, Any],
    where: str,
    types: dict[str, int],
    classes: dict[str, frozenset[str]],
    required: tuple[str, ...],
) -> list[str]:
    """Checks one rule over argument classes (a reason, the ``required`` keys, known types,
    roles and classes); returns its roles (every role when it names none)."""
    if not str(rule.get("reason", "")).strip():
        raise LexiconError(f"{where}: no reason")
    if not all(rule.get(key) for key in required):
        raise LexiconError(f"{where}: needs {', '.join(required[:-1])} and {required[-1]}")
    roles = rule.get("roles", DEFAULT_ROLES)
    for kind, names, known in (
        ("PLOVER type", rule["types"], types),
        ("argument role", roles, ARGUMENT_ROLES),
        ("argument class", rule["classes"], {c for c, words in classes.items() if words}),
    ):
        for name in names:
            if name not in known:
                raise LexiconError(f"{where}: unknown {kind} {name!r}")
    return list(roles)


def _sense_shifts(
    data: dict[str, Any], types: dict[str, int], classes: dict[str, frozenset[str]]
) -> tuple[SenseShift, ...]:
    """``sense_shifts``: rules like ``sense_restrictions`` whose argument classes turn the
    trigger into the ``to`` entry instead of stopping it."""
    out = []
    for n, rule in enumerate(data.get("sense_shifts", ())):
        where = f"sense_shifts[{n}]"
        roles = _class_rule(rule, where, types, classes, ("types", "classes", "to"))
        words = frozenset().union(*(classes[c] for c in rule["classes"]))
        entry = _typed_entry(rule["to"], types, f"{where}.to")
        out.append(SenseShift(frozenset(rule["types"]), {r: words for r in roles}, entry))
    return tuple(out)


def _other_senses(
    data: dict[str, Any], types: dict[str, int], classes: dict[str, frozenset[str]]
) -> dict[str, dict[str, frozenset[str]]]:
    """``sense_restrictions`` -> PLOVER type -> argument role -> the head words (of the
    ``argument_classes`` the rule names) that make a trigger of that type another sense."""
    out: dict[str, dict[str, set[str]]] = {}
    for n, rule in enumerate(data.get("sense_restrictions", ())):
        roles = _class_rule(rule, f"sense_restrictions[{n}]", types, classes, ("types", "classes"))
        for t in rule["types"]:
            for role in roles:
                for c in rule["classes"]:
                    out.setdefault(t, {}).setdefault(role, set()).update(classes[c])
    return {t: {r: frozenset(w) for r, w in roles.items()} for t, roles in out.items()}


def _override(data: dict[str, Any], section: str) -> dict[str, Any] | None:
    """A hand-written section, which must give its reason; None when absent."""
    spec = data.get(section)
    if spec is not None and not str(spec.get("reason", "")).strip():
        raise LexiconError(f"{section}: no reason")
    return spec


def _typed_entry(spec: dict[str, Any], types: dict[str, int], section: str) -> LexiconEntry:
    entry = _entry(spec, types, section)
    if entry.type is None:
        raise LexiconError(f"{section}: needs a type")
    return entry


def _obligation(data: dict[str, Any], types: dict[str, int]) -> Obligation:
    spec = _override(data, "obligation")
    if spec is None:
        return NO_OBLIGATION
    entry = _typed_entry(spec, types, "obligation")
    aux = frozenset(w.lower() for w in spec.get("aux", ()))
    governors = frozenset(w.lower() for w in spec.get("governors", ()))
    if not aux and not governors:
        raise LexiconError("obligation: needs aux or governors")
    return Obligation(aux, governors, entry)


def _wishes(data: dict[str, Any], types: dict[str, int]) -> Wishes:
    spec = _override(data, "wishes")
    if spec is None:
        return NO_WISHES
    entry = _typed_entry(spec, types, "wishes")
    governors = frozenset(w.lower() for w in spec.get("governors", ()))
    if not governors:
        raise LexiconError("wishes: needs governors")
    return Wishes(governors, frozenset(w.lower() for w in spec.get("perception", ())), entry)


def _evaluations(data: dict[str, Any], types: dict[str, int]) -> Evaluations:
    spec = _override(data, "evaluations")
    if spec is None:
        return NO_EVALUATIONS
    shared = {"needs_target": bool(spec.get("needs_target", False))}  # for every word
    words = _entries(
        {w: {**shared, **e} for w, e in spec.get("words", {}).items()}, types, "evaluations.words"
    )
    if not words or any(e.type is None for e in words.values()):
        raise LexiconError("evaluations: needs words, each with a type")
    copulas = frozenset(w.lower() for w in spec.get("copulas", ()))
    if not copulas:
        raise LexiconError("evaluations: needs copulas")
    rule = spec.get("valences")
    if rule is None:
        return Evaluations(copulas, words)
    where = "evaluations.valences"
    if not str(rule.get("reason", "")).strip():
        raise LexiconError(f"{where}: no reason")
    weighed = _typed_entry({**shared, **rule}, types, where)
    max_valence = rule.get("max_valence")
    if not isinstance(max_valence, int | float) or max_valence >= 0:
        raise LexiconError(f"{where}: max_valence must be a negative number")
    valences = data.get("valences")
    if not valences or not all(isinstance(v, int | float) for v in valences.values()):
        raise LexiconError(f"{where}: needs the valences section, word -> number")
    table = {w.lower(): float(v) for w, v in valences.items()}
    labelling = frozenset(w.lower() for w in rule.get("labelling", ()))
    return Evaluations(copulas, words, table, float(max_valence), weighed, labelling)


def _launches(data: dict[str, Any], types: dict[str, int]) -> Launches:
    spec = _override(data, "untargeted_launches")
    if spec is None:
        return Launches(frozenset())
    weapons = frozenset(singular(w.lower()) for w in spec.get("weapons", ()))
    if not weapons:
        raise LexiconError("untargeted_launches: needs weapons")
    return Launches(weapons, _typed_entry(spec, types, "untargeted_launches"))


def _genres(data: dict[str, Any], classes: dict[str, frozenset[str]]) -> tuple[Genre, ...]:
    out = []
    for n, spec in enumerate(data.get("story_genres", ())):
        where = f"story_genres[{n}]"
        if not str(spec.get("reason", "")).strip():
            raise LexiconError(f"{where}: no reason")
        words: set[str] = set()
        for c in spec.get("classes", ()):
            if not classes.get(c):
                raise LexiconError(f"{where}: unknown argument class {c!r}")
            words |= classes[c]
        min_words = spec.get("min_words")
        if not isinstance(min_words, int) or not 1 <= min_words <= len(words):
            raise LexiconError(f"{where}: min_words must be 1 to the number of its words")
        out.append(Genre(str(spec.get("name", n)), frozenset(words), min_words))
    return tuple(out)


def _discards(phrases: list[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """First word -> the discard phrases (word tuples) that start with it."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        words = tuple(phrase.lower().split())
        if words:
            out.setdefault(words[0], []).append(words)
    return {k: tuple(v) for k, v in out.items()}


def parse_lexicon(data: dict[str, Any], source: str = "") -> Lexicon:
    """A Lexicon from the decoded JSON document; raises LexiconError when malformed."""
    try:
        types = {name: int(spec["quad_class"]) for name, spec in data["types"].items()}
        control = {k.lower(): v for k, v in data.get("control_verbs", {}).items()}
        for key, modality in control.items():
            if modality not in MODALITIES:
                raise LexiconError(f"control_verbs[{key!r}]: unknown modality {modality!r}")
        synsets = {
            name.lower(): frozenset(m.lower() for m in members)
            for name, members in data.get("synsets", {}).items()
        }
        classes = _argument_classes(data)
        verbs = _entries(data.get("verbs", {}), types, "verbs")
        for key, entry in verbs.items():
            for name in entry.other_sense_objects:
                if name not in classes:
                    raise LexiconError(f"verbs[{key!r}]: unknown argument class {name!r}")
        nouns = _entries(data.get("nouns", {}), types, "nouns")
        for key, entry in nouns.items():
            for word in entry.requires_object:
                if word.startswith("&") and word[1:].lower() not in synsets:
                    raise LexiconError(f"nouns[{key!r}]: unknown synonym set {word!r}")
        return Lexicon(
            version=str(data.get("version", "0")),
            quad_class=types,
            verbs=verbs,
            phrasal_verbs=_entries(data.get("phrasal_verbs", {}), types, "phrasal_verbs"),
            verb_object=_entries(data.get("verb_object", {}), types, "verb_object"),
            nouns=nouns,
            support_verbs=frozenset(v.lower() for v in data.get("support_verbs", ())),
            speech_verbs=frozenset(v.lower() for v in data.get("speech_verbs", ())),
            control_verbs=control,
            commitment_governors=frozenset(data.get("commitment_governors", ())),
            negating_governors=frozenset(data.get("negating_governors", ())),
            synsets=synsets,
            word_synsets=_word_synsets(synsets),
            synset_heads=_synset_heads(synsets),
            verb_patterns=_patterns(data.get("verb_patterns", {}), types, synsets),
            discards=_discards(data.get("discards", [])),
            story_discards=_discards(data.get("story_discards", [])),
            story_genres=_genres(data, classes),
            agent_nouns=frozenset(singular(w.lower()) for w in data.get("agent_nouns", ())),
            party_words=_party_words(data, synsets),
            outlet_nouns=frozenset(singular(w.lower()) for w in data.get("outlet_nouns", ())),
            other_senses=_other_senses(data, types, classes),
            sense_shifts=_sense_shifts(data, types, classes),
            argument_classes=classes,
            obligation=_obligation(data, types),
            wishes=_wishes(data, types),
            evaluations=_evaluations(data, types),
            launches=_launches(data, types),
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
