"""A spaCy component that mends the rule lemmatizer's verbs cut one letter short.

For a verb such as "raped", spaCy's rule lemmatizer finds two candidates in its index of
verbs, "rape" (``ed`` -> ``e``) and "rap" (``ed`` -> nothing), and keeps the last: "raped" is
read as "rap", "staged" as "stag", "waged" as "wag", "hoping" as "hop", "fines" as "fin". The
event rules key their lexicon by lemma, so those verbs trigger nothing or the wrong thing.

English spelling decides between the two: a one-syllable stem ending in a single vowel and a
single consonant doubles that consonant before ``-ed`` and ``-ing`` ("rap" -> "rapped", "hop"
-> "hopping") and takes ``-s``, not ``-es`` ("raps"). So when the lemma is such a stem with
the suffix simply cut off, and the stem plus ``e`` is also a verb the lemmatizer knows, the
word is that verb's form. Stems of more syllables ("visited", "opened") and stems ending in
w, x or y never double and are left alone.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

VERB_LEMMAS = "verb_lemmas"
# Suffixes after which a doubling stem would have doubled (-ed, -ing) or taken -s (-es).
_SUFFIXES = ("ed", "ing", "es")
# One syllable: consonants, one vowel, one consonant that English doubles.
_DOUBLING_STEM = re.compile(r"[^aeiouy]*[aeiou][b-df-hj-np-tvz]")
_VERB_POS = {"VERB", "AUX"}


class VerbLemmas:
    """Sets the lemma of such verb forms to the stem plus ``e`` (see the module docstring)."""

    def __init__(self, known_verbs: frozenset[str]) -> None:
        self._known = known_verbs

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            if token.pos_ in _VERB_POS:
                lemma = self.mended(token.lower_, token.lemma_)
                if lemma is not None:
                    token.lemma_ = lemma
        return doc

    def mended(self, form: str, lemma: str) -> str | None:
        """The lemma ``form`` should have when spaCy gave it ``lemma``; None if it is right."""
        for suffix in _SUFFIXES:
            if form == lemma + suffix and _DOUBLING_STEM.fullmatch(lemma):
                base = lemma + "e"
                return base if base in self._known else None
        return None


@Language.factory(VERB_LEMMAS)
def make_verb_lemmas(nlp: Language, name: str) -> VerbLemmas:
    """The component, knowing the verbs of the pipeline's lemmatizer index."""
    index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index", {})
    return VerbLemmas(frozenset(index.get("verb", ())))
