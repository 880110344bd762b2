"""Participants of events: noun phrases, coordination, apposition, aliases and references.

An :class:`ArticleContext` is built once per article. It holds the in-article alias table
("Takaichi" -> "Sanae Takaichi", "APEC" -> "Asia-Pacific Economic Cooperation"), the
mentions of named entities in order, which resolve pronouns ("she", "they") and plural
references ("the two leaders") to the people or groups named before, and the actor code of
each person the article gives a role ("Japan's prime minister, Sanae Takaichi": JPN GOV),
which a later "Takaichi" or "she" carries.

Every participant gets ``country`` and ``sector`` (:mod:`pipelines.extract.actors`): from its
own noun phrase, then its apposition, then the article's code for its canonical name, then
the dictionaries' entry for that name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from pipelines.entities import DocEntities, doc_entities
from pipelines.extract.actors import NO_CODE, ActorCode, ActorCoder

Participant = dict[str, str | None]

NAMED = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}
TITLES = {
    "president",
    "prime",
    "minister",
    "emperor",
    "empress",
    "king",
    "queen",
    "prince",
    "princess",
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "dr",
    "dr.",
    "sir",
    "gen",
    "gen.",
    "general",
    "lt",
    "lt.",
    "col",
    "col.",
    "sheikh",
    "secretary",
    "chancellor",
    "senator",
    "governor",
    "pope",
    "premier",
    "former",
    "ousted",
    "leader",
    "chairman",
    "chief",
    "foreign",
    "defence",
    "defense",
    "vice",
    "deputy",
    "sen.",
    "rep.",
    "lord",
    "lady",
}
SUBJECT_DEPS = {"nsubj", "nsubjpass"}
EXCLUDED_CHILD_DEPS = {"relcl", "acl", "advcl", "appos", "conj", "cc", "punct", "preconj"}
PARTITIVE_HEADS = {
    "ten",
    "tens",
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "dozen",
    "dozens",
    "number",
    "group",
    "some",
    "many",
    "most",
    "all",
    "one",
    "third",
    "half",
    "part",
    "majority",
    "score",
    "scores",
    "handful",
}
PERSON_PRONOUNS = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}
GROUP_PRONOUNS = {"they", "them", "their", "theirs"}
THING_PRONOUNS = {"it", "its"}
SPEAKER_PRONOUNS = {"i", "me", "my", "we", "us", "our", "you", "your"}
PERSON_GROUP_NOUNS = {
    "leader",
    "president",
    "minister",
    "man",
    "woman",
    "head",
    "premier",
    "chancellor",
    "diplomat",
    "envoy",
    "counterpart",
}
STATE_GROUP_NOUNS = {"country", "nation", "side", "government", "state", "neighbor", "neighbour"}
NUMBER_WORDS = {"two": 2, "both": 2, "three": 3, "four": 4}


@dataclass(frozen=True)
class Mention:
    """A named entity seen in the article."""

    canonical: str
    entity_type: str
    position: int  # token index, article-wide
    sentence: int
    is_subject: bool


@dataclass
class ArticleContext:
    """Aliases and mentions of one article, shared by all its sentences."""

    aliases: dict[str, str] = field(default_factory=dict)
    alias_types: dict[str, str] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)
    genders: dict[str, str] = field(default_factory=dict)
    sentence_subjects: dict[int, list[Participant]] = field(default_factory=dict)
    codes: dict[str, ActorCode] = field(default_factory=dict)  # canonical person -> code
    entities: dict[Doc, DocEntities] = field(default_factory=dict)  # of each parsed chunk

    def canonical(self, name: str, entity_type: str | None = None) -> str:
        """The full in-article name for ``name`` (titles and possessive stripped)."""
        cleaned = _strip_name(name, entity_type)
        return self.aliases.get(cleaned.lower(), cleaned)

    def entity_type(self, name: str, entity_type: str | None) -> str | None:
        """The type of the entity an alias names (spaCy may tag a surname as ORG)."""
        cleaned = _strip_name(name, entity_type).lower()
        return self.alias_types.get(cleaned, entity_type)

    def salience(self, canonical: str, before: int) -> int:
        return sum(1 for m in self.mentions if m.canonical == canonical and m.position < before)


def _strip_name(name: str, entity_type: str | None) -> str:
    words = name.replace("’", "'").split()
    while words and words[0].lower() in {"the", "a", "an"}:
        words = words[1:]
    if words and words[-1] in {"'s", "'"}:
        words = words[:-1]
    if words and words[-1].endswith("'s"):
        words[-1] = words[-1][:-2]
    if entity_type == "PERSON":
        while len(words) > 1 and words[0].lower().strip(",") in TITLES:
            words = words[1:]
    return " ".join(words).strip(" ,") or name.strip()


def _is_subject(token: Token) -> bool:
    t = token
    for _ in range(4):
        if t.dep_ in SUBJECT_DEPS:
            return True
        if t.dep_ not in {"appos", "conj", "compound"} or t.head.i == t.i:
            return False
        t = t.head
    return False


def phrase_code(coder: ActorCoder | None, head: Token) -> ActorCode:
    """The actor code of the noun phrase headed by ``head``, its appositions filling in."""
    if coder is None:
        return NO_CODE
    span = phrase_span(head)
    code = coder.code_tokens([t.text for t in span], head.i - span.start)
    related = [c for c in head.children if c.dep_ == "appos"]
    if head.dep_ == "appos":
        related.append(head.head)
    for other in related:
        if code.complete:
            break
        span = phrase_span(other)
        code = code.filled_from(coder.code_tokens([t.text for t in span], other.i - span.start))
    return code


def build_context(
    sentences: list[Span], offsets: list[int], coder: ActorCoder | None = None
) -> ArticleContext:
    """Aliases, mentions and people's codes from the sentences of an article (all chunks, in
    order); ``offsets[i]`` is the article-wide token offset of sentence i's Doc."""
    ctx = ArticleContext(entities=doc_entities(sentences))
    sentence_ents = [ctx.entities[sent.doc].within(sent) for sent in sentences]
    for ent in (ent for ents in sentence_ents for ent in ents):
        if ent.label_ == "PERSON":
            name = _strip_name(ent.text, "PERSON")
            parts = name.split()
            if len(parts) >= 2:
                ctx.aliases.setdefault(parts[-1].lower(), name)
                ctx.aliases[name.lower()] = name
                ctx.alias_types[parts[-1].lower()] = ctx.alias_types[name.lower()] = "PERSON"
        elif ent.label_ in {"ORG", "GPE", "NORP"}:
            after = ent.doc[ent.end : ent.end + 3]
            if len(after) == 3 and after[0].text == "(" and after[2].text == ")":
                acronym = after[1].text
                if acronym.isupper() and len(acronym) >= 2:
                    ctx.aliases[acronym.lower()] = _strip_name(ent.text, ent.label_)
                    ctx.alias_types[acronym.lower()] = ent.label_
    for i, sent in enumerate(sentences):
        seen: set[int] = set()
        for ent in sentence_ents[i]:
            if ent.label_ == "PERSON" and coder is not None:
                name = ctx.canonical(ent.text, ent.label_)
                code = ctx.codes.get(name, NO_CODE)
                if not code.complete:
                    ctx.codes[name] = code.filled_from(phrase_code(coder, ent.root))
            if ent.label_ in NAMED:
                seen.update(t.i for t in ent)
                ctx.mentions.append(
                    Mention(
                        canonical=ctx.canonical(ent.text, ent.label_),
                        entity_type=ctx.entity_type(ent.text, ent.label_) or ent.label_,
                        position=offsets[i] + ent.root.i,
                        sentence=i,
                        is_subject=_is_subject(ent.root),
                    )
                )
        for tok in sent:
            if tok.pos_ == "PROPN" and tok.i not in seen and tok.lower_ in ctx.alias_types:
                ctx.mentions.append(
                    Mention(
                        canonical=ctx.aliases[tok.lower_],
                        entity_type=ctx.alias_types[tok.lower_],
                        position=offsets[i] + tok.i,
                        sentence=i,
                        is_subject=_is_subject(tok),
                    )
                )
        ctx.mentions.sort(key=lambda m: m.position)
    return ctx


