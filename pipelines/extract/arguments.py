"""Arguments of a trigger from the dependency parse: actor, recipient and location tokens.

Covers active and passive clauses ("X attacked Y", "Y was attacked by X"), subjects shared
through control, coordination and participles ("agreed to provide", "Congratulating X, he"),
relative clauses ("Trump, who met Naruhito"), reported speech ("X said it would ..."),
and the participants of nominal events ("their talks", "talks between X and Y").
"""

from __future__ import annotations

from spacy.tokens import Token

from pipelines.extract.lexicon import Lexicon, singular
from pipelines.extract.participants import descend_partitive
from pipelines.extract.triggers import Trigger, direct_object

RECIPIENT_PREPS = {
    "with",
    "to",
    "against",
    "on",
    "from",
    "for",
    "into",
    "toward",
    "towards",
    "upon",
    "at",
    "of",
    "over",
    "about",
}
LOCATION_PREPS = {"in", "at", "near", "inside", "outside", "across", "throughout"}
LOCATION_LABELS = {"GPE", "LOC", "FAC"}
NOT_PARTICIPANT = {"DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"}
VERBAL = {"VERB", "AUX"}
# a gerund after these prepositions has the governing verb's object as its subject:
# "arrested him for attacking", "accused them of shelling", "charged her with murdering",
# "barred them from entering", "was jailed for killing"
OBJECT_CONTROL_PREPS = {"for", "of", "with", "from"}
CLAUSAL = {"xcomp", "ccomp", "advcl", "relcl", "acl", "pcomp", "csubj", "conj"}

# types whose target is the subject of the complement clause: the one asked to act ("urged
# that Iran halt"), the one accused of the act ("suspected Labour was trying to ...")
CLAUSE_TARGETS = frozenset({"REQUEST", "ACCUSE"})


def _child(token: Token, *deps: str) -> Token | None:
    return next((c for c in token.children if c.dep_ in deps), None)


def _pobj(prep: Token) -> Token | None:
    return _child(prep, "pobj", "pcomp")


def is_passive(verb: Token) -> bool:
    return any(c.dep_ in {"nsubjpass", "auxpass"} for c in verb.children)


def agent(verb: Token) -> Token | None:
    """The 'by' phrase of a passive verb, also when attached lower in the clause."""
    for tok in verb.subtree:
        if tok.dep_ == "agent" and _clause_of(tok) == verb:
            return _pobj(tok)
    return None


def _clause_of(token: Token) -> Token:
    """The verb heading the clause of ``token``."""
    t = token.head
    while t.pos_ not in {"VERB", "AUX"} and t.head.i != t.i:
        t = t.head
    return t


def subject(verb: Token) -> Token | None:
    """The subject of a verb, inherited through control, coordination, participles and
    relative clauses when the verb has none of its own."""
    t = verb
    for _ in range(6):
        own = _child(t, "nsubj", "csubj", "expl")
        if own is not None and own.dep_ != "expl":
            if own.lower_ in {"who", "which", "that"} and t.dep_ == "relcl":
                return t.head
            return own
        passive_subject = _child(t, "nsubjpass")
        if passive_subject is not None:
            # 'X is expected to send': the raised subject acts in the complement clause
            return passive_subject if t != verb else None
        if _purpose(t):
            t = t.head.head.head  # "X acted in order to withdraw": X's clause
            continue
        if t.dep_ in {"relcl", "acl"} and t.head.pos_ in {"NOUN", "PROPN", "PRON"}:
            return t.head
        if t.dep_ == "xcomp":
            controller = _child(t.head, "dobj")
            if controller is not None and t.head.lemma_ in {
                "order",
                "allow",
                "urge",
                "ask",
                "force",
                "tell",
                "summon",
            }:
                return controller
        if t.dep_ == "pcomp" and t.head.dep_ == "prep" and t.head.head.pos_ in VERBAL:
            gov = t.head.head
            patient = _patient(gov) if t.head.lower_ in OBJECT_CONTROL_PREPS else None
            if patient is not None:
                return patient  # "arrested him for attacking": he attacked
            t = gov  # "after meeting the envoy, he": the clause's subject
            continue
        if t.dep_ not in {"xcomp", "conj", "advcl", "acomp"} or t.head.i == t.i:
            return None
        t = t.head
    return None


