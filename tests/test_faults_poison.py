"""Poison articles: one article that makes a stage raise is dead-lettered at that stage, with
the exception, and the rest of its batch is processed as if it were not there.

The faults are real: spaCy is a model directory whose tokenizer raises on a marker word, the
rules run with a lexicon that lacks a type they convert to (see ``faults_poison``), both
loaded through ``--spacy_model`` and ``--lexicon``; the cleaning fault is an article whose
text is not a string, which only an upstream bug could produce.
"""

from __future__ import annotations

import json

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from faults_poison import SPACY_MARKER, lexicon_without, poisoned_model
from test_accounting import OTHER_STORY, STORY, assert_accounted, read_avro

from pipelines import counting
from pipelines.clean import CleanArticles
from pipelines.extract.lexicon import DEFAULT_LEXICON, load_lexicon
from pipelines.records import make_article
from pipelines.run import run

pytestmark = pytest.mark.faults

RULE_POISON = (
    "The dock workers' union said on Tuesday that it will not accept the latest offer from "
    "the port operator, and its leaders met the transport minister in Rotterdam to explain "
    "why the strike would go on until wages rise."
)
ARTICLES = [
    {"article_id": "good-a", "text": STORY},
    {"article_id": "spacy-poison", "text": f"{OTHER_STORY} The {SPACY_MARKER} fund paid."},
    {"article_id": "rule-poison", "text": RULE_POISON},
    {"article_id": "good-b", "text": OTHER_STORY.replace("Rotterdam", "Hamburg") + " " + STORY},
]


@pytest.fixture(scope="module")
def poison(tmp_path_factory):
    folder = tmp_path_factory.mktemp("poison")
    model = poisoned_model(folder)
    lexicon = lexicon_without({"REJECT"}, folder / "lexicon.json")
    source = folder / "in" / "articles.jsonl"
    source.parent.mkdir()
    source.write_text("\n".join(json.dumps(a) for a in ARTICLES), encoding="utf-8")
    return model, lexicon, source


def test_the_poisoned_lexicon_loads_without_the_type(poison):
    """The lexicon the rules fail on is valid: every section that names the removed type
    lost its entries, so the failure is the rules', not the loader's."""
    lexicon = load_lexicon(poison[1])
    assert set(lexicon.quad_class) == set(load_lexicon(DEFAULT_LEXICON).quad_class) - {"REJECT"}


def _run(out, source, lexicon, model=None) -> dict[str, int]:
    args = [f"--input={source}", f"--output_dir={out}", f"--lexicon={lexicon}"]
    args += ["--inference_batch_size=8", "--dedupe_threshold=0.99"]
    return run(args + ([f"--spacy_model={model}"] if model else []))


def test_spacy_and_rule_failures_dead_letter_only_their_article(poison, tmp_path):
    model, lexicon, source = poison
    totals = _run(tmp_path / "out", source, lexicon, model)
    assert_accounted(totals, tmp_path / "out")
    dead = {d["article_id"]: d for d in read_avro(tmp_path / "out", "dead_letters")}
    print(f"poison run: {totals}")
    assert set(dead) == {"spacy-poison", "rule-poison"}
    spacy_dead, rule_dead = dead["spacy-poison"], dead["rule-poison"]
    assert (spacy_dead["stage"], spacy_dead["error_type"]) == ("extract", "RuntimeError")
    assert spacy_dead["error_message"].startswith("RuntimeError: spaCy failed: poisoned")
    assert (rule_dead["stage"], rule_dead["error_type"]) == ("extract", "KeyError")
    assert rule_dead["error_message"] == "KeyError: event rules failed: 'REJECT'"
    for letter in dead.values():
        article = json.loads(letter["payload"])
        assert article["text"] == next(
            a["text"] for a in ARTICLES if a["article_id"] == letter["article_id"]
        )

    # The rest of the batch: the same events as a run without the poisoned articles.
    clean_source = tmp_path / "clean.jsonl"
    healthy = [a for a in ARTICLES if a["article_id"].startswith("good")]
    clean_source.write_text("\n".join(json.dumps(a) for a in healthy), encoding="utf-8")
    reference = _run(tmp_path / "ref", clean_source, lexicon)
    assert reference[counting.WITH_EVENTS] == totals[counting.WITH_EVENTS] == 2
    assert sorted(e["event_id"] for e in read_avro(tmp_path / "out", "events")) == sorted(
        e["event_id"] for e in read_avro(tmp_path / "ref", "events")
    )


def test_the_poisons_are_real(poison, tmp_path):
    """Without the poisoned model and lexicon, the same articles all give events."""
    _, _, source = poison
    totals = run([f"--input={source}", f"--output_dir={tmp_path}", "--dedupe_threshold=0.99"])
    assert totals[counting.DEAD_LETTERS] == 0
    assert totals[counting.WITH_EVENTS] == len(ARTICLES)


def test_a_cleaning_failure_dead_letters_only_its_article():
    good = [make_article({"article_id": f"ok{i}", "text": STORY}, f"t:{i}") for i in range(3)]
    broken = {**make_article({"article_id": "broken", "text": "x"}, "t:9"), "text": ["a list"]}
    with TestPipeline() as p:
        out = p | beam.Create([good[0], broken, *good[1:]]) | CleanArticles()
        assert_that(
            out.articles | beam.Map(lambda a: a["article_id"]),
            equal_to(["ok0", "ok1", "ok2"]),
            label="kept",
        )
        assert_that(
            out.dead_letters
            | beam.Map(lambda d: (d["article_id"], d["stage"], d["error_type"], d["payload"][:9])),
            equal_to([("broken", "clean", "clean_failed", b'{"article')]),
            label="dead",
        )
