"""Events of an article from its parsed sentences: triggers, arguments, type rules,
modality, negation, dates and provenance, as plain Event records (schemas/event.avsc)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Span, Token

from pipelines.extract import arguments as args
from pipelines.extract.actors import ActorCoder, ActorIndex
from pipelines.extract.lexicon import Lexicon, LexiconEntry, singular
from pipelines.extract.participants import (
    SPEAKER_PRONOUNS,
    Participant,
    Resolver,
    build_context,
    phrase_text,
)
from pipelines.extract.patterns import story_genre
from pipelines.extract.speech_acts import (
    evaluation_triggers,
    judged,
    labelling_triggers,
    obligation_triggers,
    party_word,
    weighed_triggers,
    wish_governor,
    words_under,
)
from pipelines.extract.temporal import resolve_date
from pipelines.extract.triggers import Trigger, find_triggers
from pipelines.records import stable_id

HEAD_STOPS = {"of", "for", "in", "from", "with", "at", "on", "who", "which", "that", ",", "("}
FUTURE_AUX = {"will", "shall", "'ll", "wo"}
HYPOTHETICAL_AUX = {"would", "could", "might", "may", "'d"}
CONDITION_MARKS = {"if", "unless"}
SPEECH_ACTS = {"obligation", "evaluation"}  # trigger kinds whose actor is the speaker
# clauses that describe a phrase's head, not name it: "the fire which destroyed ..."; an
# infinitival one names what the head is ("an attempt to assassinate the governor")
DESCRIBING_CLAUSES = frozenset({"relcl", "advcl"})


@dataclass(frozen=True)
class Provenance:
    """Article fields copied into every event, and the extractor's identity."""

    article: dict[str, Any]
    extractor_version: str
    model: str


def _aux_words(verb: Token) -> set[str]:
    return {c.lower_ for c in verb.children if c.dep_ in {"aux", "auxpass"}}


def _chain_until_speech(verb: Token, lex: Lexicon) -> list[Token]:
    """The governors of ``verb`` up to (not including) the first speech verb."""
    out = []
    for gov in args.control_chain(verb):
        if gov.lemma_.lower() in lex.speech_verbs:
            break
        out.append(gov)
    return out


def is_negated(verb: Token, lex: Lexicon) -> bool:
    """'did not sign', 'refused to sign', 'failed to reach': the action did not happen."""
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    for gov in _chain_until_speech(verb, lex):
        if any(c.dep_ == "neg" for c in gov.children):
            return True
        if gov.lemma_.lower() in lex.negating_governors:
            return True
    return False


def _quoted(sent: Span, token: Token) -> bool:
    text, cut = sent.text, token.idx - sent.start_char  # doc.text rebuilds the whole text
    before, after = text[:cut], text[cut:]
    opened = sum(before.count(q) for q in "“«") - sum(before.count(q) for q in "”»")
    straight = before.count('"') % 2 == 1
    unopened_close = (
        opened <= 0
        and any(q in after for q in "”»")
        and not any(q in after[: after.find("”")] for q in "“")
    )
    return opened > 0 or straight or unopened_close


def modality(
    trigger: Trigger, sent: Span, lex: Lexicon, actor: list[Participant], converted: bool
) -> str:
    """asserted, planned, expected, reported or hypothetical (most specific wins)."""
    verb = trigger.anchor
    chain = _chain_until_speech(verb, lex)
    clause = [verb, *chain]
    aux = set().union(*(_aux_words(v) for v in clause))
    control = [lex.control_verbs.get(g.lemma_.lower()) for g in chain]
    if not converted:
        if (
            aux & HYPOTHETICAL_AUX
            or "hypothetical" in control
            or (verb.dep_ == "advcl" and any(c.lower_ in CONDITION_MARKS for c in verb.children))
        ):
            return "hypothetical"
        if "planned" in control:
            return "planned"
        if aux & FUTURE_AUX or "expected" in control or "going" in {g.lower_ for g in chain}:
            return "expected"
    speech = args.speech_governor(verb, lex)
    if _quoted(sent, verb) or any(t.lower_ == "according" for t in sent):
        return "reported"
    if speech is not None:
        speaker = args.subject(speech)
        names = {p["canonical"] for p in actor}
        if speaker is None or phrase_text(speaker) not in names:
            return "reported"
    return "asserted"


