"""Event nouns derived from the lexicon's verbs: "the killing of three protesters", "the
abduction of two aid workers", "Israel's seizure of the ship".

News names many conflict events by a noun made from the verb CAMEO codes. A verb's nouns are
the English derivations (-ing, -ion, -ation, -sion, -al, -ment, -ure, with the usual spelling
changes) that are nouns of the English lexicon (the spaCy model's WordNet-derived noun
lemmas), so "kill" gives "killing" and "seize" gives "seizing" and "seizure", but no made-up
word. Only verbs that name their event without a target (the hand-written entries: a verb
derived from CAMEO is coded only towards a party, ``needs_target``) and of the quad classes the
``deverbal_nouns`` section of the overrides names are used; its ``exclude`` list holds the
derivations whose usual sense is another ("pressure", "deportment"), each group with a
reason. A derived noun is a nominal event like the hand-written ones: it needs an actor (a
possessive, a national adjective, "by X", "between X and Y") or, for force, a party as
target ("the killing of protesters", ``rules.py``).
"""

from __future__ import annotations

from typing import Any

VOWELS = frozenset("aeiou")


def noun_forms(verb: str) -> set[str]:
    """Candidate nouns of ``verb`` by English derivation (not checked against a lexicon)."""
    stems = {verb}
    if verb.endswith("e"):
        stems.add(verb[:-1])  # seize -> seiz(ure), abduct stays
    out = {s + suffix for s in stems for suffix in ("ing", "ion", "ation", "al", "ment", "ure")}
    if verb.endswith("de"):
        out.add(verb[:-2] + "sion")  # invade -> invasion
    if len(verb) > 2 and verb[-1] not in VOWELS | {"w", "x", "y"}:
        if verb[-2] in VOWELS and verb[-3] not in VOWELS:
            out.add(verb + verb[-1] + "ing")  # kidnap -> kidnapping
    return out


def derive_nouns(
    verbs: dict[str, dict[str, Any]],
    english_nouns: frozenset[str],
    spec: dict[str, Any],
    quad_class: dict[str, int],
    known: set[str],
) -> dict[str, dict[str, Any]]:
    """Noun -> entry (the verb's type, mode and contexts, and ``derived_from``), for the
    verbs ``spec`` selects; nouns in ``known`` (hand-written) are left to their entries."""
    quads = set(spec.get("quad_classes", ()))
    excluded = {w.lower() for group in spec.get("exclude", ()) for w in group.get("nouns", ())}
    out: dict[str, dict[str, Any]] = {}
    for verb, entry in sorted(verbs.items()):
        etype = entry.get("type")
        if (
            etype is None
            or " " in verb
            or entry.get("needs_target")
            or entry.get("requires_object")
        ):
            continue
        if quad_class.get(etype) not in quads:
            continue
        for noun in sorted(noun_forms(verb)):
            if noun in english_nouns and noun not in excluded and noun not in known:
                derived = {k: v for k, v in entry.items() if k in {"type", "mode", "contexts"}}
                out.setdefault(noun, {**derived, "derived_from": verb})
    return out


def english_nouns(spacy_model: str) -> frozenset[str]:
    """The noun lemmas of a spaCy pipeline's rule lemmatizer (WordNet's, for English)."""
    import spacy

    nlp = spacy.load(spacy_model, exclude=["tok2vec", "tagger", "parser", "ner", "senter"])
    lookups = nlp.get_pipe("lemmatizer").lookups
    return frozenset(lookups.get_table("lemma_index").get("noun", ()))
