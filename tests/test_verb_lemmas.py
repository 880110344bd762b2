"""The component that mends verbs the rule lemmatizer cuts one letter short."""

from __future__ import annotations

import pytest

from pipelines.extract.verb_lemmas import VerbLemmas

KNOWN = frozenset({"rape", "stage", "hope", "fine", "wage", "rap", "hop", "visit"})


@pytest.mark.parametrize(
    ("form", "lemma", "mended"),
    [
        ("raped", "rap", "rape"),
        ("staging", "stag", "stage"),
        ("hoped", "hop", "hope"),
        ("fines", "fin", "fine"),
        # a doubled consonant is the short verb's own form
        ("rapped", "rap", None),
        ("hopping", "hop", None),
        # stems of two syllables, or ending in w, x or y, do not double
        ("visited", "visit", None),
        ("fixed", "fix", None),
        # no verb of the stem plus e: the lemma stays
        ("buses", "bus", None),
        # a lemma that is not the form less its suffix was not cut short
        ("rapes", "rape", None),
    ],
)
def test_mended_only_where_spelling_rules_out_the_short_stem(form, lemma, mended):
    assert VerbLemmas(KNOWN).mended(form, lemma) == mended


def test_the_pipeline_reads_verbs_with_a_dropped_e_as_their_own(model):
    doc = model.nlp("Militias raped villagers, staged raids and were waging war; he hopped off.")
    lemmas = {t.text: t.lemma_ for t in doc if t.pos_ == "VERB"}
    assert lemmas["raped"] == "rape"
    assert lemmas["staged"] == "stage"
    assert lemmas["waging"] == "wage"
    assert lemmas["hopped"] == "hop"


def test_staged_is_the_support_verb_of_its_protest(model):
    from pipelines.extract.model import extract_batch

    text = "Farmers staged a protest against the government in Lagos on Monday."
    [outcome] = extract_batch(model, [{"article_id": "t", "text": text, "origin": "t:1"}])
    [event] = [e for e in outcome.events if e["event_type"] == "PROTEST"]
    assert event["trigger"]["lemma"] == "stage protest"


def test_a_waged_war_is_one_event_on_its_recipient(model):
    from pipelines.extract.model import extract_batch

    text = "The rebels waged a war against the government of Sudan."
    [outcome] = extract_batch(model, [{"article_id": "t", "text": text, "origin": "t:1"}])
    # The pattern "wage war" names its object: the noun "war" is no second event.
    [event] = outcome.events
    assert (event["event_type"], event["trigger"]["lemma"]) == ("ASSAULT", "wage")
    assert [r["text"] for r in event["recipient"]] == ["government of Sudan"]
