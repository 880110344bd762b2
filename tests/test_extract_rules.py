"""Rule families of the extractor, each on sentences of its own."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.extract.model import extract_batch
from pipelines.extract.temporal import resolve_date

PUBLISHED = dt.datetime(2025, 10, 29, 8, 0, tzinfo=dt.UTC)  # a Wednesday


@pytest.fixture(scope="module")
def extract(model):
    def run(text: str) -> list[dict]:
        art = {"article_id": "t", "text": text, "published_at": PUBLISHED, "origin": "t:1"}
        [outcome] = extract_batch(model, [art])
        assert outcome.error_type is None, outcome.error_message
        return outcome.events

    return run


def one(events: list[dict], etype: str) -> dict:
    found = [e for e in events if e["event_type"] == etype]
    assert found, [(e["event_type"], e["trigger"]["text"]) for e in events]
    return max(found, key=lambda e: e["confidence"])


def names(participants: list[dict]) -> set[str]:
    return {p["canonical"] for p in participants}


# phrasal and light-verb triggers
def test_phrasal_hand_over(extract):
    e = one(extract("Kenyan police handed over the suspects to Uganda."), "AID")
    assert e["trigger"]["lemma"] == "hand over"
    assert "Uganda" in names(e["recipient"])


def test_phrasal_call_for(extract):
    e = one(extract("Opposition leaders in Caracas called for new elections."), "REQUEST")
    assert e["trigger"]["lemma"] == "call for"


@pytest.mark.parametrize(
    "text, lemma",
    [
        ("The mayor of Lagos pleaded for calm after the riots.", "plead for"),
        ("The Liberal Democrats have argued for flexibility in the rules.", "argue for"),
    ],
)
def test_pleading_for_anything_is_a_request(extract, text, lemma):
    # "argue" is a speech verb: its phrasal sense is looked up before its clause is speech
    assert one(extract(text), "REQUEST")["trigger"]["lemma"] == lemma


def test_a_speech_verb_without_for_stays_speech(extract):
    assert extract("The minister argued that the plan would fail.") == []


def test_light_verb_pay_tribute(extract):
    e = one(extract("The Canadian prime minister paid tribute to Nelson Mandela."), "SUPPORT")
    assert e["trigger"]["text"] == "paid tribute"
    assert "Nelson Mandela" in names(e["recipient"])


def test_support_verb_carry_out_attack(extract):
    e = one(extract("Rebels carried out an attack on an army base near Goma."), "ASSAULT")
    assert e["trigger"]["lemma"] == "carry attack"
    assert "Rebels" in {p["text"] for p in e["actor"]}


def test_support_verb_sign_agreement(extract):
    e = one(extract("Peru and Chile signed an agreement on fishing rights."), "AGREE")
    assert names(e["actor"]) == {"Peru", "Chile"}


# passives
def test_passive_agent_is_the_actor(extract):
    e = one(extract("The convoy was attacked by Houthi fighters on Monday."), "ASSAULT")
    assert "Houthi fighters" in {p["text"] for p in e["actor"]}
    assert "convoy" in {p["text"] for p in e["recipient"]}


def test_passive_without_agent_keeps_the_victim(extract):
    e = one(extract("Two Kurdish journalists were arrested in Diyarbakir."), "COERCE")
    assert e["actor"] == []
    assert "Two Kurdish journalists" in {p["text"] for p in e["recipient"]}


@pytest.mark.parametrize(
    "text, victim",
    [
        ("After being arrested in Cairo, the activist was released.", "activist"),
        ("The man who was arrested by police in Cairo was released.", "man"),
    ],
)
def test_a_passive_without_its_own_subject_acts_on_the_one_it_inherits(extract, text, victim):
    # a passive gerund takes its clause's subject, a passive relative clause its noun
    assert names(one(extract(text), "COERCE")["recipient"]) == {victim}


def test_withdrawing_a_persons_papers_is_coercion_not_retreat(extract):
    events = extract("The ministry withdrew the passports of three journalists.")
    assert {e["event_type"] for e in events} == {"COERCE"}
    assert names(one(events, "COERCE")["recipient"]) == {"three journalists"}
    assert one(extract("Russia withdrew its troops from the border."), "RETREAT")


def test_the_owner_of_a_thing_acted_on_is_the_recipient(extract):
    e = one(extract("Soldiers burned the villagers' houses on Monday."), "COERCE")
    assert names(e["recipient"]) == {"villagers"}


# coordination
def test_coordinated_subjects_are_all_actors(extract):
    e = one(extract("Egypt and Qatar condemned the attack on the embassy."), "ACCUSE")
    assert names(e["actor"]) == {"Egypt", "Qatar"}


def test_coordinated_objects_are_all_recipients(extract):
    e = one(extract("Washington imposed sanctions on Iran and Syria."), "SANCTION")
    assert names(e["recipient"]) >= {"Iran"}


# apposition and aliases
def test_apposition_gives_the_name(extract):
    text = "Germany's new chancellor, Friedrich Merz, praised Poland for its support."
    e = one(extract(text), "SUPPORT")
    assert names(e["actor"]) == {"Friedrich Merz"}


def test_surname_resolves_to_full_name(extract):
    text = (
        "Kenyan President William Ruto arrived in Addis Ababa on Monday. "
        "Ruto met Ethiopian Prime Minister Abiy Ahmed at the palace."
    )
    [e] = [e for e in extract(text) if e["trigger"]["text"] == "met"]
    assert e["event_type"] == "CONSULT"
    assert names(e["actor"]) == {"William Ruto"}
    assert names(e["recipient"]) == {"Abiy Ahmed"}


def test_the_two_leaders_are_the_people_named_before(extract):
    text = (
        "Lula da Silva welcomed Emmanuel Macron in Brasilia. "
        "The two leaders signed a deal on the Amazon."
    )
    e = one(extract(text), "AGREE")
    assert names(e["actor"]) == {"Lula da Silva", "Emmanuel Macron"}


def test_pronoun_resolves_to_the_salient_person(extract):
    text = "Angela Rayner visited Belfast. She praised Irish negotiators."
    e = one(extract(text), "SUPPORT")
    assert names(e["actor"]) == {"Angela Rayner"}


# nominal events
def test_nominal_talks_between_parties(extract):
    text = "The talks between Armenia and Azerbaijan ended without result."
    e = one(extract(text), "CONSULT")
    assert names(e["actor"]) == {"Armenia", "Azerbaijan"}
    assert e["trigger"]["text"] == "talks"


def test_nominal_event_without_actors_is_skipped(extract):
    assert extract("The ceasefire held for a second night.") == []


# dates
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on Tuesday", dt.date(2025, 10, 28)),
        ("Wednesday", dt.date(2025, 10, 29)),
        ("last week", dt.date(2025, 10, 22)),
        ("yesterday", dt.date(2025, 10, 28)),
        ("in 1988", dt.date(1988, 1, 1)),
        ("August 13", dt.date(2025, 8, 13)),
        ("December 3", dt.date(2024, 12, 3)),
        ("5 May 2021", dt.date(2021, 5, 5)),
        ("three days ago", dt.date(2025, 10, 26)),
        ("the same day", None),
    ],
)
def test_resolve_date(text, expected):
    assert resolve_date(text, PUBLISHED) == expected


def test_relative_date_needs_publication_date():
    assert resolve_date("on Tuesday", None) is None
    assert resolve_date("in 1988", None) == dt.date(1988, 1, 1)


def test_event_date_from_the_sentence(extract):
    e = one(extract("Pakistan rejected the Indian proposal on Tuesday."), "REJECT")
    assert e["event_date"] == dt.date(2025, 10, 28)
    assert e["date_text"] == "Tuesday"


# modality
def test_plans_to_is_planned(extract):
    e = one(extract("Norway plans to recognize the Palestinian state."), "SUPPORT")
    assert e["modality"] == "planned"


def test_will_is_expected(extract):
    e = one(extract("Japan is expected to send aid to the Philippines."), "AID")
    assert e["modality"] in {"expected", "planned"}


def test_reported_speech_is_reported(extract):
    text = "Officials said the Iraqi army had arrested five smugglers."
    e = one(extract(text), "COERCE")
    assert e["modality"] == "reported"


def test_conditional_future_action_is_a_threat(extract):
    text = "Turkey will close its border with Syria unless the shelling stops."
    e = one(extract(text), "THREATEN")
    assert "Turkey" in names(e["actor"])


def test_future_promise_of_cooperation_is_an_agreement(extract):
    text = "Chile said it would release the detained fishermen next week."
    e = one(extract(text), "AGREE")
    assert names(e["actor"]) == {"Chile"}


def test_must_in_reported_speech_is_a_request(extract):
    text = "The French foreign minister said Russia must withdraw its troops from Georgia."
    e = one(extract(text), "REQUEST")
    assert "Russia" in names(e["recipient"])


# negation
def test_did_not_sign_is_negated(extract):
    e = one(extract("Hungary did not sign the declaration on Ukraine."), "AGREE")
    assert e["negated"] is True


def test_refused_to_meet_is_a_rejection_not_a_meeting(extract):
    events = extract("The Serbian president refused to meet the Kosovo delegation.")
    best = max(events, key=lambda e: e["confidence"])
    assert best["event_type"] == "REJECT"
    meet = [e for e in events if e["event_type"] == "CONSULT"]
    assert all(e["negated"] for e in meet)


def test_asserted_event_is_not_negated(extract):
    e = one(extract("Brazil signed the treaty in Geneva."), "AGREE")
    assert e["negated"] is False and e["modality"] == "asserted"
