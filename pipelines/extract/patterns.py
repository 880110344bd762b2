"""CAMEO verb patterns against a dependency parse, and the discard phrases.

A pattern (``lexicon.Pattern``) names the words around a verb: a subject, a particle, an object
and prepositional phrases, each a phrase whose last word is the head ("financial aid", or a
synonym set "&military aid"). A phrase matches a token when its head matches the token and
each other word is found in the token's subtree. The patterns of a verb are indexed by their
anchor (the object's head, else the first preposition, particle or subject): only the patterns
anchored on a word that the verb's dependents actually have are tried.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Span, Token

from pipelines.extract.lexicon import Lexicon, Pattern, Phrase, singular

OBJECT_DEPS = {
    "dobj", "nsubjpass", "attr", "acomp", "oprd", "dative", "npadvmod", "advmod", "xcomp",
    "ccomp", "prt",
}  # fmt: skip
PREP_DEPS = {"prep", "agent", "dative", "prt", "advmod"}


def forms(token: Token) -> set[str]:
    """The words a pattern word may name this token by (lemma, and the singular form)."""
    return {token.lemma_.lower(), singular(token.lower_)}


def _keys(token: Token, lex: Lexicon) -> set[str]:
    words = forms(token)
    out = set(words)
    for w in words:
        out.update("&" + name for name in lex.word_synsets.get(w, ()))
    return out


def _word_matches(word: str, token: Token, lex: Lexicon) -> bool:
    found = forms(token)
    if not word.startswith("&"):
        return word in found
    heads = lex.synset_heads.get(word[1:], {})
    return any(
        not mods or _modifiers_present(mods, token, lex)
        for form in found
        for mods in heads.get(form, ())
    )


def _modifiers_present(words: Phrase, head: Token, lex: Lexicon) -> bool:
    inside = [t for t in head.subtree if t.i != head.i]
    return all(any(_word_matches(w, t, lex) for t in inside) for w in words)


def phrase_matches(phrase: Phrase, token: Token, lex: Lexicon) -> bool:
    return _word_matches(phrase[-1], token, lex) and _modifiers_present(phrase[:-1], token, lex)


def _subject(verb: Token) -> Token | None:
    for c in verb.children:
        if c.dep_ == "nsubj":
            return c
        if c.dep_ == "agent":
            return next((g for g in c.children if g.dep_ == "pobj"), None)
    return None


def _objects(verb: Token) -> list[Token]:
    return [c for c in verb.children if c.dep_ in OBJECT_DEPS]


def _preps_of(tokens: Iterable[Token]) -> list[Token]:
    return [c for t in tokens for c in t.children if c.dep_ in PREP_DEPS]


def _prep_matches(
    prep: str, phrase: Phrase | None, candidates: list[Token], objects: list[Token], lex: Lexicon
) -> bool:
    for c in candidates:
        if c.lower_ != prep:
            continue
        if phrase is None:
            return True
        pobjs = [g for g in c.children if g.dep_ in {"pobj", "pcomp"}]
        if c.dep_ in {"prt", "advmod"}:
            pobjs += objects  # "set ASIDE the rift": the particle's phrase is the object
        if any(phrase_matches(phrase, o, lex) for o in pobjs):
            return True
    return False


def _matches(pattern: Pattern, verb: Token, objects: list[Token], lex: Lexicon) -> bool:
    if pattern.particle and not any(
        c.lower_ == pattern.particle for c in verb.children if c.dep_ in PREP_DEPS
    ):
        return False
    matched = objects
    if pattern.object:
        matched = [o for o in objects if phrase_matches(pattern.object, o, lex)]
        if not matched:
            return False
    if pattern.subject:
        subj = _subject(verb)
        if subj is None or not phrase_matches(pattern.subject, subj, lex):
            return False
    candidates = _preps_of([verb, *matched])
    return all(_prep_matches(p, o, candidates, objects, lex) for p, o in pattern.preps)


def match_pattern(verb: Token, lex: Lexicon) -> Pattern | None:
    """The most specific pattern of ``verb`` that its dependents satisfy, if any."""
    index = lex.verb_patterns.get(verb.lemma_.lower())
    if not index:
        return None
    objects = _objects(verb)
    keys: set[str] = set()
    for o in objects:
        keys |= _keys(o, lex)
    for c in verb.children:
        if c.dep_ in PREP_DEPS:
            keys.add("(" + c.lower_)
            keys.add("^" + c.lower_)
    subj = _subject(verb)
    if subj is not None:
        keys |= {"@" + k for k in _keys(subj, lex)}
    candidates = [p for k in keys for p in index.get(k, ())]
    for pattern in sorted(candidates, key=lambda p: p.rank):
        if _matches(pattern, verb, objects, lex):
            return pattern
    return None


def _holds(words: list[str], table: dict[str, tuple[tuple[str, ...], ...]]) -> bool:
    for i, w in enumerate(words):
        for phrase in table.get(w, ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                return True
    return False


def discarded(sent: Span, lex: Lexicon) -> bool:
    """The sentence holds a discard phrase (sports, entertainment): it is not coded."""
    return bool(lex.discards) and _holds([t.lower_ for t in sent], lex.discards)


def story_genre(sentences: list[Span], lex: Lexicon) -> str | None:
    """The kind of story that is not coded (a story discard phrase, or enough words of a
    genre: a match report, a film review) the article is, if any."""
    if lex.story_discards and any(
        _holds([t.lower_ for t in s], lex.story_discards) for s in sentences
    ):
        return "story discard"
    if not lex.story_genres:
        return None
    seen = {f for s in sentences for t in s if t.pos_ in {"NOUN", "PROPN"} for f in forms(t)}
    for genre in lex.story_genres:
        if len(seen & genre.words) >= genre.min_words:
            return genre.name
    return None