def _patient(verb: Token) -> Token | None:
    """The one a verb acts on: its direct object, or its passive subject (own, the noun a
    relative pronoun stands for, or inherited: "after being indicted for assaulting", the
    one indicted)."""
    if not is_passive(verb):
        return _child(verb, "dobj")
    own = _child(verb, "nsubjpass")
    if own is not None and own.lower_ in {"who", "which", "that"} and verb.dep_ == "relcl":
        return verb.head  # "the man who was arrested": the man
    return own or subject(verb)


def _purpose(verb: Token) -> bool:
    """'in order to V': the noun 'order' is no subject; the clause's verb's subject is."""
    order = verb.head
    return (
        verb.dep_ == "acl"
        and order.lower_ == "order"
        and order.head.lower_ == "in"
        and order.head.head.pos_ in {"VERB", "AUX"}
    )


def _chain(verb: Token, links: frozenset[str] | set[str]) -> list[Token]:
    """The governors of ``verb`` up through dependency ``links`` (an adjective such as
    'ready to' counts with the verb that governs it)."""
    chain, t = [], verb
    while t.dep_ in links and t.head.i != t.i:
        t = t.head
        if t.dep_ == "acomp" and t.pos_ == "ADJ":
            chain.append(t)
            t = t.head
        chain.append(t)
    return chain


def governor_chain(verb: Token) -> list[Token]:
    """The verbs (or adjectives, 'ready to') that govern ``verb`` through clausal links."""
    return _chain(verb, CLAUSAL)


def speech_governor(verb: Token, lex: Lexicon) -> Token | None:
    """The speech verb whose reported clause holds ``verb`` ('X said that ...')."""
    for gov in governor_chain(verb):
        if gov.lemma_.lower() in lex.speech_verbs or gov.lemma_.lower() in {"demand", "urge"}:
            return gov
    return None


_COMPLEMENT_LINKS = frozenset({"xcomp", "ccomp", "conj"})


def control_chain(verb: Token) -> list[Token]:
    """The governors of ``verb`` through complement clauses only ('agreed to provide',
    'said it would'), not adverbial or relative clauses."""
    return _chain(verb, _COMPLEMENT_LINKS)


def _entity_like(token: Token) -> bool:
    return token.ent_type_ not in NOT_PARTICIPANT


def _modifier_entity(noun: Token) -> Token | None:
    """'a U.S. request', "Israel's offer": the party an event noun belongs to."""
    for c in noun.children:
        if c.dep_ in {"poss", "compound", "amod", "nmod"} and c.ent_type_ in {
            "GPE",
            "NORP",
            "ORG",
            "PERSON",
        }:
            return c
        if c.dep_ == "poss" and c.pos_ == "PRON":
            return c
    return None


PARTY_LABELS = {"GPE", "ORG", "PERSON", "NORP", "LOC"}
PARTY_PRONOUNS = {"he", "him", "she", "her", "they", "them", "it"}
# Nouns that name people, groups or institutions: plausible targets without a name.
PARTY_NOUNS = {
    "people",
    "civilian",
    "protester",
    "demonstrator",
    "rebel",
    "force",
    "troop",
    "soldier",
    "police",
    "government",
    "official",
    "worker",
    "student",
    "member",
    "leader",
    "prisoner",
    "partner",
    "authority",
    "administrator",
    "adviser",
    "advisor",
    "resident",
    "villager",
    "refugee",
    "militant",
    "insurgent",
    "guerrilla",
    "army",
    "party",
    "opposition",
    "minister",
    "president",
    "journalist",
    "activist",
    "settler",
    "population",
    "community",
    "group",
    "country",
    "nation",
    "state",
    "city",
    "town",
    "village",
    "province",
    "region",
    "republic",
    "serviceman",
    "youth",
    "hostage",
    "hostage-taker",
    "ambassador",
    "envoy",
    "delegation",
}
OBJECT_PREPS = RECIPIENT_PREPS | {"between", "by", "in", "into"}


