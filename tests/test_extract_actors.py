"""Actor codes: the converter on inline dictionary fixtures, the loader's checks, the coder
on names, adjectives, cities, agents and organisations, dates, and roles from apposition."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipelines.extract.actor_dictionaries import convert, main, phrase_words, split_code, write
from pipelines.extract.actors import (
    ActorCode,
    ActorCoder,
    ActorDictionaryError,
    load_actor_index,
    parse_actor_index,
    resolve,
)
from pipelines.extract.model import extract_batch

COUNTRIES = """\
# comment line
JAPAN_  [JPN]
+JAPANESE_
+TOKYO_ # the capital
+THE_LAND_OF_THE_RISING_SUN_

ALGERIA_  [ALG]
+ALGERIAN_

AZERBAIJANI_
\t[USR <911018]
\t[AZE >911018]

SHINZO_ABE_  # CountryInfo.txt
\t[JPNELI 720101-051201]
\t[JPNGOV 20060926-20070926]
\t[JPNELI]
FORGOTTEN_NAME_
\t[---]
IVORY_COAST_ [CIV]
TALIBAN_ [AFGREB]
US_ [USA]
+U.S.
+MAZAR-I-SHARIF_
"""
INTERNATIONAL = """\
UNITED_NATIONS_ [IGOUNO]
+THE_UN_
KOFI_ANNAN_\t[IGOUNO 970101-061231] [ELI]
AMNESTY_INTERNATIONAL_\t[NGOHRIAMN]# NGO_Actors
"""
AGENTS = """\
!PERSON! = MAN, MEN, WOMAN, WOMEN
REBEL [~REB]
PRIME_MINISTER [~GOVPRS]
FORMER_PRIME_MINISTER [~ELI]
POLICE {} [~COP]
THIEF {THIEVES} [~CRM]
CONGRESS!PERSON! [~LEG]
ARMY [~MIL]
HUMAN_RIGHTS_BODY  [NGO~]
AUTHORITY [~GOV]
HUMAN_RIGHTS_ACTIVIST [~HRI]
BROKEN LINE WITHOUT CODE
"""


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dictionaries")
    for name, text in {
        "countries.txt": COUNTRIES,
        "international.txt": INTERNATIONAL,
        "agents.txt": AGENTS,
    }.items():
        (folder / name).write_text(text, encoding="utf-8")
    doc, stats = convert(
        [folder / "countries.txt", folder / "international.txt"], folder / "agents.txt"
    )
    return folder, doc, stats


@pytest.fixture(scope="module")
def coder(converted):
    _, doc, _ = converted
    return ActorCoder(parse_actor_index(json.loads(json.dumps(doc)), {}))


def _codes(doc: dict, phrase: str) -> list:
    return doc["codes"][doc["actors"][phrase]]


def test_converter_reads_records_synonyms_and_date_restrictions(converted):
    _, doc, stats = converted
    assert _codes(doc, "japan") == _codes(doc, "tokyo") == [["JPN", None, None, None]]
    assert _codes(doc, "land of the rising sun") == [["JPN", None, None, None]]  # "the" dropped
    assert _codes(doc, "shinzo abe") == [
        ["JPN", "ELI", 19720101, 20051201],  # YYMMDD: 72 -> 1972, 05 -> 2005
        ["JPN", "GOV", 20060926, 20070926],
        ["JPN", "ELI", None, None],
    ]
    assert _codes(doc, "azerbaijani") == [
        ["USR", None, None, 19911018],
        ["AZE", None, 19911018, None],
    ]
    assert _codes(doc, "kofi annan") == [
        ["IGO", None, 19970101, 20061231],
        [None, "ELI", None, None],
    ]
    assert _codes(doc, "amnesty international") == [["NGO", "HRI", None, None]]
    assert "forgotten name" not in doc["actors"]  # only a null code
    assert stats.counts["null codes"] == 1
    assert _codes(doc, "mazar i sharif") == [["USA", None, None, None]]  # hyphens split words


def test_converter_expands_agent_plurals_and_substitutions(converted):
    _, doc, stats = converted
    agents = doc["agents"]
    assert agents["rebel"] == agents["rebels"] == [None, "REB"]
    assert agents["prime minister"] == agents["prime ministers"] == [None, "GOV"]
    assert agents["police"] == [None, "COP"] and "polices" not in agents  # {}: no plural
    assert agents["thieves"] == [None, "CRM"] and "thiefs" not in agents  # irregular plural
    assert agents["congresswomen"] == agents["congressman"] == [None, "LEG"]
    assert agents["authorities"] == [None, "GOV"]  # Y -> IES
    assert agents["human rights body"] == ["NGO", None]  # NGO~ stands where a country does
    assert stats.counts["agent lines without one valid code dropped"] == 1
    assert "ELI" in doc["sectors"] and "JPN" in doc["countries"] and "IGO" in doc["countries"]


def test_converter_command_writes_a_loadable_gzip_file(converted, tmp_path, capsys):
    folder, doc, _ = converted
    out = tmp_path / "actors.json.gz"
    args = ["--actors", str(folder / "countries.txt"), "--agents", str(folder / "agents.txt")]
    assert main([*args, "--output", str(out)]) == 0
    assert "actor phrases" in capsys.readouterr().out
    first = out.read_bytes()
    assert main([*args, "--output", str(out)]) == 0 and out.read_bytes() == first  # reproducible
    index = load_actor_index(str(out), str(_overrides(tmp_path, {})))
    assert ActorCoder(index).code_text("Japan").country == "JPN"
    assert main(["--actors", str(tmp_path / "missing.txt"), *args[2:], "--output", str(out)]) == 2
    write(doc, tmp_path / "plain.json")
    assert json.loads((tmp_path / "plain.json").read_text())["format"] == 1


def _overrides(folder, agents: dict):
    path = folder / "overrides.json"
    path.write_text(json.dumps({"agents": agents}), encoding="utf-8")
    return path


def test_split_code_and_words():
    countries, sectors = {"JPN", "IGO"}, {"GOV", "ELI", "JUD"}
    assert split_code("JPNGOV", countries, sectors) == ("JPN", "GOV")
    assert split_code("IGOUNOJUDICJ", countries, sectors) == ("IGO", "JUD")
    assert split_code("ELI", countries, sectors) == (None, "ELI")
    assert phrase_words("U.N._SECURITY_COUNCIL") == ["u.n.", "security", "council"]
    assert phrase_words("CHILDREN'S_FUND") == ["children", "'s", "fund"]


def test_dates_choose_the_code_of_the_time():
    abe = (
        ("JPN", "ELI", 19720101, 20051201),
        ("JPN", "GOV", 20060926, 20070926),
        ("JPN", "ELI", None, None),
    )
    assert resolve(abe, 20070101) == ActorCode("JPN", "GOV")
    assert resolve(abe, 20251028) == ActorCode("JPN", "ELI")  # the unrestricted code
    assert resolve(abe, None) == ActorCode("JPN", None)  # no date: roles disagree
    azerbaijani = (("USR", None, None, 19911018), ("AZE", None, 19911018, None))
    assert resolve(azerbaijani, 19900101).country == "USR"
    assert resolve(azerbaijani, None).country == "AZE"  # the latest range
    ended = (("AFG", "GOV", 19790916, 19791227),)
    assert resolve(ended, 20250101) == ActorCode("AFG", None)  # the country outlives the role


def test_coder_names_adjectives_cities_agents_and_organisations(coder):
    def code(text: str, head: int | None = None) -> tuple[str | None, str | None]:
        c = coder.code_tokens(text.split(), head)
        return c.country, c.sector

    assert code("Japan") == ("JPN", None)
    assert code("Tokyo") == ("JPN", None)
    assert code("Japanese rebels") == ("JPN", "REB")
    assert code("Algerians") == ("ALG", None)  # a plural adjective
    assert code("Japan 's new prime minister") == ("JPN", "GOV")
    assert code("rebels in the Ivory Coast") == ("CIV", "REB")
    assert code("prime minister Shinzo Abe") == ("JPN", "GOV")  # title, the entry's roles disagree
    assert code("the UN") == ("IGO", None)
    assert code("Amnesty International") == ("NGO", "HRI")
    assert code("Japanese authorities") == ("JPN", "GOV")
    assert code("human rights body") == ("NGO", None)
    assert code("us") == (None, None)  # the pronoun is not the country
    assert code("U.S. army") == ("USA", "MIL")
    assert code("Taliban fighters") == ("AFG", "REB")  # the modifier's sector, head uncoded


def test_publication_date_picks_the_role(converted):
    _, doc, _ = converted
    index = parse_actor_index(json.loads(json.dumps(doc)), {})
    in_office = ActorCoder(index, dt.datetime(2007, 1, 1, tzinfo=dt.UTC))
    assert in_office.code_text("Shinzo Abe") == ActorCode("JPN", "GOV")
    later = ActorCoder(index, dt.datetime(2025, 10, 28, tzinfo=dt.UTC))
    assert later.code_text("Shinzo Abe") == ActorCode("JPN", "ELI")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(format=99), "format"),
        (lambda d: d["agents"].update(rebel=[None, "XYZ"]), "unknown sector"),
        (lambda d: d["codes"].append([["JPN", "GOV", "tomorrow", None]]), "bad date"),
        (lambda d: d["actors"].update(japan=999), "malformed"),
        (lambda d: d["codes"].append([[None, None, None, None]]), "neither"),
    ],
)
def test_loader_rejects_malformed_tables(converted, change, message):
    _, doc, _ = converted
    broken = json.loads(json.dumps(doc))
    change(broken)
    with pytest.raises(ActorDictionaryError, match=message):
        parse_actor_index(broken, {})


def test_overrides_need_a_reason_and_apply(converted):
    _, doc, _ = converted
    data = json.loads(json.dumps(doc))
    with pytest.raises(ActorDictionaryError, match="reason"):
        parse_actor_index(data, {"agents": {"official": {"sector": "GOV", "reason": "short"}}})
    reason = "In news a bare official with a country is that state's government official."
    index = parse_actor_index(data, {"agents": {"officials": {"sector": "GOV", "reason": reason}}})
    assert ActorCoder(index).code_text("Japanese officials") == ActorCode("JPN", "GOV")


def test_shipped_codes_load():
    index = load_actor_index()
    assert len(index.actors) > 30_000 and len(index.agents) > 4_000
    coder = ActorCoder(index)
    assert coder.code_text("Hungarian officials") == ActorCode("HUN", "GOV")
    assert coder.code_text("rebels") == ActorCode(None, "REB")


@pytest.fixture(scope="module")
def extract(model):
    def run(text: str, published: dt.datetime | None = None) -> list[dict]:
        art = {"article_id": "t", "text": text, "published_at": published, "origin": "t:1"}
        [outcome] = extract_batch(model, [art])
        assert outcome.error_type is None, outcome.error_message
        return outcome.events

    return run


def _coded(participants: list[dict]) -> list[tuple]:
    return [(p["canonical"], p["country"], p["sector"]) for p in participants]


def test_a_role_given_once_in_the_article_carries_to_the_name_alone(extract):
    events = extract(
        "Japan's new prime minister, Sanae Takaichi, met Donald Trump in Tokyo on Tuesday.\n\n"
        "Takaichi later signed a trade agreement with the United States."
    )
    by_type = {e["event_type"]: e for e in events}
    assert _coded(by_type["CONSULT"]["actor"]) == [("Sanae Takaichi", "JPN", "GOV")]
    assert _coded(by_type["AGREE"]["actor"]) == [("Sanae Takaichi", "JPN", "GOV")]
    assert _coded(by_type["AGREE"]["recipient"]) == [("United States", "USA", None)]


def test_participants_of_events_carry_codes(extract):
    [event] = [e for e in extract("Hungarian officials accused the European Union of blackmail.")]
    assert _coded(event["actor"]) == [("Hungarian officials", "HUN", "GOV")]
    assert _coded(event["recipient"]) == [("European Union", "IGO", None)]
    rebels = [e for e in extract("Rebels attacked Ugandan troops on Monday.") if e["actor"]]
    assert rebels and rebels[0]["actor"][0]["sector"] == "REB"
    assert _coded(rebels[0]["recipient"]) == [("Ugandan troops", "UGA", "MIL")]
