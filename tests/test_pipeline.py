"""The whole graph on seeds/: files in, Avro out, seed events found, every article accounted for."""

import glob
import os

import apache_beam as beam
import fastavro
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines import counting, records
from pipelines.inspect import main as inspect_main
from pipelines.pipeline import build
from pipelines.run import main as run_main
from pipelines.run import run

SEED_SOURCE = "Japan’s new prime minister, Sanae Takaichi"


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory, seeds_dir):
    """One run of `python -m pipelines.run` on seeds/ plus a malformed-input folder."""
    bad = tmp_path_factory.mktemp("bad")
    (bad / "broken.jsonl").write_bytes(
        b'{"text": "too short"}\n{oops\n{"title": "no text"}\n{"text": "\xff\xfe bytes"}\n'
    )
    (bad / "notes.csv").write_text("a,b\n")
    (bad / "empty.txt").write_text("\n\n")
    out = tmp_path_factory.mktemp("out")
    totals = run([f"--input={seeds_dir}", f"--input={bad}", f"--output_dir={out}"])
    return totals, out


def read_avro(out, kind):
    rows = []
    for path in sorted(glob.glob(os.path.join(out, f"{kind}-*.avro"))):
        with open(path, "rb") as f:
            rows.extend(fastavro.reader(f))
    return rows


def test_counts_add_up(seed_run):
    totals, out = seed_run
    # seeds: the seed .txt, a syndicated copy and another article (.jsonl), a page (.html);
    # bad: 4 lines of broken.jsonl, notes.csv, empty.txt
    assert totals[counting.READ] == 4 + 6
    assert totals[counting.DUPLICATES] == 1
    assert totals[counting.DEAD_LETTERS] == 6
    assert totals[counting.KEPT] == 3
    assert counting.balanced(totals)
    assert totals[counting.SINK_REJECTS] == 0
    assert totals[counting.EVENTS] == len(read_avro(out, "events")) > 0
    assert len(read_avro(out, "articles")) == totals[counting.KEPT]
    assert len(read_avro(out, "dead_letters")) == totals[counting.DEAD_LETTERS]


def test_every_written_record_validates_against_its_schema(seed_run):
    _, out = seed_run
    for kind, schema_name in {
        "events": "event",
        "articles": "article",
        "duplicates": "duplicate",
        "dead_letters": "dead_letter",
    }.items():
        rows = read_avro(out, kind)
        assert rows, kind
        for row in rows:
            assert records.is_valid(schema_name, row), (kind, row)


def test_the_syndicated_copy_is_a_duplicate_of_the_seed(seed_run):
    _, out = seed_run
    [dup] = read_avro(out, "duplicates")
    kept = {a["article_id"]: a for a in read_avro(out, "articles")}
    assert dup["article_id"] == "asiawire-2025-10-28-takaichi-trump"
    assert dup["method"] == "near" and dup["similarity"] >= 0.8
    assert kept[dup["duplicate_of"]]["origin"].endswith("000_7c648e7a352749dc.txt")


def test_dead_letters_say_stage_reason_and_origin(seed_run):
    _, out = seed_run
    got = {
        (d["stage"], d["error_type"], os.path.basename(d["origin"]))
        for d in read_avro(out, "dead_letters")
    }
    assert got == {
        ("clean", "too_short", "broken.jsonl:1"),
        ("read", "invalid_json", "broken.jsonl:2"),
        ("read", "invalid_article", "broken.jsonl:3"),
        ("read", "undecodable_bytes", "broken.jsonl:4"),
        ("read", "unsupported_extension", "notes.csv"),
        ("read", "no_text", "empty.txt"),
    }


def _events_of_seed(out):
    return [e for e in read_avro(out, "events") if "Takaichi" in (e["title"] or "")]


def names(participants):
    return {p["canonical"] for p in participants}


def test_seed_events_are_found(seed_run):
    _, out = seed_run
    events = _events_of_seed(out)

    def find(event_type=None, **want):
        for e in events:
            if event_type and e["event_type"] != event_type:
                continue
            if all(check(e) for check in want.values()):
                return e
        raise AssertionError(f"no {event_type} event with {list(want)} in {events}")

    both = {"Sanae Takaichi", "Donald Trump"}
    find(
        "CONSULT",
        who=lambda e: both <= names(e["actor"]) | names(e["recipient"]),
        where=lambda e: (e["location"] or {}).get("text") == "Tokyo",
    )
    find(
        "AGREE",
        who=lambda e: both <= names(e["actor"]),
        what=lambda e: "critical minerals" in e["sentence"],
    )
    find(
        who=lambda e: "Sanae Takaichi" in names(e["actor"]),
        whom=lambda e: "Donald Trump" in names(e["recipient"]),
        what=lambda e: "nominate" in e["trigger"]["text"],
        planned=lambda e: e["modality"] == "planned",
    )
    find(
        whom=lambda e: any("Naruhito" in n for n in names(e["recipient"])),
        where=lambda e: "Imperial Palace" in ((e["location"] or {}).get("text") or ""),
    )
    find(
        who=lambda e: "Donald Trump" in names(e["actor"]),
        whom=lambda e: "Sanae Takaichi" in names(e["recipient"]),
        what=lambda e: e["trigger"]["lemma"] == "congratulate",
    )


def test_no_event_comes_from_boilerplate(seed_run):
    _, out = seed_run
    boilerplate = ("Add a Comment", "Leave a Reply", "Subscribe", "Advertisement", "email")
    for e in read_avro(out, "events"):
        assert not any(b in e["sentence"] for b in boilerplate), e["sentence"]


def test_event_ids_are_deterministic(seed_run, seeds_dir, tmp_path):
    _, out = seed_run
    again = run([f"--input={seeds_dir}", f"--output_dir={tmp_path}"])
    assert again[counting.KEPT] == 3
    first = {e["event_id"] for e in read_avro(out, "events")}
    assert {e["event_id"] for e in read_avro(tmp_path, "events")} == first


def test_graph_with_test_pipeline_and_assert_that(seeds_dir, tmp_path):
    options = PipelineOptions([f"--input={seeds_dir}", f"--output_dir={tmp_path}"])
    with TestPipeline(options=options) as p:
        build(p, options)
    kinds = {os.path.basename(p).split("-")[0] for p in glob.glob(str(tmp_path / "*.avro"))}
    assert kinds == {"events", "articles", "duplicates", "dead_letters", "event_groups"}
    with TestPipeline() as p:
        event_types = (
            p
            | beam.Create(read_avro(tmp_path, "events"))
            | beam.Map(lambda e: e["event_type"])
            | beam.Distinct()
            | beam.Filter(lambda t: t in ("AGREE", "CONSULT"))
        )
        assert_that(event_types, equal_to(["AGREE", "CONSULT"]))


def test_cli_reports_configuration_errors_at_start(tmp_path, capsys):
    assert run_main([f"--input={tmp_path}/missing/*.txt", f"--output_dir={tmp_path}/o"]) == 2
    assert "no input file matches" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert run_main([f"--output_dir={blocker}/sub"]) == 2
    assert "output folder" in capsys.readouterr().err


def test_inspect_prints_a_table_and_json(seed_run, capsys):
    _, out = seed_run
    assert inspect_main([str(out / "events-*.avro")]) == 0
    table = capsys.readouterr().out
    assert "Event records" in table and "CONSULT" in table
    assert "[JPN" in table  # participants with their actor codes
    assert inspect_main(["--json", str(out / "dead_letters-*.avro")]) == 0
    assert '"stage": "read"' in capsys.readouterr().out