def _adjust_type(trigger: Trigger, lex: Lexicon, negated: bool) -> tuple[str, bool]:
    """Promises, threats, refusals and demands made of future or required actions.

    Returns the PLOVER type and whether it differs from the trigger's own type.
    """
    verb, etype = trigger.anchor, trigger.entry.type
    if trigger.nominal:
        return etype, False
    quad = lex.quad_class[etype]
    chain = _chain_until_speech(verb, lex)
    clause = [verb, *chain]
    aux = set().union(*(_aux_words(v) for v in clause))
    governors = {g.lemma_.lower() for g in chain}
    conditional = any(
        g.lower_ in CONDITION_MARKS
        for v in clause
        for c in v.children
        if c.dep_ == "advcl"
        for g in c.children
        if g.dep_ == "mark"
    )
    reported = args.speech_governor(verb, lex) is not None
    if aux & lex.obligation.aux and reported and etype != "REQUEST":
        return "REQUEST", True
    if (
        negated
        and quad in (1, 2)
        and (aux & (FUTURE_AUX | HYPOTHETICAL_AUX) or governors & lex.negating_governors)
    ):
        return "REJECT", True
    if negated:
        return etype, False
    if conditional and etype not in {"THREATEN", "REQUEST"} and (aux or governors):
        return "THREATEN", True
    future = bool(aux & (FUTURE_AUX | {"would"})) or bool(governors & lex.commitment_governors)
    planned = any(lex.control_verbs.get(g) == "planned" for g in governors)
    if quad == 4 and (future or planned) and etype != "THREATEN":
        return "THREATEN", True
    if (
        quad in (1, 2)
        and etype != "AGREE"
        and future
        and (reported or governors & lex.commitment_governors)
    ):
        return "AGREE", True
    return etype, False


def _clause_depth(token: Token, lex: Lexicon) -> int:
    """Clausal embeddings above the trigger, not counting speech or control verbs."""
    depth, t = 0, token
    while t.head.i != t.i:
        if t.dep_ in args.CLAUSAL and t.dep_ != "conj":
            head = t.head.lemma_.lower()
            if head not in lex.speech_verbs and head not in lex.control_verbs:
                depth += 1
        t = t.head
    return depth


def _event_date(verb: Token, sent: Span, published_at: dt.datetime | None):
    """The first date expression attached to the trigger's clause (or its governors)."""
    clause = [verb, *args.governor_chain(verb)]
    dates = [ent for ent in sent.ents if ent.label_ == "DATE"]
    for head in clause:
        for ent in dates:
            attached = ent.root.head
            while attached.pos_ not in {"VERB", "AUX"} and attached.head.i != attached.i:
                if attached.dep_ in {"pobj", "npadvmod", "prep"} and attached.head == head:
                    attached = head
                    break
                attached = attached.head
            if attached == head or ent.root.head == head:
                resolved = resolve_date(ent.text, published_at)
                if resolved is not None:
                    return resolved, ent.text
    return None, None


def _phrase_words(text: str) -> list[str]:
    """The words of a noun phrase's text up to a preposition or clause ("soldiers", not
    "peace" in "soldiers of peace"), singular, in order: the head is the last."""
    words = []
    for w in text.lower().replace("'s", " ").replace(",", " , ").split():
        if w in HEAD_STOPS:
            break
        words.append(singular(w))
    return words


def _words(text: str) -> set[str]:
    return set(_phrase_words(text))


def _head(text: str) -> set[str]:
    return set(_phrase_words(text)[-1:])


def _without_demanded(triggers: list[Trigger]) -> list[Trigger]:
    """The triggers less the acts demanded by a verbal REQUEST of the same sentence ("called
    on Turkey to release the activists"): the demand is the event, the release has not
    happened and is not Turkey's act yet."""
    demands = {t.anchor.i for t in triggers if t.entry.type == "REQUEST" and not t.nominal}
    return [
        t
        for t in triggers
        if t.nominal or not (t.anchor.dep_ in {"xcomp", "ccomp"} and t.anchor.head.i in demands)
    ]


