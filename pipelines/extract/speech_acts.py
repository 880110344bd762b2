"""Speech acts named by no trigger word: a reported obligation or a wish is a demand.

"All parties should exercise restraint, Hua said" and "Labour said the Liberal Democrats
needed to explain" hold no verb of demanding, yet report the speaker's demand on the one
obliged (PLOVER REQUEST). The markers and the meaning are the lexicon's ``obligation``; the
event's actor is the speaker and its recipient the obliged clause's subject (``rules.py``).
"The US wants Iran to halt enrichment" is likewise the wisher's demand on Iran (the
lexicon's ``wishes``), not Iran's act, and "the IAAF said the explanations were
unacceptable" the speaker's rejection of those judged (the lexicon's ``evaluations``).
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from pipelines.extract import arguments as args
from pipelines.extract.lexicon import Lexicon, singular
from pipelines.extract.triggers import Trigger

VERBAL = {"VERB", "AUX"}
JUDGED_PREPS = {"by", "from", "of"}  # "the allegations by the rebels": whose the thing judged is


def obligation_marker(verb: Token, lex: Lexicon) -> Token | None:
    """The word that makes ``verb``'s clause an obligation: an auxiliary ("should act") or
    a governing verb ("needed to explain", "have to leave")."""
    for c in verb.children:
        if c.dep_ == "aux" and c.lower_ in lex.obligation.aux:
            return c
    head = verb.head
    if head.pos_ not in VERBAL or head.lemma_.lower() not in lex.obligation.governors:
        return None
    if verb.dep_ == "xcomp":
        return head
    # "needed to explain" parsed as a purpose clause: the "to" right after the governor
    # tells it from one ("had troops to protect the border")
    if verb.dep_ == "advcl" and any(
        c.dep_ == "aux" and c.lower_ == "to" and c.i == head.i + 1 for c in verb.children
    ):
        return head
    return None


def obligation_triggers(sent: Span, lex: Lexicon, taken: set[int]) -> list[Trigger]:
    """Reported obligations of the sentence whose verb is not already a trigger (``taken``:
    token indices of the other triggers' words)."""
    if lex.obligation.entry.type is None:
        return []
    out = []
    for verb in sent:
        if verb.pos_ not in VERBAL or verb.i in taken or args.is_passive(verb):
            continue
        marker = obligation_marker(verb, lex)
        if marker is None or marker.i in taken:
            continue
        clause = marker if marker.i == verb.head.i else verb
        speech = args.speech_governor(clause, lex)
        if speech is None or args.subject(speech) is None or args.subject(verb) is None:
            continue
        out.append(Trigger(verb, (marker, verb), lex.obligation.entry, "obligation"))
    return out


def evaluation_triggers(sent: Span, lex: Lexicon, taken: set[int]) -> list[Trigger]:
    """Reported judgements of the sentence: "X said <subject> was <word>", the word not
    negated and not already a trigger's. The anchor is the copula, whose subject is judged."""
    out = []
    for word in sent:
        entry = lex.evaluations.words.get(word.lemma_.lower())
        if entry is None or word.i in taken or word.dep_ not in {"acomp", "attr"}:
            continue
        copula = word.head
        if copula.lemma_.lower() not in lex.evaluations.copulas or copula.i in taken:
            continue
        if any(c.dep_ == "neg" for t in (word, copula) for c in t.children):
            continue  # "said the plan was not unfair"
        speech = args.speech_governor(copula, lex)
        if speech is None or args.subject(speech) is None or args.subject(copula) is None:
            continue
        out.append(Trigger(copula, (copula, word), entry, "evaluation"))
    return out


def judged(copula: Token, lex: Lexicon) -> Token | None:
    """The one a judgement is on: the copula's subject when it names a party, else the party
    that owns or modifies it or follows it ("the Government's plans", "the US strikes",
    "the allegations by the rebels"), else None."""
    subject = args.subject(copula)
    if subject is None or _party_word(subject, lex):
        return subject
    for c in subject.children:
        if c.dep_ in {"poss", "compound", "amod"} and _party_word(c, lex):
            return c
        if c.dep_ in {"prep", "agent"} and c.lower_ in JUDGED_PREPS:
            obj = next((g for g in c.children if g.dep_ == "pobj"), None)
            if obj is not None and _party_word(obj, lex):
                return obj
    return None


def _party_word(token: Token, lex: Lexicon) -> bool:
    """The word itself names a party: a name, a person pronoun or a party noun."""
    if token.ent_type_ in args.PARTY_LABELS:
        return True
    if token.pos_ == "PRON":
        return token.lower_ in args.PARTY_PRONOUNS
    return token.pos_ == "PROPN" or singular(token.lemma_.lower()) in lex.party_words


def wish_governor(trigger: Trigger, lex: Lexicon) -> Token | None:
    """The wish verb whose complement holds the trigger's act ("wants Iran to halt", "wants
    to see a withdrawal of the troops"), or None."""
    act = trigger.anchor
    if trigger.nominal:
        if act.dep_ != "dobj" or act.head.lemma_.lower() not in lex.wishes.perception:
            return None
        act = act.head
    elif act.dep_ in {"xcomp", "ccomp"} and act.head.lemma_.lower() in lex.wishes.perception:
        act = act.head  # "wants to see the troops withdraw"
    if act.dep_ in {"xcomp", "ccomp"} and act.head.lemma_.lower() in lex.wishes.governors:
        return act.head
    return None
