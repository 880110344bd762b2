"""Reported obligations and wishes as demands, reported judgements, nominal acts of force
with their target, weapons tests, event nouns derived from the verbs, the subjects of
gerunds, and the lexicon sections that carry them (validated)."""

from __future__ import annotations

import json

import pytest

from pipelines.extract.cameo_convert import ConvertError, convert
from pipelines.extract.deverbal import derive_nouns, noun_forms
from pipelines.extract.lexicon import DEFAULT_LEXICON, LexiconError, parse_lexicon
from pipelines.extract.model import extract_batch


def _shipped() -> dict:
    """A fresh copy of the shipped lexicon document, to break."""
    return json.loads(DEFAULT_LEXICON.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extract(model):
    def run(text: str) -> list[dict]:  # every event of the text as one article
        [outcome] = extract_batch(model, [{"article_id": "t", "text": text, "origin": "t:1"}])
        assert outcome.error_type is None, outcome.error_message
        return outcome.events

    return run


def _of_type(events: list[dict], etype: str) -> list[dict]:
    return [e for e in events if e["event_type"] == etype]


def _texts(participants: list[dict]) -> set[str]:
    return {p["text"] for p in participants}


# reported obligations, wishes of another's act, and reported judgements: the speaker's (or
# the wisher's) event on the party obliged, wished of or judged; the reported act itself (a
# withdrawal, a halt) is no event of its own
@pytest.mark.parametrize(
    "text, etype, trigger, actor, recipient",
    [
        # reported obligations
        (
            "All parties should exercise restraint, Hua Chunying said.",
            "REQUEST",
            "should exercise",
            {"Hua Chunying"},
            {"parties"},
        ),
        (
            "The Labour party said the Liberal Democrats needed to explain their plan.",
            "REQUEST",
            "needed to explain",
            {"Labour party"},
            {"Liberal Democrats"},
        ),
        (  # a negated obligation is still an asserted demand
            "Angela Merkel said Greece should not leave the euro.",
            "REQUEST",
            "should not leave",
            {"Angela Merkel"},
            {"Greece"},
        ),
        # wishes of another's act
        (
            "The United States wants Iran to halt its nuclear programme.",
            "REQUEST",
            "halt",
            {"United States"},
            {"Iran"},
        ),
        (
            "Labour wants the government to withdraw the bill.",
            "REQUEST",
            "withdraw",
            {"Labour"},
            {"government"},
        ),
        (
            "The president wishes to see the troops withdraw from Iraq.",
            "REQUEST",
            "withdraw",
            {"president"},
            {"troops"},
        ),
        (
            "The minister wants to see a withdrawal of Russian troops.",
            "REQUEST",
            "withdrawal",
            {"minister"},
            {"Russian troops"},
        ),
        # reported judgements
        (
            "The opposition said the president was corrupt.",
            "ACCUSE",
            "was corrupt",
            {"opposition"},
            {"president"},
        ),
        (
            "The ministry said the allegations by the rebels were baseless.",
            "REJECT",
            "were baseless",
            {"ministry"},
            {"rebels"},
        ),
        # judgements weighed by the valences of their predicate, and by labelling
        (
            "The union said the minister was woefully out of touch with workers.",
            "ACCUSE",
            "was woefully",
            {"union"},
            {"minister"},
        ),
        (
            "The opposition said the government was a disgrace.",
            "ACCUSE",
            "was a disgrace",
            {"opposition"},
            {"government"},
        ),
        (
            "The minister said the rebels were behind the attack.",
            "ACCUSE",
            "were behind the attack",
            {"minister"},
            {"rebels"},
        ),
        (
            "The senator described the president as reckless and dangerous.",
            "ACCUSE",
            "described the president as reckless and dangerous",
            {"senator"},
            {"president"},
        ),
        # 'the pair' refers back to two people: a party judged
        (
            'The federation said excuses from the pair were "unacceptable".',
            "REJECT",
            'were "unacceptable',
            {"federation"},
            {"pair"},
        ),
    ],
)
def test_reported_demand_or_judgement_of_a_party_is_its_event(
    extract, text, etype, trigger, actor, recipient
):
    events = extract(text)
    [e] = _of_type(events, etype)
    assert not _of_type(events, "RETREAT") and not _of_type(events, "THREATEN")
    assert (e["trigger"]["text"], e["negated"]) == (trigger, False)
    assert (_texts(e["actor"]), _texts(e["recipient"])) == (actor, recipient)


def test_wish_of_a_pronoun_without_antecedent_is_a_demand_without_actor(extract):
    [e] = extract("He wants to see a phased withdrawal of UK troops, he said in London.")
    assert (e["event_type"], e["actor"]) == ("REQUEST", [])
    assert _texts(e["recipient"]) == {"UK troops"}


@pytest.mark.parametrize(
    "text, etype",
    [
        # obligations that are no demand
        ("Prices must fall, the minister said.", "REQUEST"),  # no party obliged
        ("We must act now, the president said.", "REQUEST"),  # the speaker's own side
        ("The minister said the deal should be signed next week.", "REQUEST"),  # passive
        ("The state news agency said the minister must resign.", "REQUEST"),  # an outlet
        ("The minister should resign.", "REQUEST"),  # no one says it
        # wishes that are no demand
        ("Iran wants to build a reactor.", "REQUEST"),  # its own act
        ("The minister does not want to see a withdrawal of the troops.", "REQUEST"),  # negated
        # judgements that are no event of any type (None)
        ("The minister said the weather was appalling.", None),  # no party judged
        ("The minister said the plan was not unfair.", None),  # negated
        ("The president was corrupt.", None),  # no one says it
        ("The minister said he was disappointed.", None),  # a feeling, not a judgement
        ("The minister said the government was not a disaster.", None),  # negated
        ("The coach said the weather was a disaster.", None),  # no party judged
        ("He described the minister as a good friend.", None),  # no blame
        ("The minister said the rebels were strong despite bad polls.", None),  # outweighed
    ],
)
def test_reported_obligation_wish_or_judgement_that_is_no_event(extract, text, etype):
    events = extract(text)
    assert (_of_type(events, etype) if etype else events) == []


@pytest.mark.parametrize(
    "section, change, message",
    [
        ("obligation", lambda o: o.update(reason=""), "no reason"),
        ("obligation", lambda o: o.update(type="DEMAND"), "DEMAND"),
        ("obligation", lambda o: o.update(type=None), "needs a type"),
        ("obligation", lambda o: o.update(aux=[], governors=[]), "aux or governors"),
        ("wishes", lambda w: w.update(reason=""), "no reason"),
        ("wishes", lambda w: w.update(type="DEMAND"), "DEMAND"),
        ("wishes", lambda w: w.update(type=None), "needs a type"),
        ("wishes", lambda w: w.update(governors=[]), "needs governors"),
        ("evaluations", lambda v: v.update(reason=""), "no reason"),
        ("evaluations", lambda v: v["words"].update(wrong={"type": None}), "each with a type"),
        ("evaluations", lambda v: v.update(copulas=[]), "needs copulas"),
        ("evaluations", lambda v: v["valences"].update(reason=""), "valences: no reason"),
        ("evaluations", lambda v: v["valences"].update(max_valence=1), "negative number"),
        ("evaluations", lambda v: v["valences"].update(type="BLAME"), "BLAME"),
        ("valences", lambda v: v.clear(), "needs the valences section"),
        ("valences", lambda v: v.update(bad="x"), "word -> number"),
    ],
)
def test_obligation_wishes_and_evaluations_sections_are_validated(section, change, message):
    bad = _shipped()
    change(bad[section])
    with pytest.raises(LexiconError, match=message):
        parse_lexicon(bad)


# subjects of gerunds
@pytest.mark.parametrize(
    "text, actor, recipient",
    [
        ("Police arrested the activist for attacking two soldiers.", "activist", "two soldiers"),
        ("The rebels were accused of shelling the town.", "rebels", "town"),
        ("Prosecutors charged the officer with murdering a protester.", "officer", "protester"),
    ],
)
def test_gerund_after_a_preposition_has_the_object_as_actor(extract, text, actor, recipient):
    [e] = _of_type(extract(text), "ASSAULT")
    assert _texts(e["actor"]) == {actor}
    assert _texts(e["recipient"]) == {recipient}


def test_gerund_of_a_passive_clause_has_the_inherited_subject_as_actor(extract):
    text = "Officials say the girl faces prison after being indicted for assaulting a soldier."
    [e] = _of_type(extract(text), "ASSAULT")
    assert _texts(e["actor"]) == {"girl"}


def test_adverbial_gerund_has_the_clause_subject_as_actor(extract):
    events = extract("After meeting the envoy, the minister condemned the attack.")
    [e] = [e for e in events if e["trigger"]["lemma"] == "meet"]
    assert _texts(e["actor"]) == {"minister"}
    assert _texts(e["recipient"]) == {"envoy"}


def test_a_counted_object_of_another_sense_is_no_event(extract):
    # the sense restriction looks through the amount, as the recipient does
    assert extract("Reuters delivered £234m of cuts.") == []
    [e] = _of_type(extract("The government delivered $5m of food aid to the refugees."), "AID")
    assert _texts(e["recipient"]) == {"refugees"}


# nominal acts of force
def test_nominal_arrest_with_its_target_needs_no_actor(extract):
    [e] = _of_type(extract("The arrest of the opposition leader sparked anger."), "COERCE")
    assert e["actor"] == []
    assert _texts(e["recipient"]) == {"opposition leader"}


def test_nominal_attack_on_a_party(extract):
    [e] = _of_type(extract("The attack on the Israeli embassy was condemned."), "ASSAULT")
    assert "Israeli embassy" in _texts(e["recipient"])


def test_nominal_cooperation_still_needs_an_actor(extract):
    # the 'of' phrase of a cooperative noun is its actor, and without one there is no event
    [e] = _of_type(extract("The visit of the Japanese prime minister ended."), "CONSULT")
    assert "Japanese prime minister" in _texts(e["actor"])
    assert _of_type(extract("The meeting ended late."), "CONSULT") == []


def test_nominal_force_on_a_thing_is_no_event(extract):
    assert _of_type(extract("The war on drugs continues."), "ASSAULT") == []
    assert _of_type(extract("He suffered a heart attack."), "ASSAULT") == []


# weapons tests
@pytest.mark.parametrize(
    "text, actor",
    [
        ("North Korea tested two ballistic missiles on Friday.", "North Korea"),
        ("This is the 15th North Korean missile test this year.", "North Korean"),
        ("Iran conducted a missile test near Semnan.", "Iran"),
        ("India carried out a nuclear test.", "India"),
    ],
)
def test_weapons_test_is_mobilize(extract, text, actor):
    [e] = _of_type(extract(text), "MOBILIZE")
    assert actor in _texts(e["actor"])


@pytest.mark.parametrize(
    "text",
    [
        "Apple tested its new phone in China.",
        "The hospital conducted a drug test on the patients.",
        "Germany passed the stress test.",
    ],
)
def test_other_tests_are_no_event(extract, text):
    assert extract(text) == []


def test_noun_modifier_synset_is_validated():
    bad = _shipped()
    bad["nouns"]["test"]["requires_object"] = ["&gadget"]
    with pytest.raises(LexiconError, match="gadget"):
        parse_lexicon(bad)


def test_converter_puts_override_patterns_first():
    verbs = "####### SYNONYM SETS #######\n&ARMS\n+MISSILE\n####### VERB PATTERNS #######\n"
    verbs += "---  TRY   [---]  ---\nTEST\n- * RESULT   [---]   # TEST\n"
    overrides = {
        "types": {"MOBILIZE": {"quad_class": 4}},
        "overrides": [
            {
                "reason": "weapons tests",
                "verb_patterns": {"test": [{"object": "&arms", "type": "MOBILIZE"}]},
            }
        ],
    }
    doc, _ = convert(verbs.splitlines(), ["15: MOBILIZE"], [], [], overrides)
    patterns = doc["verb_patterns"]["test"]
    assert patterns[0] == {"object": "&arms", "type": "MOBILIZE", "override": "weapons tests"}
    assert patterns[1]["type"] is None  # the derived other sense stays, after it
    lex = parse_lexicon(doc)
    assert lex.verb_patterns["test"]["&arms"][0].entry.override


# event nouns derived from the verbs
def test_noun_forms_follow_english_spelling():
    assert {"killing", "killer"} & noun_forms("kill") == {"killing"}
    assert {"seizure", "seizing"} <= noun_forms("seize")
    assert "kidnapping" in noun_forms("kidnap")
    assert "invasion" in noun_forms("invade")
    assert "deportation" in noun_forms("deport")


def test_derived_nouns_come_from_verbs_that_name_their_act():
    verbs = {
        "kill": {"type": "ASSAULT", "override": "x"},
        "seize": {"type": "COERCE", "mode": "seize", "cameo": "1711"},
        "probe": {"type": "ACCUSE", "mode": "investigate"},
        "fund": {"type": "AID"},  # cooperation: not derived
        "destroy": {"type": "ASSAULT", "needs_target": True},  # a loose block synonym
    }
    english = frozenset({"killing", "seizure", "probation", "funding", "destroying"})
    spec = {"quad_classes": [3, 4], "exclude": [{"nouns": ["probation"], "reason": "r"}]}
    quads = {"ASSAULT": 4, "COERCE": 4, "ACCUSE": 3, "AID": 2}
    out = derive_nouns(verbs, english, spec, quads, known=set())
    assert out == {
        "killing": {"type": "ASSAULT", "derived_from": "kill"},
        "seizure": {"type": "COERCE", "mode": "seize", "derived_from": "seize"},
    }
    assert "killing" not in derive_nouns(verbs, english, spec, quads, known={"killing"})


def test_converter_derives_nouns_only_with_a_reason():
    verbs = "####### SYNONYM SETS #######\n&X\n+Y\n####### VERB PATTERNS #######\n"
    verbs += "---  KIDNAP   [181]  ---\nKIDNAP\nABDUCT\n"
    overrides = {
        "types": {"COERCE": {"quad_class": 4}},
        "overrides": [{"reason": "names its act alone", "verbs": {"kidnap": {"type": "COERCE"}}}],
        "deverbal_nouns": {"quad_classes": [4], "reason": "conflict nouns", "exclude": []},
    }
    english = frozenset({"kidnapping", "abduction"})
    doc, counts = convert(verbs.splitlines(), ["18: COERCE"], [], [], overrides, english)
    assert doc["nouns"]["kidnapping"]["type"] == "COERCE"
    assert "abduction" not in doc["nouns"]  # CAMEO's derived verb needs a target
    assert counts["derived_nouns"] == 1 and "deverbal_nouns" not in doc
    without = convert(verbs.splitlines(), ["18: COERCE"], [], [], overrides)[0]
    assert "kidnapping" not in without.get("nouns", {})
    overrides["deverbal_nouns"]["exclude"] = [{"nouns": ["kidnapping"]}]
    with pytest.raises(ConvertError, match="reason"):
        convert(verbs.splitlines(), ["18: COERCE"], [], [], overrides, english)


def test_derived_noun_with_its_target_is_an_event(extract):
    [e] = _of_type(
        extract("The killing of three protesters in Lagos angered the unions."), "ASSAULT"
    )
    assert e["trigger"]["lemma"] == "killing" and _texts(e["recipient"]) == {
        "three protesters in Lagos"
    }
    [e] = _of_type(extract("Iran's seizure of the British tanker was condemned."), "COERCE")
    assert [p["canonical"] for p in e["actor"]] == ["Iran"]
    assert _of_type(extract("The shooting of the film ended in May."), "ASSAULT") == []


def test_partitive_of_a_pronoun_does_not_resolve_itself_without_end(extract):
    # "many of them" as a subject: resolving "them" asked for the sentence's subjects, which
    # gave "many of them" again (a RecursionError made the article a dead letter)
    assert extract("Many of them accused the airline of lying.") == []


def test_the_act_a_demand_asks_for_is_no_event_of_its_own(extract):
    events = extract("The EU called on Turkey to release the jailed activists.")
    assert [e["event_type"] for e in events] == ["REQUEST"]
    assert _texts(events[0]["recipient"]) == {"Turkey"}


def test_a_quantity_object_gives_the_people_it_counts(extract):
    [e] = _of_type(extract("Police detained dozens of protesters in Minsk."), "COERCE")
    assert _texts(e["recipient"]) == {"protesters"}


def test_receiving_is_hosting_only_a_party(extract):
    [e] = _of_type(extract("Putin received the Indian prime minister."), "CONSULT")
    assert _texts(e["recipient"]) == {"Indian prime minister"}
    assert extract("Prince Charles liked the treatment he received at the clinic.") == []


def test_suspecting_a_party_is_an_accusation(extract):
    [e] = _of_type(
        extract("The opposition leader said he suspected the army of vote rigging."), "ACCUSE"
    )
    assert e["trigger"]["lemma"] == "suspect"
    assert extract("I suspect it will rain.") == []


# an act of force as the subject of a verb of force: the act killed, its actor is unsaid
@pytest.mark.parametrize(
    "text, recipient",
    [
        ("A suicide bombing killed 20 people.", "20 people"),
        ("The attack wounded five soldiers.", "five soldiers"),
    ],
)
def test_act_of_force_as_subject_is_an_assault_without_actor(extract, text, recipient):
    [e] = _of_type(extract(text), "ASSAULT")
    assert (e["actor"], _texts(e["recipient"])) == ([], {recipient})


@pytest.mark.parametrize(
    "text",
    [
        "The derailment killed seven passengers.",  # an accident, no event noun of force
        "The storm killed five people.",
    ],
)
def test_accident_as_subject_of_a_verb_of_force_is_no_event(extract, text):
    assert extract(text) == []


# the members of CAMEO's block of criticising (111) are verbs of blame on their own
def test_verb_of_the_denouncing_block_is_blame_of_a_party(extract):
    [e] = extract("The court rebuked the government for the delay.")
    assert (e["event_type"], _texts(e["actor"]), _texts(e["recipient"])) == (
        "ACCUSE",
        {"court"},
        {"government"},
    )
    assert extract("She lectured at the university.") == []  # kept out: another sense


def test_the_one_accused_by_a_clause_is_its_subject(extract):
    [e] = extract("The senator said he suspected the Tories were trying to win over older voters.")
    assert (e["event_type"], _texts(e["recipient"])) == ("ACCUSE", {"Tories"})
