"""The cleaning harness: the benchmark metric, and both measurements on small fixtures."""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import pytest

from pipelines.evaluate import clean as harness

DATA = Path(__file__).parent / "data" / "clean"


def test_shingle_counts_identical_disjoint_and_partial() -> None:
    text = "one two three four five six"
    assert harness.shingle_counts(text, text) == (1.0, 0.0, 0.0)
    assert harness.shingle_counts(text, "a b c d") == (0.0, 0.25, 0.75)
    tp, fp, fn = harness.shingle_counts(text, "one two three four five")
    assert (tp, fp, fn) == pytest.approx((2 / 3, 0.0, 1 / 3))


def test_benchmark_scores_average_per_page_then_f1() -> None:
    precision, recall, f1 = harness.benchmark_scores([(1.0, 0.0, 0.0), (0.5, 0.5, 0.0)])
    assert (precision, recall) == (0.75, 1.0)
    assert f1 == pytest.approx(2 * 0.75 / 1.75)


def test_evaluate_html_scores_pipeline_and_trafilatura(capsys: pytest.CaptureFixture) -> None:
    scores = harness.evaluate_html(DATA / "pages", DATA / "pages-truth.json")
    assert scores["pipeline"][2] == pytest.approx(1.0)
    assert set(scores) == {"pipeline", "trafilatura"}
    assert "trafilatura alone" in capsys.readouterr().out


def test_wrap_puts_boilerplate_around_the_body() -> None:
    title, paragraphs = harness.read_corpus(DATA / "corpus", 0)[0]
    page = harness.wrap(title, paragraphs, "Another headline", random.Random(1))
    assert all(p in page.text for p in paragraphs if p not in page.glued)
    assert all(line in page.text for _, line in page.boilerplate)
    assert len(page.boilerplate) >= 3


def test_plain_text_keeps_every_sentence_and_drops_every_line() -> None:
    for seed in range(5):
        result = harness.evaluate_plain_text(DATA / "corpus", 0, seed, 0)
        assert result == {"sentences_kept": 1.0, "boilerplate_dropped": 1.0}


def test_main_needs_a_data_set() -> None:
    parser = argparse.ArgumentParser()
    harness.add_arguments(parser)
    assert harness.main(parser.parse_args([])) == 2


def test_cross_stream_step_drops_every_site_line(tmp_path: Path) -> None:
    places = ["bridge", "school", "harbour", "library", "market", "railway", "museum", "pool"]
    for i in range(100):
        place, year = places[i % len(places)], 1990 + i
        body = (
            f"The council said on Monday that the {place} built in {year} would be rebuilt "
            f"next year after inspectors found faults in its old foundations and walls.\n\n"
            f"Officials said work on the {place} would start in spring and cost about {i + 2} "
            f"million pounds, paid for by the council and a government grant."
        )
        (tmp_path / f"{i:02}.txt").write_text(f"Plans for the {place} {i}\n\n{body}\n")
    result = harness.evaluate_cross_stream(tmp_path, 0, 3)
    assert result == {"sentences_kept": 1.0, "site_lines_dropped": 1.0}
