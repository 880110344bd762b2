"""The event evaluation harness: scoring and the command on a small gold file."""

from __future__ import annotations

import json

from pipelines.evaluate.__main__ import main as evaluate_main
from pipelines.evaluate.events import participant_matches, score

GOLD = [
    {
        "id": "g1",
        "text": "Peru and Chile signed a fisheries agreement on Monday.",
        "event": "AGREE",
        "actor": [{"text": "Peru"}, {"text": "Chile"}],
        "recipient": [],
    },
    {
        "id": "g2",
        "text": "Kenyan police arrested twelve Somali traders in Nairobi.",
        "event": "COERCE",
        "actor": [{"text": "Kenyan police"}],
        "recipient": [{"text": "Somali traders"}],
    },
]


def event(etype, actor=(), recipient=(), confidence=0.5):
    as_p = lambda names: [{"text": n, "canonical": n} for n in names]  # noqa: E731
    return {
        "event_type": etype,
        "actor": as_p(actor),
        "recipient": as_p(recipient),
        "confidence": confidence,
    }


def test_participant_overlap_ignores_function_words():
    assert participant_matches([{"text": "the Kenyan police"}], [{"text": "Kenyan police"}])
    assert not participant_matches([{"text": "the police of"}], [{"text": "the army of"}])


def test_score_uses_the_best_event_of_each_sentence():
    predictions = [
        [event("AGREE", ["Peru"], confidence=0.9), event("CONSULT", ["Chile"], confidence=0.2)],
        [event("ASSAULT", ["Kenyan police"], ["traders"], confidence=0.4)],
    ]
    figures = score(GOLD, predictions).figures
    assert figures["type_accuracy"] == 0.5
    assert figures["actor_match"] == 1.0
    assert figures["recipient_match"] == 1.0
    assert figures["type"]["recall"] == 0.5
    assert figures["type"]["precision"] == 1 / 3
    assert figures["confusion"]["COERCE"] == {"ASSAULT": 1}


def test_sentence_without_prediction_counts_as_wrong():
    figures = score(GOLD, [[], []]).figures
    assert figures["type_accuracy"] == 0.0
    assert figures["confusion"]["AGREE"] == {"-": 1}


def test_command_prints_json_for_extractor_and_baseline(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(g) for g in GOLD) + "\n", encoding="utf-8")
    assert evaluate_main(["events", "--gold", str(gold), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["extractor"]["sentences"] == 2
    assert doc["extractor"]["type_accuracy"] == 1.0
    assert doc["extractor"]["actor_match"] == 1.0
    assert set(doc["baseline"]) >= {"type_accuracy", "actor_match", "recipient_match"}


def test_command_prints_a_table(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD[0]) + "\n", encoding="utf-8")
    assert evaluate_main(["events", "--gold", str(gold)]) == 0
    out = capsys.readouterr().out
    assert "type accuracy" in out and "baseline" in out and "AGREE" in out
