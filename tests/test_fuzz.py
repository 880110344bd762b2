"""Property-based tests: whatever bytes arrive, every item is an article or a dead letter.

Raw file bytes (every format), JSON lines (wrong types, truncated, deeply nested, escapes of
lone surrogates), Kafka message values (the source's pure decoding), the clean stage on any
text or page, and spaCy plus the rules on any text. Nothing may raise; every article must be
valid against ``article.avsc`` and encodable as UTF-8 (Beam's string coder, hashing and Avro
need that); every dead letter must validate, say why in words, and keep the raw payload.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.clean.transform import CleanError, clean_article
from pipelines.extract.model import extract_batch
from pipelines.io.files import ARTICLES, parse_file
from pipelines.io.kafka_source import read_message
from pipelines.records import MAX_PAYLOAD_BYTES, is_valid, make_article

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FIELDS = ("article_id", "url", "source", "title", "text", "html", "language", "published_at")
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
WORDS = "The minister met her counterpart in Geneva on Monday and agreed to talks".split()
prose = st.text(st.characters(codec="utf-8"), max_size=400) | st.lists(
    st.sampled_from(WORDS), max_size=80
).map(" ".join)


@st.composite
def article_objects(draw) -> dict:
    """Objects shaped like articles: the known fields with values of any JSON type."""
    obj = draw(st.dictionaries(st.sampled_from(FIELDS), json_values | prose, max_size=6))
    if draw(st.booleans()):
        obj["text"] = draw(prose)
    if draw(st.booleans()):
        obj[draw(st.sampled_from(FIELDS))] = draw(prose) + draw(SURROGATES)
    return obj


@st.composite
def json_lines(draw) -> bytes:
    """One line of a .jsonl file: an article-like object, any JSON, cut short or nested."""
    kind = draw(st.sampled_from(["object", "any", "truncated", "nested"]))
    if kind == "nested":
        depth = draw(st.integers(100, 5000))
        return b'{"text": ' + b"[" * depth + b"]" * depth + b"}"
    value = draw(article_objects()) if kind == "object" else draw(json_values)
    line = json.dumps(value, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    if kind == "truncated":
        line = line[: draw(st.integers(0, max(len(line) - 1, 0)))]
    return line.replace(b"\n", b" ")


def check_outputs(outputs: list[tuple[str, dict]], raw: bytes) -> None:
    """Every output is a valid, encodable article or a valid, explained dead letter."""
    for tag, record in outputs:
        if tag == ARTICLES:
            assert is_valid("article", record), record
            for value in record.values():
                if isinstance(value, str):
                    value.encode("utf-8")  # raises on what Beam's coder would raise on
        else:
            assert is_valid("dead_letter", record), record
            assert record["stage"] == "read"
            assert len(record["error_message"]) >= 10, record
            assert record["payload"] in raw[: MAX_PAYLOAD_BYTES + len(record["payload"])]


@FUZZ
@given(data=st.binary(max_size=2000), ext=st.sampled_from([".txt", ".jsonl", ".html", ".pdf"]))
def test_any_file_bytes_become_articles_or_dead_letters(data, ext):
    outputs = list(parse_file(f"in/file{ext}", data))
    assert outputs or ext == ".jsonl"  # a .jsonl of blank lines holds no item
    check_outputs(outputs, data)


@FUZZ
@given(lines=st.lists(json_lines(), min_size=1, max_size=5))
def test_any_json_lines_become_one_article_or_dead_letter_each(lines):
    data = b"\n".join(lines)
    outputs = list(parse_file("in/lines.jsonl", data))
    nonblank = [line for line in lines if line.strip()]
    assert len(outputs) == len(nonblank)
    for (tag, record), line in zip(outputs, nonblank, strict=True):
        check_outputs([(tag, record)], line)


@FUZZ
@given(value=st.binary(max_size=1000) | json_lines() | st.none())
def test_any_kafka_value_becomes_an_article_or_a_dead_letter(value):
    tag, record = read_message("articles", 0, 7, value)
    if tag == ARTICLES:
        assert is_valid("article", record)
        assert record["origin"] == "kafka:articles/0@7"
    else:
        assert is_valid("dead_letter", record) and len(record["error_message"]) >= 10
        assert record["origin"] == "kafka:articles/0@7"
        assert record["payload"] == (value or b"")


def test_kafka_json_with_a_lone_surrogate_is_a_dead_letter():
    value = b'{"article_id": "a1", "text": "The minister met her counterpart. \\ud800"}'
    tag, record = read_message("articles", 0, 7, value)
    assert tag != ARTICLES, record


@FUZZ
@given(
    text=prose,
    title=st.none() | prose,
    min_words=st.integers(0, 30),
    non_english=st.sampled_from(["dead_letter", "keep"]),
)
def test_cleaning_any_text_gives_a_story_or_a_reason(text, title, min_words, non_english):
    try:
        article = make_article({"text": text, "title": title}, "fuzz:1")
    except ValueError:
        return  # the read stage's dead letter: no text
    try:
        cleaned = clean_article(article, min_words, non_english)
    except CleanError as e:
        assert e.error_type and len(str(e)) >= 10
        return
    assert is_valid("article", cleaned) and cleaned["text"].strip()
    assert cleaned["language"] == "en" or non_english == "keep"


TAGS = ["p", "div", "article", "script", "style", "nav", "footer", "h1", "span", "table", "li"]
html_nodes = st.recursive(
    prose.map(lambda t: t.replace("<", " ")),
    lambda inner: st.tuples(st.sampled_from(TAGS), st.lists(inner, max_size=4)).map(
        lambda node: f"<{node[0]}>{''.join(node[1])}</{node[0]}>"
    ),
    max_leaves=15,
)


@FUZZ_SLOW
@given(
    body=html_nodes,
    wrapper=st.sampled_from(["<html><body>{}</body></html>", "<html>{}", "{}", "<html><head>{}"]),
    cut=st.integers(0, 100),
)
def test_cleaning_any_page_gives_a_story_or_a_reason(body, wrapper, cut):
    html = wrapper.format(body)
    html = html[: max(1, len(html) * cut // 100)]
    try:
        article = make_article({"html": html}, "fuzz.html")
    except ValueError:
        return
    try:
        cleaned = clean_article(article, 5)
    except CleanError as e:
        assert e.error_type and len(str(e)) >= 10
        return
    assert is_valid("article", cleaned) and cleaned["html"] is None


@FUZZ_SLOW
@given(texts=st.lists(prose | st.just("x" * 100_000), min_size=1, max_size=4))
def test_extraction_of_any_text_gives_events_or_an_error(model, texts):
    articles = [{"article_id": f"a{i}", "text": t, "origin": "fuzz"} for i, t in enumerate(texts)]
    outcomes = extract_batch(model, articles)
    assert len(outcomes) == len(articles)
    for outcome in outcomes:
        if outcome.error_type is not None:
            assert outcome.events == [] and outcome.error_message
        for event in outcome.events:
            assert is_valid("event", event), event
