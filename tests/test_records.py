"""Schemas are contracts: records validate, and schema changes stay backward compatible."""

import datetime as dt
import io
import json
from pathlib import Path

import fastavro
import pytest
from fastavro.utils import generate_many

from pipelines import records

BASELINE = Path(__file__).parent / "schema_baseline"


@pytest.mark.parametrize("name", sorted(records.SCHEMA_FILES))
def test_data_written_with_the_baseline_schema_is_readable_with_the_current_one(name):
    """A consumer or a replay reading old data with the new schema must not break.

    tests/schema_baseline/ holds the schemas as first released; never edit them, add new
    fields with defaults to schemas/ instead.
    """
    with open(BASELINE / records.SCHEMA_FILES[name], encoding="utf-8") as f:
        old = fastavro.parse_schema(json.load(f))
    buffer = io.BytesIO()
    fastavro.writer(buffer, old, list(generate_many(old, 20)))
    buffer.seek(0)
    read = list(fastavro.reader(buffer, reader_schema=records.schema(name)))
    assert len(read) == 20


def test_make_article_fills_ids_and_parses_timestamps():
    article = records.make_article(
        {"url": "https://x.example/a", "text": "Body.", "published_at": "2025-10-28T09:30:00Z"},
        origin="f.jsonl:1",
    )
    assert article["article_id"] == records.stable_id("https://x.example/a")
    assert article["published_at"] == dt.datetime(2025, 10, 28, 9, 30, tzinfo=dt.UTC)
    assert records.is_valid("article", article)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"title": "no body"}, "no text"),
        ({"text": "   "}, "no text"),
        ({"text": 42}, "'text' must be a string"),
        ({"text": "ok", "published_at": "yesterday-ish"}, "published_at"),
        ({"text": "ok", "published_at": True}, "published_at"),
    ],
)
def test_make_article_rejects_what_cannot_be_an_article(data, reason):
    with pytest.raises(ValueError, match=reason):
        records.make_article(data, origin="x")


def test_dead_letter_keeps_raw_bytes_and_truncates_huge_payloads():
    small = records.make_dead_letter("read", "invalid_json", "bad", "f:1", b"\xff{")
    assert small["payload"] == b"\xff{" and not small["payload_truncated"]
    huge = records.make_dead_letter("read", "x", "y", "z", b"a" * (records.MAX_PAYLOAD_BYTES + 5))
    assert len(huge["payload"]) == records.MAX_PAYLOAD_BYTES and huge["payload_truncated"]
    assert records.is_valid("dead_letter", small) and records.is_valid("dead_letter", huge)
    assert not records.is_valid("dead_letter", {**small, "payload": None})