def party_like(token: Token) -> bool:
    """A token that can be a participant: a named party, a person pronoun, a group noun,
    or a noun modified by one ('Russian advisers', 'new EU members')."""
    if token.ent_type_ in PARTY_LABELS or (token.pos_ == "PROPN" and not token.ent_type_):
        return True
    if token.pos_ == "PRON":
        return token.lower_ in PARTY_PRONOUNS
    if token.lemma_.lower() in PARTY_NOUNS:
        return True
    return any(
        c.dep_ in {"amod", "compound", "poss", "nmod"} and c.ent_type_ in PARTY_LABELS
        for c in token.children
    )


def find_party(root: Token, max_depth: int = 4) -> Token | None:
    """The nearest party-like noun below ``root`` through prepositional phrases."""
    frontier = [root]
    for _ in range(max_depth):
        nxt = []
        for tok in frontier:
            for c in tok.children:
                if c.dep_ in {"prep", "agent"} and c.lower_ in OBJECT_PREPS | {"by"}:
                    obj = _pobj(c)
                    if obj is None:
                        continue
                    if obj.pos_ in {"NOUN", "PROPN"} and party_like(obj):
                        return obj
                    nxt.append(obj)
                elif c.dep_ in {"acl", "pcomp", "dobj", "pobj"}:
                    if c.dep_ in {"dobj", "pobj"} and party_like(c):
                        return c
                    nxt.append(c)
        frontier = nxt
    return None


def _prep_objects(head: Token, preps: set[str]) -> list[Token]:
    out = []
    for prep in head.children:
        if prep.dep_ == "prep" and prep.lower_ in preps:
            obj = _pobj(prep)
            if obj is not None and _entity_like(obj) and obj.pos_ in {"NOUN", "PROPN", "PRON"}:
                out.append(obj)
    return out


def verb_recipient(
    trigger: Trigger,
    verb: Token,
    event_nouns: frozenset[str] = frozenset(),
    depth: int = 0,
    party_words: frozenset[str] = frozenset(),
) -> Token | None:
    """The target of a verbal trigger: a party named by the object, a dative or a
    prepositional phrase, preferring named parties and groups over things ('cut off
    electricity to Nakhichevan' -> Nakhichevan); then the subject of a demanded clause,
    parties inside the object phrase, complement clauses, and a place the action is in."""
    if is_passive(verb):
        return _patient(verb)  # "after being arrested, the activist": the one arrested
    obj = direct_object(verb)
    counted = descend_partitive(obj) if obj is not None else None
    if counted is not None and party_like(counted):
        obj = counted  # 'detained dozens of protesters': the protesters
    if obj is not None and (
        obj.ent_type_ in NOT_PARTICIPANT or obj.pos_ == "PRON" and obj.lower_ not in PARTY_PRONOUNS
    ):
        obj = None
    dative = _child(verb, "dative")
    if dative is not None and dative.pos_ == "ADP":
        dative = _pobj(dative)
    direct = [t for t in (obj, dative) if t is not None and t != trigger.object]
    preps = [
        t
        for t in _prep_objects(verb, RECIPIENT_PREPS)
        if not (t.head.lower_ == "at" and t.ent_type_ in LOCATION_LABELS | {"ORG"})
    ]
    for cand in [*direct, *preps]:
        if party_like(cand) and cand.lemma_.lower() not in event_nouns:
            return cand
    if trigger.entry.type in CLAUSE_TARGETS or verb.lemma_.lower() in {"demand", "urge", "ask"}:
        for c in verb.children:
            if c.dep_ == "ccomp":
                subj = _child(c, "nsubj")
                if subj is not None and party_like(subj):
                    return subj
                found = find_party(c)
                if found is not None:
                    return found
    for cand in [t for t in (obj, dative) if t is not None] + preps:
        found = find_party(cand)
        if found is not None:
            return found
        owner = _child(cand, "poss")  # "withdraw the men's passports": the men
        if owner is not None and owner.pos_ in {"NOUN", "PROPN"} and party_like(owner):
            return owner
        if cand.lemma_.lower() in event_nouns or cand.lemma_.lower() in _EVENT_NOUN_CACHE:
            owner = _modifier_entity(cand)
            if owner is not None:
                return owner
    if depth < 2:
        for c in verb.children:
            if c.dep_ in {"xcomp", "ccomp", "advcl"} and c.pos_ in {"VERB", "AUX"}:
                found = verb_recipient(trigger, c, event_nouns, depth + 1, party_words)
                if found is not None:
                    return found
    if depth == 0:
        place = location(verb)
        if place is not None and place.ent_type_ in {"GPE", "LOC"}:
            return place
        for cand in direct:
            if cand.lemma_.lower() not in event_nouns and cand.ent_type_:
                return cand
        for cand in [*direct, *preps]:  # last: "raped women", "provide $10m to the victims"
            if singular(cand.lemma_.lower()) in party_words:
                return cand
    return None


