"""File source: article files (.txt, .jsonl, .html/.htm) to Article records or dead letters."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems

from pipelines import counting
from pipelines.options import ConfigurationError
from pipelines.records import (
    Record,
    display_origin,
    file_position,
    lone_surrogate,
    make_article,
    make_dead_letter,
)

TEXT_EXTENSIONS = (".txt",)
JSONL_EXTENSIONS = (".jsonl",)
HTML_EXTENSIONS = (".html", ".htm")
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS + JSONL_EXTENSIONS + HTML_EXTENSIONS

ARTICLES = "articles"
DEAD_LETTERS = "dead_letters"

log = logging.getLogger(__name__)


def _read_dead_letter(error_type: str, message: str, position: Record, payload: bytes) -> tuple:
    origin = display_origin(position)
    return DEAD_LETTERS, make_dead_letter(
        "read", error_type, message, origin, payload, position=position
    )


def _article(data: dict, position: Record) -> tuple[str, Record]:
    return ARTICLES, make_article(data, display_origin(position), position)


def _decode(data: bytes, position: Record) -> tuple[str | None, tuple | None]:
    """UTF-8 text (a leading BOM dropped), or a dead letter saying where decoding failed."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as e:
        message = f"not valid UTF-8 at byte {e.start}: {e.reason}"
        return None, _read_dead_letter("undecodable_bytes", message, position, data)


def _parse_text(path: str, data: bytes) -> Iterator[tuple[str, Record]]:
    where = file_position(path)
    text, dead = _decode(data, where)
    if dead:
        yield dead
        return
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        yield _read_dead_letter("no_text", "the file is empty or only whitespace", where, data)
        return
    body = "\n".join(lines[first + 1 :]).strip()
    if not body:
        yield _read_dead_letter("no_text", "the file has a title line but no body", where, data)
        return
    yield _article({"title": lines[first].strip(), "text": body}, where)


def _parse_jsonl(path: str, data: bytes) -> Iterator[tuple[str, Record]]:
    for number, raw in enumerate(data.splitlines(), start=1):
        where = file_position(path, number)
        line, dead = _decode(raw, where)
        if dead:
            yield dead
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as e:
            yield _read_dead_letter("invalid_json", f"invalid JSON: {e}", where, raw)
            continue
        if not isinstance(obj, dict):
            message = f"expected a JSON object (an Article), got {type(obj).__name__}"
            yield _read_dead_letter("not_an_article", message, where, raw)
            continue
        if message := lone_surrogate(obj):
            yield _read_dead_letter("invalid_unicode", message, where, raw)
            continue
        try:
            yield _article(obj, where)
        except ValueError as e:
            yield _read_dead_letter("invalid_article", str(e), where, raw)


def _parse_html(path: str, data: bytes) -> Iterator[tuple[str, Record]]:
    where = file_position(path)
    html, dead = _decode(data, where)
    if dead:
        html = data.decode("latin-1")  # pages often declare other charsets: keep the bytes
    try:
        yield _article({"html": html}, where)
    except ValueError as e:
        yield _read_dead_letter("no_text", str(e), where, data)


def parse_file(path: str, data: bytes) -> Iterator[tuple[str, Record]]:
    """Parse one file's bytes: yields (ARTICLES, Article) or (DEAD_LETTERS, DeadLetter) pairs.

    The format is chosen by the extension; anything else is a dead letter.
    """
    ext = os.path.splitext(path)[1].lower()
    if ext in TEXT_EXTENSIONS:
        yield from _parse_text(path, data)
    elif ext in JSONL_EXTENSIONS:
        yield from _parse_jsonl(path, data)
    elif ext in HTML_EXTENSIONS:
        yield from _parse_html(path, data)
    else:
        supported = ", ".join(SUPPORTED_EXTENSIONS)
        message = f"unsupported file extension {ext or '(none)'!r}; supported: {supported}"
        yield _read_dead_letter("unsupported_extension", message, file_position(path), data[:4096])


def file_patterns(inputs: Iterable[str]) -> list[str]:
    """Glob patterns for the given paths, globs and directories (directories recursively).

    Raises ConfigurationError naming every input that matches no file, so a run fails at start.
    """
    patterns, missing = [], []
    for spec in inputs:
        pattern = os.path.join(spec, "**") if os.path.isdir(spec) else spec
        matches = FileSystems.match([pattern])[0].metadata_list
        if not any(not _is_hidden(m.path) for m in matches):
            missing.append(spec)
        patterns.append(pattern)
    if missing:
        raise ConfigurationError(f"no input file matches: {', '.join(missing)}")
    return patterns


def _is_hidden(path: str) -> bool:
    return any(part.startswith(".") for part in path.split(os.sep) if part not in (".", ".."))


class ParseFileFn(beam.DoFn):
    """A matched file to Article records, or dead letters (unreadable file, bad content);
    counts every input it emits as read, and its dead letters."""

    def setup(self) -> None:
        self._read = counting.counter(counting.READ)
        self._dead_letters = counting.counter(counting.DEAD_LETTERS)

    def process(self, readable: fileio.ReadableFile):
        path = readable.metadata.path
        if _is_hidden(path):
            return
        try:
            data = readable.read()
        except OSError as e:
            message = f"cannot read: {e}"
            parsed = [_read_dead_letter("unreadable_file", message, file_position(path), b"")]
        else:
            parsed = parse_file(path, data)
        for tag, record in parsed:
            self._read.inc()
            if tag == ARTICLES:
                yield record
            else:
                self._dead_letters.inc()
                yield beam.pvalue.TaggedOutput(tag, record)


class ReadArticleFiles(beam.PTransform):
    """Article files matched by glob patterns -> tagged ``articles`` and ``dead_letters``."""

    def __init__(self, patterns: list[str]):
        super().__init__()
        self._patterns = patterns

    def expand(self, pbegin):
        return (
            pbegin
            | "Patterns" >> beam.Create(self._patterns)
            | "Match" >> fileio.MatchAll()
            | "Spread" >> beam.Reshuffle()  # files over all workers, not the one that matched
            | "Open" >> fileio.ReadMatches()
            | "Parse" >> beam.ParDo(ParseFileFn()).with_outputs(DEAD_LETTERS, main=ARTICLES)
        )