@dataclass
class Resolver:
    """Builds participants from tokens of one sentence of an article."""

    ctx: ArticleContext
    sentences: list[Span]
    offsets: list[int]  # article-wide token offset of each sentence's doc
    coder: ActorCoder | None = None

    def participants(
        self, token: Token, sentence_index: int, exclude: set[str] | None = None
    ) -> list[Participant]:
        """The participants named by the noun phrase headed by ``token`` (with conjuncts)."""
        heads = [token, *[c for c in token.conjuncts if c.i > token.i]]
        out: list[Participant] = []
        for head in heads:
            found = self._one(head, sentence_index, exclude or set())
            out.extend(self._coded(p, NO_CODE) for p in found)
        seen, unique = set(), []
        for p in out:
            if p["canonical"] not in seen:
                seen.add(p["canonical"])
                unique.append(p)
        return unique

    def _coded(self, p: Participant, code: ActorCode) -> Participant:
        """``p`` with country and sector: ``code`` (of its own phrase), filled in from the
        article's code for its canonical name, then from the dictionaries' entry for it."""
        if "country" in p:  # a group pronoun's copy of an already coded participant
            return p
        name = p["canonical"] or ""
        if not code.complete:
            code = code.filled_from(self.ctx.codes.get(name, NO_CODE))
        if not code.complete and self.coder is not None:
            code = code.filled_from(self.coder.code_text(name))
        return dict(p, country=code.country, sector=code.sector)

    def _one(self, head: Token, sentence_index: int, exclude: set[str]) -> list[Participant]:
        head = descend_partitive(head)
        if _pronoun(head):
            return self.resolve_pronoun(head, sentence_index, exclude)
        group = self._plural_reference(head, sentence_index)
        if group:
            return group
        text = phrase_text(head)
        code = phrase_code(self.coder, head)
        ent = self._entity_of(head)
        if ent is not None:
            return [self._coded(self._participant(text, ent.text, ent.label_), code)]
        for child in head.children:
            if child.dep_ == "appos":
                appos_ent = self._entity_of(child) or _first_entity(child)
                if appos_ent is not None and appos_ent.label_ in NAMED:
                    found = self._participant(text, appos_ent.text, appos_ent.label_)
                    return [self._coded(found, code)]
        if head.lower_ in self.ctx.alias_types:
            found = self._participant(text, head.text, self.ctx.alias_types[head.lower_])
            return [self._coded(found, code)]
        found = {"text": text, "canonical": _strip_name(text, None), "entity_type": None}
        return [self._coded(found, code)]

    def _entity_of(self, token: Token) -> Span | None:
        if not token.ent_type_ or token.ent_type_ not in NAMED:
            return None
        return self.ctx.entities[token.doc].holding(token)

    def _participant(self, text: str, name: str, label: str) -> Participant:
        return {
            "text": text,
            "canonical": self.ctx.canonical(name, label),
            "entity_type": self.ctx.entity_type(name, label),
        }

    def _plural_reference(self, head: Token, sentence_index: int) -> list[Participant]:
        """'the two leaders', 'both countries' -> the people or states named before."""
        if head.tag_ not in {"NNS", "NNPS"} or self._entity_of(head) is not None:
            return []
        if head.lemma_ in PERSON_GROUP_NOUNS:
            labels = {"PERSON"}
        elif head.lemma_ in STATE_GROUP_NOUNS:
            labels = {"GPE"}
        else:
            return []
        words = {c.lower_ for c in head.children}
        if not words & ({"the", "both", "these", "those"} | set(NUMBER_WORDS)):
            return []
        if any(c.dep_ in {"compound", "amod"} and c.ent_type_ for c in head.children):
            return []
        n = next((NUMBER_WORDS[w] for w in words if w in NUMBER_WORDS), 2)
        found = self._recent(self.position(head, sentence_index), labels, n, set())
        if len(found) < 2:
            return []
        text = phrase_text(head)
        return [
            {"text": text, "canonical": m.canonical, "entity_type": m.entity_type} for m in found
        ]

    def learn_genders(self) -> None:
        """Resolve every he/she of the article in order, so each person's gender is known
        before pronouns of later sentences are resolved."""
        for i, sent in enumerate(self.sentences):
            for token in sent:
                if token.lower_ in PERSON_PRONOUNS:
                    self.resolve_pronoun(token, i, set())

    def position(self, token: Token, sentence_index: int) -> int:
        return self.offsets[sentence_index] + token.i

    def _recent(self, position: int, labels: set[str], n: int, exclude: set[str]) -> list[Mention]:
        """The ``n`` most salient entities (most mentioned so far, then most recent) among
        those named in the last few sentences before ``position``."""
        found: list[Mention] = []
        last_sentence = None
        for m in reversed(self.ctx.mentions):
            if m.position >= position or m.entity_type not in labels or m.canonical in exclude:
                continue
            if last_sentence is None:
                last_sentence = m.sentence
            if m.sentence < last_sentence - 3:
                break
            if all(f.canonical != m.canonical for f in found):
                found.append(m)
        found.sort(key=lambda m: -self.ctx.salience(m.canonical, position))
        return found[:n]

    def resolve_pronoun(
        self, token: Token, sentence_index: int, exclude: set[str]
    ) -> list[Participant]:
        """A pronoun resolved to the salient entity named before it (empty when unknown)."""
        lower = token.lower_
        position = self.position(token, sentence_index)
        if lower in PERSON_PRONOUNS:
            gender = PERSON_PRONOUNS[lower]
            m = self._salient(position, sentence_index, {"PERSON"}, gender, exclude)
            if m is None:
                return []
            self.ctx.genders.setdefault(m.canonical, gender)
            return [{"text": token.text, "canonical": m.canonical, "entity_type": m.entity_type}]
        if lower in GROUP_PRONOUNS or lower in THING_PRONOUNS:
            for i in range(sentence_index, max(-1, sentence_index - 3), -1):
                group = self.subjects(i, before=position if i == sentence_index else None)
                group = [p for p in group if p["canonical"] not in exclude]
                plural = len(group) > 1 or any(p["entity_type"] in {"NORP", None} for p in group)
                if group and (plural == (lower in GROUP_PRONOUNS) or lower in THING_PRONOUNS):
                    return [dict(p, text=token.text) for p in group]
            if lower in GROUP_PRONOUNS:
                found = self._recent(position, {"PERSON"}, 2, exclude)
                if len(found) == 2:
                    return [
                        {"text": token.text, "canonical": m.canonical, "entity_type": "PERSON"}
                        for m in found
                    ]
        return []

    def _salient(
        self, position: int, sentence_index: int, labels: set[str], gender: str, exclude: set[str]
    ) -> Mention | None:
        def ok(m: Mention) -> bool:
            return (
                m.position < position
                and m.entity_type in labels
                and m.canonical not in exclude
                and self.ctx.genders.get(m.canonical, gender) == gender
            )

        for i in range(sentence_index, max(-1, sentence_index - 4), -1):
            in_sentence = [m for m in self.ctx.mentions if m.sentence == i and ok(m)]
            ranked = sorted(in_sentence, key=lambda m: (not m.is_subject, -m.position))
            if i != sentence_index:
                ranked = sorted(in_sentence, key=lambda m: (not m.is_subject, m.position))
            if ranked:
                return ranked[0]
        return None

    def subjects(self, sentence_index: int, before: int | None = None) -> list[Participant]:
        """The participants of the main subject of a sentence (before a position, if given)."""
        sent = self.sentences[sentence_index]
        cands = [
            t
            for t in sent
            if t.dep_ in SUBJECT_DEPS
            and not _pronoun(t)
            # "many of them" is the pronoun it counts: resolving one would ask for the
            # subjects again, without end
            and not _pronoun(descend_partitive(t))
        ]
        if before is not None:
            cands = [t for t in cands if self.position(t, sentence_index) < before]
        if not cands:
            return []
        root_subjects = [t for t in cands if t.head.dep_ == "ROOT"]
        subject = (root_subjects or cands)[-1 if before is not None else 0]
        return self.participants(subject, sentence_index)


