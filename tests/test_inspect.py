"""pipelines.inspect for people: filters by type, actor, country and time, and --summary."""

import copy
import datetime as dt
import json

import fastavro
import pytest
from fastavro.utils import generate_many

from pipelines import records
from pipelines.inspect import main as inspect_main
from pipelines.record_filters import Selection, parse_time

UTC = dt.UTC


def participant(name: str, country: str | None = None) -> dict:
    return {"text": name, "canonical": name, "entity_type": "PERSON", "country": country}


def event_schema_with_country() -> dict:
    """The event schema with the participants' ``country`` field (added by the actor coder;
    the copy makes the test independent of whether that change has landed)."""
    schema = copy.deepcopy(records.schema("event"))
    participant_type = next(f for f in schema["fields"] if f["name"] == "actor")["type"]["items"]
    names = {f["name"] for f in participant_type["fields"]}
    if "country" not in names:
        participant_type["fields"].append(
            {"name": "country", "type": ["null", "string"], "default": None}
        )
    return schema


EVENTS = [
    # (type, quad, actors, recipients, event date, published)
    ("PROTEST", 3, [participant("Kyiv residents", "UKR")], [], dt.date(2026, 3, 2), None),
    ("ASSAULT", 4, [participant("Russian forces", "RUS")], [participant("Kharkiv", "UKR")],
     None, dt.datetime(2026, 3, 10, 12, tzinfo=UTC)),
    ("CONSULT", 1, [participant("Sanae Takaichi", "JPN")], [participant("Donald Trump", "USA")],
     dt.date(2026, 2, 27), None),
    ("CONSULT", 1, [participant("Donald Trump", "USA")], [participant("Sanae Takaichi", "JPN")],
     dt.date(2026, 3, 31), None),
    ("AGREE", 1, [participant("Red Cross")], [], None, None),
]  # fmt: skip


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """Avro files as a run writes them: events (with countries), dead letters, duplicates."""
    folder = tmp_path_factory.mktemp("run")
    schema = fastavro.parse_schema(event_schema_with_country())
    events = []
    for base, (etype, quad, actors, recipients, day, published) in zip(
        generate_many(schema, len(EVENTS)), EVENTS, strict=True
    ):
        base.update(
            event_type=etype,
            quad_class=quad,
            actor=actors,
            recipient=recipients,
            event_date=day,
            published_at=published,
        )
        events.append(base)
    with open(folder / "events-00000-of-00001.avro", "wb") as f:
        fastavro.writer(f, schema, events)
    dead = [
        records.make_dead_letter("clean", "too_short", "7 words", "a.txt", b"x"),
        records.make_dead_letter("clean", "too_short", "3 words", "b.txt", b"y"),
        records.make_dead_letter("read", "invalid_json", "bad", "c.jsonl:1", b"{"),
    ]
    dead[2]["failed_at"] = dt.datetime(2026, 1, 1, tzinfo=UTC)
    with open(folder / "dead_letters-00000-of-00001.avro", "wb") as f:
        fastavro.writer(f, fastavro.parse_schema(records.schema("dead_letter")), dead)
    duplicate = next(generate_many(fastavro.parse_schema(records.schema("duplicate")), 1))
    with open(folder / "duplicates-00000-of-00001.avro", "wb") as f:
        fastavro.writer(f, fastavro.parse_schema(records.schema("duplicate")), [duplicate])
    return folder


def shown(run_dir, capsys, *args: str) -> list[dict]:
    assert inspect_main([str(run_dir / "*.avro"), "--json", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_no_filter_shows_every_record(run_dir, capsys):
    assert len(shown(run_dir, capsys)) == len(EVENTS) + 3 + 1


def test_type_filter_keeps_those_events_only(run_dir, capsys):
    rows = shown(run_dir, capsys, "--type", "consult", "--type", "PROTEST")
    assert sorted(r["event_type"] for r in rows) == ["CONSULT", "CONSULT", "PROTEST"]


def test_actor_filter_matches_part_of_an_actor_name_not_a_recipient(run_dir, capsys):
    rows = shown(run_dir, capsys, "--actor", "trump")
    assert [r["actor"][0]["canonical"] for r in rows] == ["Donald Trump"]


def test_country_filter_matches_actors_and_recipients(run_dir, capsys):
    rows = shown(run_dir, capsys, "--country", "ukr")
    assert sorted(r["event_type"] for r in rows) == ["ASSAULT", "PROTEST"]
    assert shown(run_dir, capsys, "--country", "FRA") == []


def test_time_window_uses_event_date_then_publication(run_dir, capsys):
    rows = shown(run_dir, capsys, "--type=PROTEST", "--type=ASSAULT", "--type=CONSULT",
                 "--since", "2026-03-01", "--until", "2026-03-10")  # fmt: skip
    # PROTEST on 2 March; ASSAULT undated, published 10 March (the until day is included);
    # the CONSULTs fall on 27 February and 31 March.
    assert sorted(r["event_type"] for r in rows) == ["ASSAULT", "PROTEST"]


def test_time_window_applies_to_dead_letters_and_drops_timeless_records(run_dir, capsys):
    rows = shown(run_dir, capsys, "--until", "2026-01-31")
    assert [r.get("error_type") for r in rows] == ["invalid_json"]


def test_filters_combine(run_dir, capsys):
    rows = shown(run_dir, capsys, "--type", "CONSULT", "--country", "JPN", "--since", "2026-03-01")
    assert [r["actor"][0]["canonical"] for r in rows] == ["Donald Trump"]


def test_summary_counts_events_actors_and_dead_letters(run_dir, capsys):
    assert inspect_main([str(run_dir / "*.avro"), "--summary"]) == 0
    out = capsys.readouterr().out
    assert "records: DeadLetter 3, Duplicate 1, Event 5" in out
    by_type = out.split("events by type:")[1].split("\n\n")[0].split()
    assert by_type[:2] == ["CONSULT", "2"]
    assert "1 verbal cooperation" in out and "4 material conflict" in out
    actors = out.split("top 10 actors (events):")[1].split("\n\n")[0]
    assert "Donald Trump" in actors and "Red Cross" in actors and "Kharkiv" not in actors
    assert "clean: too_short" in out and "read: invalid_json" in out


def test_summary_after_a_filter(run_dir, capsys):
    assert inspect_main([str(run_dir / "*.avro"), "--summary", "--country", "USA"]) == 0
    out = capsys.readouterr().out
    assert "records: Event 2" in out
    assert "dead letters" not in out


def test_bad_time_is_a_usage_error(run_dir, capsys):
    with pytest.raises(SystemExit) as e:
        inspect_main([str(run_dir / "*.avro"), "--since", "March"])
    assert e.value.code == 2
    assert "'March' is not an ISO 8601 date" in capsys.readouterr().err


def test_parse_time():
    assert parse_time("2026-03-01") == dt.datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_time("2026-03-01", end=True) == dt.datetime(2026, 3, 2, tzinfo=UTC)
    assert parse_time("2026-03-01T10:00:00+02:00") == dt.datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert not Selection.of().events_only
