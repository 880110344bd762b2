"""Actor-code scoring against gold codes, and the events-per-section figure of a corpus."""

from __future__ import annotations

import json

from pipelines.evaluate.__main__ import main as evaluate_main
from pipelines.evaluate.codes import code_errors, gold_sector, score_codes

GOLD = [
    {
        "id": "c1",
        "text": "Hungarian officials criticised Serbia.",
        "event": "ACCUSE",
        "actor": [{"text": "Hungarian officials", "code": "HUN", "sector": "GOV"}],
        "recipient": [{"text": "Serbia", "code": "SRB", "sector": None}],
    },
    {
        "id": "c2",
        "text": "Ethnic Albanian guerrillas attacked a police station.",
        "event": "ASSAULT",
        "actor": [{"text": "ethnic Albanian guerrillas", "code": "MKD", "sector": "REBalb"}],
        "recipient": [{"text": "police station", "code": None, "sector": "***"}],
    },
]


def participant(text: str, country: str | None, sector: str | None) -> dict:
    return {"text": text, "canonical": text, "country": country, "sector": sector}


def test_gold_sector_keeps_the_primary_code():
    assert gold_sector("REBalb") == "REB" and gold_sector("CVLDRZ") == "CVL"
    assert gold_sector(None) is None


def test_codes_are_scored_on_the_participants_found():
    tops = [
        {
            "actor": [participant("Hungarian officials", "HUN", "GOV")],
            "recipient": [participant("Serbia", "SRB", "GOV")],  # a sector the gold has not
        },
        {"actor": [participant("guerrillas", "ALB", "REB")], "recipient": []},
    ]
    f = score_codes(GOLD, tops)
    assert f["participants_scored"] == {"country": 3, "sector": 3}  # "***" and null code skipped
    assert f["country_accuracy"] == 2 / 3  # MKD gold, ALB predicted
    assert f["sector_accuracy"] == 2 / 3  # Serbia has no sector in the gold
    assert f["country_accuracy_all"] == 2 / 3
    assert code_errors(GOLD[0], tops[0]) == [
        {"gold": ["Serbia", "SRB", None], "predicted": ["Serbia", "SRB", "GOV"]}
    ]


def test_a_participant_not_found_counts_only_in_the_all_figure():
    tops = [{"actor": [participant("Hungarian officials", "HUN", "GOV")], "recipient": []}, None]
    f = score_codes(GOLD, tops)
    assert f["country_accuracy"] == 1.0
    assert f["country_accuracy_all"] == 1 / 3


def test_a_system_without_codes_gets_no_figure():
    tops = [{"actor": [{"text": "Hungarian officials", "canonical": "x"}], "recipient": []}, None]
    assert score_codes(GOLD, tops)["country_accuracy"] is None


def test_events_command_prints_code_figures(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(g) + "\n" for g in GOLD), encoding="utf-8")
    assert evaluate_main(["events", "--gold", str(gold), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["extractor"]["country_accuracy"] is not None
    assert doc["baseline"]["country_accuracy"] is None
    assert evaluate_main(["events", "--gold", str(gold)]) == 0
    assert "country accuracy" in capsys.readouterr().out


def _article(folder, name: str, title: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def test_sections_command_counts_events_per_thousand_sentences(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    _article(
        corpus / "politics",
        "001.txt",
        "Talks",
        "The Japanese government signed a trade agreement with Australia on Monday. Officials "
        "in Tokyo said the agreement would cut tariffs on beef and cars over ten years. The "
        "opposition criticised the deal in parliament.",
    )
    _article(
        corpus / "sport",
        "001.txt",
        "Match report",
        "The home side played well in the first half of the match on Saturday afternoon. The "
        "crowd enjoyed a sunny day at the ground and the players thanked their supporters for "
        "the long journey to the stadium.",
    )
    _article(corpus / "sport", "002.txt", "Too short", "Two words.")
    assert evaluate_main(["sections", "--corpus", str(corpus), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)["sections"]
    assert doc["politics"]["articles"] == 1 and doc["politics"]["sentences"] == 3
    assert doc["politics"]["events"] >= 1 and doc["politics"]["share_of_politics"] == 1.0
    assert doc["sport"]["articles"] == 1 and doc["sport"]["rejected_files"] == 1
    rate = doc["politics"]["events_per_1000_sentences"]
    assert rate == 1000 * doc["politics"]["events"] / 3
    assert evaluate_main(["sections", "--corpus", str(corpus), "--per_section", "1"]) == 0
    assert "per 1,000" in capsys.readouterr().out
    assert evaluate_main(["sections", "--corpus", str(tmp_path / "none")]) == 2
    assert evaluate_main(["sections", "--corpus", str(corpus), "--reference", "news"]) == 2