def _pronoun(token: Token) -> bool:
    """A pronoun, also one mis-tagged (a capitalised "THEY")."""
    lower = token.lower_
    return token.pos_ == "PRON" or lower in PERSON_PRONOUNS or lower in GROUP_PRONOUNS


def descend_partitive(head: Token) -> Token:
    """'thousands of students' -> 'students', '£234m of cuts' -> 'cuts'; 'Members of X'
    keeps 'Members'."""
    for _ in range(3):
        if head.lower_ not in PARTITIVE_HEADS and not head.like_num and head.pos_ != "NUM":
            break
        pobj = [
            g
            for c in head.children
            if c.dep_ == "prep" and c.lower_ == "of"
            for g in c.children
            if g.dep_ == "pobj"
        ]
        if not pobj:
            break
        head = pobj[0]
    return head


def _first_entity(token: Token, labels: set[str] = NAMED) -> Span | None:
    subtree = {t.i for t in token.subtree}
    for ent in token.doc.ents:
        if ent.root.i in subtree and ent.label_ in labels:
            return ent
    return None


def phrase_text(head: Token) -> str:
    """The words of the noun phrase headed by ``head`` (see :func:`phrase_span`)."""
    return phrase_span(head).text


def phrase_span(head: Token) -> Span:
    """The noun phrase headed by ``head``, without clauses, appositions and conjuncts
    (which are participants of their own)."""
    kept = {head.i}
    for child in head.children:
        if child.dep_ in EXCLUDED_CHILD_DEPS:
            continue
        if child.dep_ == "prep" and any(t.pos_ == "VERB" for t in child.subtree):
            continue
        kept.update(t.i for t in child.subtree)
    start = end = head.i
    while start - 1 in kept:
        start -= 1
    while end + 1 in kept:
        end += 1
    doc: Doc = head.doc
    span = doc[start : end + 1]
    while len(span) > 1 and span[0].pos_ in {"DET", "PUNCT", "CCONJ"}:
        span = span[1:]
    while len(span) > 1 and span[-1].pos_ in {"PUNCT", "PART"} and span[-1].text != "'s":
        span = span[:-1]
    return span
