"""The file source: every input format, and every kind of bad input as a dead letter."""

import json
import os

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines.io.files import ARTICLES, DEAD_LETTERS, ReadArticleFiles, file_patterns, parse_file
from pipelines.options import ConfigurationError
from pipelines.records import is_valid, stable_id


def parsed(path, data):
    return list(parse_file(path, data))


def only(results, tag):
    return [record for t, record in results if t == tag]


def test_txt_first_non_empty_line_is_the_title(seed_text):
    [(tag, article)] = parsed("seeds/a.txt", seed_text.encode())
    assert tag == ARTICLES
    assert article["title"].startswith("Takaichi and Trump Pledge")
    assert article["text"].startswith("Takaichi and Trump Pledge")  # the repeated headline line
    assert "Sanae Takaichi" in article["text"]
    assert article["origin"] == "seeds/a.txt"
    assert is_valid("article", article)


def test_jsonl_one_article_a_line_with_line_origins():
    lines = [
        json.dumps({"article_id": "a1", "title": "T", "text": "Body one."}),
        "",
        json.dumps({"url": "https://e.example/2", "text": "Body two.", "published_at": None}),
    ]
    results = parsed("in/x.jsonl", "\n".join(lines).encode())
    articles = only(results, ARTICLES)
    assert [a["origin"] for a in articles] == ["in/x.jsonl:1", "in/x.jsonl:3"]
    assert articles[0]["article_id"] == "a1"
    assert all(is_valid("article", a) for a in articles)


def test_html_is_kept_raw_for_the_clean_stage():
    [(tag, article)] = parsed("p.html", b"<html><body><p>Hello</p></body></html>")
    assert tag == ARTICLES and article["html"].startswith("<html>") and article["text"] is None


@pytest.mark.parametrize(
    ("path", "data", "error_type", "origin"),
    [
        ("bad.jsonl", b'{"text": "ok"}\n{not json\n', "invalid_json", "bad.jsonl:2"),
        ("bad.jsonl", b'{"text": "ok"}\n[1, 2]\n', "not_an_article", "bad.jsonl:2"),
        ("bad.jsonl", b'{"text": "ok"}\n{"title": "no text"}\n', "invalid_article", "bad.jsonl:2"),
        ("bad.jsonl", b'{"text": "ok"}\n{"text": ["a"]}\n', "invalid_article", "bad.jsonl:2"),
        (
            "bad.jsonl",
            b'{"text": "ok"}\n{"text": "\xff\xfe"}\n',
            "undecodable_bytes",
            "bad.jsonl:2",
        ),
        ("bad.jsonl", b'{"text": "ok"}\n' + b"[" * 100_000 + b"\n", "invalid_json", "bad.jsonl:2"),
        ("bad.txt", b"Title\n\xc3\x28 body", "undecodable_bytes", "bad.txt"),
        ("empty.txt", b"  \n\n ", "no_text", "empty.txt"),
        ("title_only.txt", b"Just a title\n\n", "no_text", "title_only.txt"),
        ("notes.pdf", b"%PDF-1.4", "unsupported_extension", "notes.pdf"),
        ("noext", b"text", "unsupported_extension", "noext"),
    ],
)
def test_bad_input_becomes_a_dead_letter_with_reason_and_origin(path, data, error_type, origin):
    dead = only(parsed(path, data), DEAD_LETTERS)
    assert len(dead) == 1
    [letter] = dead
    assert (letter["stage"], letter["error_type"], letter["origin"]) == ("read", error_type, origin)
    assert letter["error_message"]
    assert letter["payload"]
    assert is_valid("dead_letter", letter)


def test_file_patterns_expand_directories_and_fail_early_on_missing_inputs(tmp_path):
    (tmp_path / "a.txt").write_text("T\nbody")
    assert file_patterns([str(tmp_path)]) == [os.path.join(str(tmp_path), "**")]
    with pytest.raises(ConfigurationError, match="nothing-here"):
        file_patterns([str(tmp_path / "nothing-here" / "*.txt")])


def test_read_article_files_transform_splits_articles_and_dead_letters(tmp_path):
    (tmp_path / "one.txt").write_text("Title one\n\nBody of article one.", encoding="utf-8")
    (tmp_path / "many.jsonl").write_text(
        json.dumps({"article_id": "j1", "text": "Body j1."}) + "\nnot json\n", encoding="utf-8"
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "page.htm").write_text("<p>Body of the page.</p>", encoding="utf-8")
    (tmp_path / "sub" / "data.csv").write_text("a,b", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("Hidden\nnot read", encoding="utf-8")
    with TestPipeline() as p:
        read = p | ReadArticleFiles(file_patterns([str(tmp_path)]))
        names = read.articles | "names" >> beam.Map(lambda a: a["title"] or a["article_id"])
        reasons = read.dead_letters | "reasons" >> beam.Map(lambda d: d["error_type"])
        page_id = stable_id("<p>Body of the page.</p>")
        assert_that(names, equal_to(["Title one", "j1", page_id]), label="articles")
        assert_that(reasons, equal_to(["invalid_json", "unsupported_extension"]), label="dead")
