"""The event evaluation harness: scoring and the command on a small gold file."""

from __future__ import annotations

import json

from pipelines.evaluate.__main__ import main as evaluate_main
from pipelines.evaluate.events import participant_matches, score
from pipelines.evaluate.news_events import score_news
from pipelines.evaluate.splits import select, split_of

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


def test_splits_are_fixed_halves_by_id():
    ids = [f"s{i}" for i in range(400)]
    halves = {i: split_of(i) for i in ids}
    assert set(halves.values()) == {"tune", "check"}
    assert 150 < sum(h == "tune" for h in halves.values()) < 250
    records = [{"id": i} for i in ids]
    tune, check = select(records, "tune"), select(records, "check")
    assert len(tune) + len(check) == len(records)
    assert {r["id"] for r in tune}.isdisjoint(r["id"] for r in check)
    assert select(list(reversed(records)), "tune") == list(reversed(tune))  # order-free


NEWS = [
    {
        "id": "n1",
        "text": "Police arrested two protesters in Lima.",
        "events": [
            {
                "event": "COERCE",
                "actor": [{"text": "Police"}],
                "recipient": [{"text": "two protesters", "alternative": "protesters"}],
            }
        ],
    },
    {"id": "n2", "text": "The striker scored twice.", "events": []},
    {"id": "n3", "text": "The talks ended.", "events": []},
]


def test_news_scoring_counts_every_event_and_false_alarms():
    predictions = [
        [event("COERCE", ["police"], ["protesters"]), event("ASSAULT", ["police"])],
        [event("ASSAULT", ["The striker"])],
        [],
    ]
    figures, errors = score_news(NEWS, predictions)
    assert figures["type"]["precision"] == 1 / 3
    assert figures["type"]["recall"] == 1.0
    assert figures["type_actor_recipient"]["recall"] == 1.0
    assert figures["no_event_rate"] == 0.5
    assert [e["id"] for e in errors] == ["n1", "n2"]


def test_news_participants_must_match_for_the_full_figure():
    figures, _ = score_news(NEWS[:1], [[event("COERCE", ["army"], ["protesters"])]])
    assert figures["type"]["recall"] == 1.0
    assert figures["type_actor_recipient"]["recall"] == 0.0


def test_errors_are_never_listed_for_the_check_half(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD[0]) + "\n", encoding="utf-8")
    assert evaluate_main(["events", "--gold", str(gold), "--split", "check", "--errors"]) == 2


def test_command_reads_news_events_files(tmp_path, capsys):
    gold = tmp_path / "news.jsonl"
    gold.write_text("\n".join(json.dumps(g) for g in NEWS) + "\n", encoding="utf-8")
    assert evaluate_main(["events", "--gold", str(gold), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "news-events"
    assert doc["extractor"]["sentences"] == 3
    assert doc["extractor"]["type"]["recall"] == 1.0
