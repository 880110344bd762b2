"""Records that flow through the pipeline, and their Avro schemas.

Records are plain dicts shaped by the ``.avsc`` files under ``schemas/``, which are the single
source of truth: this module loads them, and everything that writes a record validates it
against them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import fastavro
from fastavro.validation import validate

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SCHEMA_FILES = {
    "article": "article.avsc",
    "event": "event.avsc",
    "duplicate": "duplicate.avsc",
    "dead_letter": "dead_letter.avsc",
    "event_group": "event_group.avsc",
}
# The dead-letter payload keeps at most this many bytes of the raw input.
MAX_PAYLOAD_BYTES = 1_000_000

Record = dict[str, Any]


@functools.cache
def schema(name: str) -> dict:
    """The parsed Avro schema ``name`` (article, event, duplicate, dead_letter)."""
    with open(SCHEMA_DIR / SCHEMA_FILES[name], encoding="utf-8") as f:
        return fastavro.parse_schema(json.load(f))


def is_valid(name: str, record: Record) -> bool:
    """True when ``record`` validates against schema ``name``."""
    return validate(record, schema(name), raise_errors=False)


def stable_id(*parts: str) -> str:
    """A short, stable hex id from the given strings."""
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8"))
    return h.hexdigest()[:16]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_timestamp(value: Any) -> dt.datetime | None:
    """ISO 8601 text, epoch milliseconds or a datetime -> aware UTC datetime (None if absent).

    Raises ValueError for a value that is present but not a timestamp.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        ts = value
    elif isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    elif isinstance(value, int | float):
        ts = dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    elif isinstance(value, str):
        ts = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


ARTICLE_FIELDS = ("article_id", "url", "source", "title", "text", "html", "language")
# JSON escapes can carry a lone surrogate ("\\ud800"), UTF-8 text cannot; Beam's string coder,
# hashing and Avro all raise on one, so no article may hold one.
_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(data: dict[str, Any]) -> str | None:
    """Why the article fields of ``data`` are not Unicode text, or None when they are."""
    for key in ARTICLE_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and (bad := _SURROGATE.search(value)):
            return (
                f"field {key!r} holds U+{ord(bad.group()):04X} at character {bad.start()}: "
                "a lone surrogate, which is not valid Unicode text"
            )
    return None


def kafka_position(topic: str, partition: int, offset: int) -> Record:
    """The typed position of a Kafka record (schema ``KafkaPosition``)."""
    return {"topic": topic, "partition": partition, "offset": offset}


def file_position(path: str, line: int | None = None) -> Record:
    """The typed position of a file, or of one line of it (schema ``FilePosition``)."""
    return {"file": path, "line": line}


def display_origin(position: Record) -> str:
    """The human-readable ``origin`` of a position: ``kafka:<topic>/<partition>@<offset>``,
    ``<file>:<line>`` or ``<file>``."""
    if "topic" in position:
        return f"kafka:{position['topic']}/{position['partition']}@{position['offset']}"
    line = position.get("line")
    return position["file"] if line is None else f"{position['file']}:{line}"


def make_article(data: dict[str, Any], origin: str, position: Record | None = None) -> Record:
    """An Article record from loosely typed input (JSON object, Kafka message, parsed file).

    ``origin`` is where it was read, for people; ``position`` the same as typed fields, set by
    the source (see ``kafka_position`` and ``file_position``).

    Raises ValueError with a readable message when the input cannot be an article.
    """
    for key in ARTICLE_FIELDS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"field {key!r} must be a string, got {type(value).__name__}")
    if message := lone_surrogate(data):
        raise ValueError(message)
    text, html = data.get("text"), data.get("html")
    if not (text and text.strip()) and not (html and html.strip()):
        raise ValueError("article has no text (neither 'text' nor 'html' is set)")
    try:
        published_at = parse_timestamp(data.get("published_at"))
    except ValueError as e:
        raise ValueError(f"field 'published_at': {e}") from None
    url = data.get("url") or None
    article_id = data.get("article_id") or stable_id(url or text or html)
    return {
        "article_id": article_id,
        "url": url,
        "source": data.get("source") or None,
        "title": data.get("title") or None,
        "text": text or None,
        "html": html or None,
        "published_at": published_at,
        "language": data.get("language") or None,
        "origin": origin,
        "position": position,
        "story_id": None,  # set by the story step
    }


def make_dead_letter(
    stage: str,
    error_type: str,
    message: str,
    origin: str,
    payload: bytes | str | None,
    article_id: str | None = None,
    position: Record | None = None,
) -> Record:
    """A DeadLetter record; the payload is kept as raw bytes (truncated when huge).

    ``position``: the typed position of the input it stands for, when it ends that input."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8", errors="surrogateescape")
    payload = payload or b""
    return {
        "stage": stage,
        "error_type": error_type,
        "error_message": message,
        "origin": origin,
        "payload": payload[:MAX_PAYLOAD_BYTES],
        "payload_truncated": len(payload) > MAX_PAYLOAD_BYTES,
        "article_id": article_id,
        "failed_at": now(),
        "position": position,
    }


def article_payload(article: Record) -> bytes:
    """An article as JSON bytes, for a dead letter's payload."""
    return json.dumps(article, default=str, ensure_ascii=False).encode("utf-8")


def make_duplicate(article: Record, duplicate_of: str, similarity: float, method: str) -> Record:
    return {
        "article_id": article["article_id"],
        "duplicate_of": duplicate_of,
        "similarity": float(similarity),
        "method": method,
        "url": article.get("url"),
        "title": article.get("title"),
        "origin": article.get("origin"),
        "position": article.get("position"),
    }
