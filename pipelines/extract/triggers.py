"""Trigger detection: words and patterns of a sentence that name a PLOVER event.

Patterns, most specific first: phrasal verbs ("hand over", "call for"), verb-object pairs
("pay tribute", "set fire"), support verbs with an event noun ("sign an agreement", "carry
out an attack", "stage demonstrations"), CAMEO verb patterns ("release prisoners", "ask for
financial aid"), plain verbs, and nominal events ("the talks", "the ceasefire"). A match
whose meaning has no type ("release a statement") is another sense: the verb names no event.
A sentence with a discard phrase (sports, entertainment) has no trigger, and a trigger whose
subject, object or prepositional object (also one nested in another phrase) is of a class its
type restricts (``sense_restrictions``: "beat its profit forecast", "gave the impression",
"beat Byrne by 40 metres in the race") is another sense.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spacy.tokens import Span, Token

from pipelines.extract.lexicon import Lexicon, LexiconEntry
from pipelines.extract.participants import descend_partitive
from pipelines.extract.patterns import (
    OBJECT_DEPS,
    discarded,
    forms,
    match_pattern,
    phrase_matches,
)

VERBAL = {"VERB"}
NOMINAL = {"NOUN", "PROPN"}
# 'arrested after the match' says when, not what: no sense restriction looks there
TIME_PREPS = {"after", "before", "during", "since", "until", "following", "ahead"}
TIME_ENTITIES = {"DATE", "TIME"}  # "elections in March": a month, not a march
COMPLEMENTS = {"xcomp", "ccomp"}  # a control verb's act: "expected to rise", "hoped that"
GERUND_NOUN_DEPS = {"nsubj", "nsubjpass", "dobj", "pobj"}  # a gerund in a noun's place


@dataclass(frozen=True)
class Trigger:
    """A trigger found in a sentence: its anchor token, extra words and meaning."""

    anchor: Token
    words: tuple[Token, ...]
    entry: LexiconEntry
    kind: str  # phrasal, verb_object, pattern, support, verb, noun
    object: Token | None = None

    @property
    def nominal(self) -> bool:
        return self.kind == "noun"

    @property
    def lemma(self) -> str:
        return " ".join(t.lemma_.lower() for t in sorted(self.words, key=lambda t: t.i))


def direct_object(verb: Token) -> Token | None:
    """The direct object of a verb (the passive subject when the verb is passive)."""
    for dep in ("dobj", "nsubjpass", "attr"):
        for child in verb.children:
            if child.dep_ == dep:
                return child
    return None


def _particles(verb: Token) -> list[Token]:
    """The verb's particles and prepositions; an adverb right after it counts as a particle
    (the small model parses "stepped down as director" with "down" as an adverb)."""
    return [
        c
        for c in verb.children
        if c.dep_ in {"prt", "prep"} or (c.dep_ == "advmod" and c.i == verb.i + 1)
    ]


def _verb_trigger(verb: Token, lex: Lexicon) -> Trigger | None:
    if verb.lemma_.lower() in lex.control_verbs and any(
        c.dep_ in COMPLEMENTS for c in verb.children
    ):
        return None  # "is expected to point", "decided to send": the act is the complement's
    found = _verb_meaning(verb, lex)
    if found is None or found.entry.type is None:
        return None
    found = _shifted(found, lex)
    return None if _other_sense(found, lex) else found


def _shifted(trigger: Trigger, lex: Lexicon) -> Trigger:
    """The trigger in the sense a ``sense_shifts`` rule gives it for one of its arguments
    ("attacked the plans": ACCUSE), else itself."""
    arguments = None
    for shift in lex.sense_shifts:
        if trigger.entry.type not in shift.types:
            continue
        arguments = arguments or _arguments(trigger.anchor)
        if _has_argument_of(arguments, shift.roles):
            return replace(trigger, entry=shift.entry)
    return trigger


def _prep_objects(head: Token) -> list[Token]:
    """The objects of the prepositional phrases under ``head``, and of those nested in them:
    the small model attaches a phrase of the verb to the noun of the phrase before it ("beat
    Byrne by 40 metres in the race": "in the race" under "metres"). The object's own phrases
    are not looked at: they qualify it ("restrictions on its labour market")."""
    found: list[Token] = []
    for c in head.children:
        if c.dep_ in {"prep", "agent"} and c.lower_ not in TIME_PREPS:
            for g in c.children:
                if g.dep_ == "pobj":
                    found += [g, *_prep_objects(g)]
    return found


def _arguments(anchor: Token) -> dict[str, list[Token]]:
    """The argument heads a sense restriction looks at, by role."""
    roles: dict[str, list[Token]] = {
        "subject": [],
        "object": [],
        "prep": _prep_objects(anchor),
        "modifier": [c for c in anchor.children if c.dep_ in {"amod", "compound", "nmod"}],
    }
    for c in anchor.children:
        if c.dep_ in {"nsubj", "csubj"}:
            roles["subject"].append(c)
        elif c.dep_ in OBJECT_DEPS or c.dep_ in {"compound", "poss"}:
            roles["object"].append(descend_partitive(c))  # "delivering £234m of cuts"
    return roles


def _other_sense(trigger: Trigger, lex: Lexicon) -> bool:
    """An argument of the trigger is of a class its type restricts ("beat the forecast")."""
    restricted = lex.other_senses.get(trigger.entry.type)
    return bool(restricted) and _has_argument_of(_arguments(trigger.anchor), restricted)


def _has_argument_of(
    arguments: dict[str, list[Token]], words_by_role: dict[str, frozenset[str]]
) -> bool:
    """One of the argument heads is among the words its role lists."""
    return any(
        forms(t) & words_by_role.get(role, frozenset())
        for role, tokens in arguments.items()
        for t in tokens
    )


def _verb_meaning(verb: Token, lex: Lexicon) -> Trigger | None:
    lemma = verb.lemma_.lower()
    for part in _particles(verb):  # a speech verb's phrasal sense is an act: "argued for"
        entry = lex.phrasal_verbs.get(f"{lemma} {part.lower_}")
        if entry is not None:
            return Trigger(verb, (verb, part), entry, "phrasal")
    if lemma in lex.speech_verbs:
        return None  # its clause is reported speech; the events are in the clause
    obj = direct_object(verb)
    if obj is not None:
        entry = lex.verb_object.get(f"{lemma} {obj.lemma_.lower()}")
        if entry is not None:
            return Trigger(verb, (verb, obj), entry, "verb_object", obj)
    if obj is not None:
        support = {lemma} | {f"{lemma} {p.lower_}" for p in _particles(verb)}
        if support & lex.support_verbs:
            found = _event_noun(obj, lex)
            if found is not None:
                return Trigger(verb, (verb, obj), found, "support", obj)
    for prep in (c for c in verb.children if c.dep_ == "prep"):
        pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if pobj is not None and f"{lemma} {prep.lower_}" in lex.support_verbs:
            found = _event_noun(pobj, lex)
            if found is not None:
                return Trigger(verb, (verb, pobj), found, "support", pobj)
    entry = lex.verbs.get(lemma)
    if entry is not None and not _plain_sense(entry, verb, obj, lex):
        entry = None  # "struck a balance", "provided speeds of 18Mbps": a pattern may apply
    pattern = match_pattern(verb, lex)
    # a hand-written entry wins over a typed pattern, except one that names a thing as the
    # object of a verb whose plain sense needs a target ("send medical teams" is aid to no one)
    if pattern is not None and (
        pattern.entry.type is None
        or entry is None
        or not entry.override
        or (
            entry.needs_target
            and pattern.object
            and obj is not None  # a pattern's object may be a dative or a complement
            and not forms(obj) & lex.party_words
        )
    ):
        thing = obj if pattern.object else None  # the object the pattern names is no party
        return Trigger(verb, (verb,), pattern.entry, "pattern", thing)
    return Trigger(verb, (verb,), entry, "verb") if entry is not None else None


def _plain_sense(entry: LexiconEntry, verb: Token, obj: Token | None, lex: Lexicon) -> bool:
    """The plain verb's entry applies: its object is one it requires (``requires_object``),
    none when it takes none (``intransitive``), of none of its ``other_sense_objects``
    classes, and it has the complement clause it requires (``requires_xcomp``)."""
    if entry.requires_object and (obj is None or obj.lemma_.lower() not in entry.requires_object):
        return False
    if entry.requires_xcomp and not any(c.dep_ in COMPLEMENTS for c in verb.children):
        return False
    if obj is None:
        return True
    if entry.intransitive:
        return False
    words = forms(descend_partitive(obj))
    return not any(words & lex.argument_classes[name] for name in entry.other_sense_objects)


def _event_noun(noun: Token, lex: Lexicon) -> LexiconEntry | None:
    """The event an object noun names, itself or through a compound ('a mediation effort')."""
    entry = lex.nouns.get(noun.lemma_.lower())
    if entry is not None:
        if entry.requires_object and not _has_modifier(noun, entry.requires_object, lex):
            return None
        return entry
    for c in noun.children:
        if c.dep_ == "compound" and c.lemma_.lower() in lex.nouns:
            return lex.nouns[c.lemma_.lower()]
    return None


def _has_modifier(noun: Token, words: tuple[str, ...], lex: Lexicon) -> bool:
    """A modifier or 'of' phrase of ``noun`` is one of ``words`` (or of their synonym sets):
    'a missile test', 'a nuclear test', 'the test of a ballistic missile'."""
    mods = [c for c in noun.children if c.dep_ in {"compound", "amod", "nmod"}]
    mods += [g for c in noun.children if c.lower_ == "of" for g in c.children if g.dep_ == "pobj"]
    return any(phrase_matches((w,), m, lex) for w in words for m in mods)


def _gerund_noun(token: Token, lex: Lexicon) -> bool:
    """A gerund the parser tags as a verb but that stands as a noun phrase and is an event
    noun ("Fighting between the army and rebels left 30 dead")."""
    return token.tag_ == "VBG" and token.dep_ in GERUND_NOUN_DEPS and token.lower_ in lex.nouns


def _noun_key(token: Token) -> str:
    return token.lower_ if token.tag_ == "VBG" else token.lemma_.lower()


def _noun_trigger(noun: Token, lex: Lexicon) -> Trigger | None:
    if noun.ent_type_ in TIME_ENTITIES:
        return None
    entry = lex.nouns.get(_noun_key(noun))
    if entry is None or entry.type is None:
        return None
    if entry.plural_only and noun.tag_ not in {"NNS", "NNPS"}:
        return None
    if entry.requires_object and not _has_modifier(noun, entry.requires_object, lex):
        return None
    found = _shifted(Trigger(noun, (noun,), entry, "noun"), lex)
    return None if _other_sense(found, lex) else found


def find_triggers(sent: Span, lex: Lexicon) -> list[Trigger]:
    """Every trigger of the sentence; an event noun used by a verb trigger, as one of its
    words or as the object its pattern names ("waged war"), is not repeated."""
    if discarded(sent, lex):
        return []
    gerunds = {tok.i for tok in sent if tok.pos_ in VERBAL and _gerund_noun(tok, lex)}
    verbal = [
        t
        for t in (_verb_trigger(tok, lex) for tok in sent if tok.pos_ in VERBAL)
        if t and t.anchor.i not in gerunds
    ]
    used = {w.i for t in verbal for w in (*t.words, t.object) if w is not None}
    nominal = [
        t
        for t in (
            _noun_trigger(tok, lex) for tok in sent if tok.pos_ in NOMINAL or tok.i in gerunds
        )
        if t and t.anchor.i not in used
    ]
    return verbal + nominal