class SentenceExtractor:
    """Turns the triggers of one article's sentences into Event records."""

    def __init__(
        self,
        lex: Lexicon,
        sentences: list[Span],
        offsets: list[int],
        char_offsets: list[int],
        provenance: Provenance,
        actors: ActorIndex,
    ) -> None:
        self.lex = lex
        self.sentences = sentences
        self.char_offsets = char_offsets
        self.provenance = provenance
        coder = ActorCoder(actors, provenance.article.get("published_at"))
        ctx = build_context(sentences, offsets, coder)
        self.resolver = Resolver(ctx, sentences, offsets, coder)
        self.resolver.learn_genders()
        self.event_nouns = frozenset(lex.nouns)
        self.party_words = lex.party_words

    def _people(
        self,
        token: Token | None,
        i: int,
        exclude: set[str] | None = None,
        speech: Token | None = None,
    ) -> list[Participant]:
        if token is None:
            return []
        if speech is not None and token.pos_ == "PRON" and token.lower_ not in SPEAKER_PRONOUNS:
            speaker = args.subject(speech)
            if speaker is not None and speaker.pos_ != "PRON":
                found = self.resolver.participants(speaker, i, exclude)
                if not self._outlet(found):  # "Xinhua said it had met": not Xinhua's act
                    return found
        return self.resolver.participants(token, i, exclude)

    def _arguments(self, trigger: Trigger, i: int):
        verb = trigger.anchor
        if trigger.nominal:
            conflict = self.lex.quad_class[trigger.entry.type] >= 3
            actor_tokens, recipient_token = args.nominal_arguments(verb, conflict)
            actors = [p for t in actor_tokens for p in self._people(t, i)]
            named = any(self._names_party(t) for t in actor_tokens)
            return actors, self._people(recipient_token, i), args.location(verb), named
        if trigger.kind == "labelling":  # "X called the plan a disaster": X judges the plan
            speaker = args.subject(verb)
            actors = self._people(speaker, i)
            obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
            names = {p["canonical"] for p in actors}
            target = self._people(judged(obj, self.lex), i, names)
            named = speaker is not None and self._names_party(speaker)
            return actors, target, args.location(verb), named
        speech = args.speech_governor(verb, self.lex)
        if trigger.kind in SPEECH_ACTS:
            # the speaker demands or judges; the one obliged is asked, the one judged the target
            speaker = args.subject(speech) if speech is not None else None
            actors = self._people(speaker, i)
            subject = args.subject(verb)
            target = subject if trigger.kind == "obligation" else judged(subject, self.lex)
            obliged = [
                p
                for p in self._people(target, i, {p["canonical"] for p in actors})
                if p["text"].lower() not in SPEAKER_PRONOUNS
            ]
            named = speaker is not None and self._names_party(speaker)
            return actors, obliged, args.location(verb), named
        if args.is_passive(verb):
            actor_token = args.agent(verb)
        else:
            actor_token = args.subject(verb)
        recipient_token = args.verb_recipient(
            trigger, verb, self.event_nouns, party_words=self.party_words
        )
        recipients = self._people(recipient_token, i)
        actors = self._people(actor_token, i, {p["canonical"] for p in recipients}, speech)
        names = {p["canonical"] for p in actors}
        recipients = [p for p in recipients if p["canonical"] not in names]
        named = actor_token is not None and self._names_party(actor_token)
        act = self._act_of_force(trigger)
        if act is not None and not (named or self._party(actors)):
            # "the suicide bombing killed 20": the act killed, its actor is unsaid
            return [], recipients, args.location(verb), False
        return actors, recipients, args.location(verb), named

    def _act_of_force(self, trigger: Trigger) -> Token | None:
        """The subject of an active verb of force when it is itself an event noun of force
        ("a suicide bombing killed 20 people", "the air strikes wounded dozens"): the act
        that killed, whose actor is unsaid or named in the noun's phrase; else None."""
        verb = trigger.anchor
        if trigger.nominal or self.lex.quad_class[trigger.entry.type] != 4:
            return None
        subject = args.subject(verb) if not args.is_passive(verb) else None
        if subject is None or subject.pos_ != "NOUN":
            return None
        entry = self.lex.nouns.get(singular(subject.lemma_.lower()))
        if entry is None or entry.type is None or entry.requires_object:
            return None
        return subject if self.lex.quad_class[entry.type] == 4 else None

    def _in_sense(self, trigger: Trigger) -> bool:
        """The entry's ``party_act`` holds: "analysts warned that prices could rise" predicts
        what things may do, a threat is of what a party will do or suffer."""
        verb, entry = trigger.anchor, trigger.entry
        if entry.party_act:
            for clause in (c for c in verb.children if c.dep_ == "ccomp"):
                other = args.subject(clause)
                if other is not None and not party_word(other, self.lex):
                    return False
        return True

    def _untargeted(
        self, trigger: Trigger, etype: str, recipients: list[Participant]
    ) -> LexiconEntry | None:
        """The lexicon's ``untargeted_launches`` entry for an ASSAULT pattern that fires one
        of its weapons at no party or place ("launched a ballistic missile"), else None."""
        rule, weapon = self.lex.launches, trigger.object
        if rule.entry is None or etype != "ASSAULT" or weapon is None or trigger.kind != "pattern":
            return None
        if singular(weapon.lemma_.lower()) not in rule.weapons or self._party(recipients):
            return None
        return rule.entry

    def _wisher(
        self, trigger: Trigger, i: int, actors: list[Participant]
    ) -> list[Participant] | None:
        """The party that wishes the trigger's act of another (``wish_governor``; [] when it
        is a pronoun without antecedent), or None when the act is no wish of another's."""
        governor = wish_governor(trigger, self.lex)
        if governor is None or is_negated(governor, self.lex):
            return None  # "does not want to see a withdrawal" is no demand
        token = args.subject(governor)
        if token is None:
            return None
        wisher = self._people(token, i)
        if not (self._party(wisher) or (not wisher and self._names_party(token))):
            return None
        names = {p["canonical"] for p in actors}
        if any(p["canonical"] in names for p in wisher):
            return None  # "Iran wants to build a reactor": its own planned act
        return wisher

    def _meaningful(self, people: list[Participant]) -> bool:
        return any(p["text"].lower() not in SPEAKER_PRONOUNS for p in people)

    def _party(self, people: list[Participant], head_only: bool = False) -> bool:
        """Someone who can act: a person, organisation or state, or an agent noun ("the
        police", "rebels", "the minister"), not a thing, an accident or a place. With
        ``head_only`` the agent noun must head the phrase: "the Kenyan Government's education
        policies" names policies, not the government."""
        words_of = _head if head_only else _words
        for p in people:
            if p.get("entity_type") and p["entity_type"] not in args.NOT_PARTICIPANT:
                return True  # a name: a place as subject stands for its government
            if words_of(p["text"]) & self.party_words:
                return True
        return False

    def _outlet(self, people: list[Participant]) -> bool:
        """A news outlet ("the agency", Xinhua): it reports events, it is not their actor."""
        return any(
            p.get("sector") == "MED" or _head(p["text"]) & self.lex.outlet_nouns for p in people
        )

    def _names_party(self, token: Token) -> bool:
        """The phrase names a party in a modifier ("the APEC forum", "Israeli bulldozers") or
        is a name the model left unlabelled ("Merkel hosted Macron"); its clauses do not
        count ("the fire which destroyed the Parliament buildings" names no party)."""
        if token.pos_ == "PROPN" and not token.ent_type_:
            return True
        return any(
            (t.ent_type_ and t.ent_type_ not in args.NOT_PARTICIPANT)
            or singular(t.lemma_.lower()) in self.party_words
            for t in words_under([token], DESCRIBING_CLAUSES)
        )

    def events(self) -> list[dict[str, Any]]:
        if story_genre(self.sentences, self.lex) is not None:
            return []  # a match report or film review: its "attacks" and "wins" are no events
        out = []
        for i, sent in enumerate(self.sentences):
            triggers = _without_demanded(find_triggers(sent, self.lex))
            taken = {w.i for t in triggers for w in t.words}
            speech_acts = obligation_triggers(sent, self.lex, taken)
            speech_acts += evaluation_triggers(sent, self.lex, taken)
            taken |= {w.i for t in speech_acts for w in t.words}
            speech_acts += weighed_triggers(sent, self.lex, taken)
            speech_acts += labelling_triggers(sent, self.lex, taken)
            for trigger in triggers + speech_acts:
                event = self._event(trigger, sent, i)
                if event is not None:
                    out.append(event)
        return out

    def _event(self, trigger: Trigger, sent: Span, i: int) -> dict[str, Any] | None:
        actors, recipients, place, named = self._arguments(trigger, i)
        if not (self._meaningful(actors) or self._meaningful(recipients)):
            return None
        force = self.lex.quad_class[trigger.entry.type] == 4
        unsaid = args.is_passive(trigger.anchor) or self._act_of_force(trigger) is not None
        if not actors and not (force if trigger.nominal else unsaid):
            # only a passive clause or an act of force as subject ("the bombing killed 20")
            # may leave the actor unsaid, and a nominal act of force with its target ("the
            # arrest of the opposition leader", "an attack on Kabul")
            return None
        if not actors and trigger.nominal and not self._party(recipients):
            return None
        if actors and not (named or self._party(actors)):
            # a thing, accident or place as actor ("the derailment killed seven"): no event,
            # unless the clause is passive ("killed in an explosion"), which needs no actor
            if trigger.nominal or not args.is_passive(trigger.anchor):
                return None
            actors = []
        if (
            not actors
            and self.lex.quad_class[trigger.entry.type] < 4
            and not self._party(recipients)
        ):
            # "more tools are given": cooperation and speech acts are between parties; force
            # is an event with its target alone ("the embassy was attacked")
            return None
        if trigger.entry.needs_target and not self._party(recipients, head_only=True):
            return None
        if not self._in_sense(trigger):
            return None
        if trigger.anchor.dep_ == "compound" and trigger.nominal:
            return None
        if trigger.kind in SPEECH_ACTS:
            if self._outlet(actors):
                return None  # "the paper reported that X must resign": a report, no demand
            # "should not attack" is still a demand: only the speaker's act can be negated
            speech = args.speech_governor(trigger.anchor, self.lex)
            negated = speech is not None and is_negated(speech, self.lex)
            etype, converted = trigger.entry.type, False
        else:
            negated = is_negated(trigger.anchor, self.lex)
            etype, converted = _adjust_type(trigger, self.lex, negated)
            wisher = self._wisher(trigger, i, actors) if not negated else None
            if wisher is not None:  # no wish governors without a typed entry
                # "wants Iran to halt": the wisher asks Iran, Iran has not acted
                actors, recipients = wisher, actors
                etype, converted = self.lex.wishes.entry.type, True
        if converted and etype == "REQUEST":
            speech = args.speech_governor(trigger.anchor, self.lex)
            speaker = args.subject(speech) if speech is not None else None
            if speaker is not None:
                recipients = actors
                actors = self._people(speaker, i)
                if self._outlet(actors):
                    return None  # "the paper reported that X must resign": a report, no demand
        entry = self._untargeted(trigger, etype, recipients) or trigger.entry
        etype = entry.type if entry is not trigger.entry else etype
        mode = entry.mode if not converted else None
        words = sorted(trigger.words, key=lambda t: t.i)
        offset = self.char_offsets[i]
        start, end = offset + words[0].idx, offset + words[-1].idx + len(words[-1])
        art = self.provenance.article
        event_date, date_text = _event_date(trigger.anchor, sent, art.get("published_at"))
        confidence = 0.55 if trigger.kind in {"verb", "pattern"} else 0.6
        confidence -= 0.3 if trigger.nominal else 0.0
        confidence += 0.15 if actors else 0.0
        confidence += 0.1 if recipients else 0.0
        confidence -= 0.2 * _clause_depth(trigger.anchor, self.lex)
        confidence -= 0.1 if negated else 0.0
        return {
            "event_id": stable_id(art["article_id"], str(i), str(start), str(end), etype),
            "event_type": etype,
            "quad_class": self.lex.quad_class[etype],
            "mode": mode,
            "contexts": list(entry.contexts),
            "trigger": {
                "text": sent.doc[words[0].i : words[-1].i + 1].text,
                "lemma": trigger.lemma,
                "start": start,
                "end": end,
            },
            "actor": actors,
            "recipient": recipients,
            "location": (
                {"text": phrase_text(place), "entity_type": place.ent_type_ or None}
                if place is not None
                else None
            ),
            "event_date": event_date,
            "date_text": date_text,
            "modality": modality(trigger, sent, self.lex, actors, converted),
            "negated": negated,
            "sentence": sent.text,
            "sentence_index": i,
            "confidence": round(min(0.99, max(0.05, confidence)), 3),
            "article_id": art["article_id"],
            "url": art.get("url"),
            "source": art.get("source"),
            "title": art.get("title"),
            "published_at": art.get("published_at"),
            "extractor_version": self.provenance.extractor_version,
            "model": self.provenance.model,
        }
