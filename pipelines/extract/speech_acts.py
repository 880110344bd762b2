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
COMPLEMENTS = {"acomp", "attr", "oprd"}  # what a copula says of its subject
AFTER_COPULA = {"advmod", "prep"}  # "was woefully out of touch", "became home to criminals"
CLAUSES = frozenset({"relcl", "acl", "advcl", "ccomp", "xcomp", "csubj", "parataxis"})
NEGATORS = {"not", "n't", "never", "no", "nothing", "nobody", "none", "neither", "nor", "without"}


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


def predicate_words(copula: Token) -> list[Token]:
    """What a copula's clause says of its subject: the words of its complements ("a
    disaster", "deeply irresponsible"), else of the phrases after it ("out of touch", "home
    to criminals"), without the clauses inside them ("a plan that failed")."""
    heads = [c for c in copula.children if c.dep_ in COMPLEMENTS]
    if not heads:
        heads = [c for c in copula.children if c.dep_ in AFTER_COPULA and c.i > copula.i]
    return words_under(heads)


def words_under(heads: list[Token], clauses: frozenset[str] = CLAUSES) -> list[Token]:
    """The phrases of ``heads``, without the clauses of ``clauses`` inside them, in text
    order."""
    out: list[Token] = []
    heads = list(heads)
    while heads:
        token = heads.pop()
        out.append(token)
        heads.extend(c for c in token.children if c.dep_ not in clauses)
    return sorted(out, key=lambda t: t.i)


def valence(token: Token, lex: Lexicon) -> float:
    """The word's valence in the lexicon's ``valences`` (its form, else its lemma), 0 if none."""
    table = lex.evaluations.valences
    return table.get(token.lower_, table.get(token.lemma_.lower(), 0.0))


def weighed_triggers(sent: Span, lex: Lexicon, taken: set[int]) -> list[Trigger]:
    """Reported judgements without a word of ``evaluations.words``: "X said <subject> was
    <predicate>", the predicate's valences summing to ``max_valence`` or less and nothing in
    it or on the copula negating it. The anchor is the copula, the word the most negative."""
    rule = lex.evaluations
    if rule.weighed is None:
        return []
    out = []
    for copula in sent:
        if copula.lemma_.lower() not in rule.copulas or copula.i in taken:
            continue
        if copula.dep_ in {"aux", "auxpass"} or any(c.dep_ == "neg" for c in copula.children):
            continue  # "was arrested", "was not a disaster"
        words = predicate_words(copula)
        if not words or any(w.dep_ == "neg" or w.lower_ in NEGATORS for w in words):
            continue
        if sum(valence(w, lex) for w in words) > rule.max_valence:
            continue
        speech = args.speech_governor(copula, lex)
        if speech is None or args.subject(speech) is None or args.subject(copula) is None:
            continue
        worst = min(words, key=lambda w: valence(w, lex))
        out.append(Trigger(copula, (copula, worst), rule.weighed, "evaluation"))
    return out


def labelled_predicate(verb: Token) -> list[Token]:
    """What a verb of labelling says of its object: "called the plan a disaster" (the
    predicate ``oprd``), "described the move as reckless" (the "as" phrase)."""
    heads = [
        c for c in verb.children if c.dep_ == "oprd" or (c.dep_ == "prep" and c.lower_ == "as")
    ]
    return words_under(heads)


def labelling_triggers(sent: Span, lex: Lexicon, taken: set[int]) -> list[Trigger]:
    """Judgements by labelling: "<actor> called <object> a disaster", "described <object>
    as reckless" with a verb of ``evaluations.labelling``, the predicate weighed as in
    ``weighed_triggers``. The anchor is the verb: its subject judges its object."""
    rule = lex.evaluations
    if rule.weighed is None or not rule.labelling:
        return []
    out = []
    for verb in sent:
        if verb.lemma_.lower() not in rule.labelling or verb.i in taken:
            continue
        if verb.pos_ != "VERB" or not any(c.dep_ == "dobj" for c in verb.children):
            continue
        words = labelled_predicate(verb)
        if not words or any(w.dep_ == "neg" or w.lower_ in NEGATORS for w in words):
            continue
        if sum(valence(w, lex) for w in words) > rule.max_valence:
            continue
        worst = min(words, key=lambda w: valence(w, lex))
        out.append(Trigger(verb, (verb, worst), rule.weighed, "labelling"))
    return out


def judged(subject: Token | None, lex: Lexicon) -> Token | None:
    """The one a judgement on ``subject`` (a copula's subject, a labelling verb's object) is
    on: the subject when it names a party, else the party that owns or modifies it or
    follows it ("the Government's plans", "the US strikes", "the allegations by the
    rebels"), else None."""
    if subject is None or party_word(subject, lex):
        return subject
    for c in subject.children:
        if c.dep_ in {"poss", "compound", "amod"} and party_word(c, lex):
            return c
        if c.dep_ in {"prep", "agent"} and c.lower_ in JUDGED_PREPS:
            obj = next((g for g in c.children if g.dep_ == "pobj"), None)
            if obj is not None and party_word(obj, lex):
                return obj
    return None


def party_word(token: Token, lex: Lexicon) -> bool:
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