# Event nouns whose owner or complement is the target ("reject a U.S. request").
_EVENT_NOUN_CACHE = {
    "request",
    "offer",
    "plan",
    "proposal",
    "demand",
    "call",
    "resolution",
    "appeal",
    "decision",
    "policy",
    "initiative",
    "bid",
}


def nominal_arguments(noun: Token, conflict: bool = False) -> tuple[list[Token], Token | None]:
    """Actors and recipient of a nominal event ('their talks', 'talks between X and Y').

    The 'of' phrase of a ``conflict`` noun is its target ('the arrest of the opposition
    leader', 'the killing of protesters'); of another its actor ('the visit of the
    president', 'the withdrawal of troops')."""
    actors: list[Token] = []
    recipient: Token | None = None
    for c in noun.children:
        if c.dep_ == "prep" and c.lower_ == "of":
            obj = _pobj(c)
            if obj is not None and _entity_like(obj) and obj.pos_ != "VERB":
                if not conflict:
                    actors.append(obj)
                elif recipient is None:
                    recipient = obj
            continue
        if c.dep_ == "poss" or (
            c.dep_ in {"compound", "amod"} and c.ent_type_ in {"GPE", "NORP", "ORG", "PERSON"}
        ):
            actors.append(c)
        elif c.dep_ == "prep":
            obj = _pobj(c)
            if obj is None or not _entity_like(obj):
                continue
            if c.lower_ == "between":
                actors.append(obj)
            elif c.lower_ == "by":
                actors.append(obj)
            elif c.lower_ in {"with", "against", "on", "to", "from"} and recipient is None:
                recipient = obj
    return actors, recipient


def location(head: Token) -> Token | None:
    """A place named by a locative phrase of the trigger (or of its object)."""
    heads = [head, *[c for c in head.children if c.dep_ in {"dobj", "xcomp"}]]
    for h in heads:
        for prep in h.children:
            if prep.dep_ == "prep" and prep.lower_ in LOCATION_PREPS:
                obj = _pobj(prep)
                if obj is None:
                    continue
                if obj.ent_type_ in LOCATION_LABELS or (
                    prep.lower_ == "at" and obj.ent_type_ == "ORG"
                ):
                    return obj
                inner = next(
                    (t for t in obj.subtree if t.ent_type_ in LOCATION_LABELS and t.dep_ == "pobj"),
                    None,
                )
                if inner is not None and obj.lemma_ in {
                    "town",
                    "city",
                    "village",
                    "capital",
                    "region",
                    "province",
                    "area",
                }:
                    return obj
    return None
