"""Extraction of one article: text split to fit the model, parsed, events built."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipelines.extract.actors import ActorIndex
from pipelines.extract.lexicon import Lexicon
from pipelines.extract.rules import Provenance, SentenceExtractor
from pipelines.extract.temporal import date_events
from pipelines.geo.dateline import parse_dateline
from pipelines.geo.events import place_events
from pipelines.geo.gazetteer import Gazetteer, load_gazetteer
from pipelines.stories.groups import event_group_id

EXTRACTOR_VERSION = "0.1.0"


def model_name(nlp: Language) -> str:
    """'<lang>_<name>-<version>' of a loaded spaCy pipeline."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}-{meta.get('version', '0')}"


def split_text(text: str, max_chars: int) -> list[tuple[int, str]]:
    """(offset, chunk) pieces of at most ``max_chars``, cut at paragraph breaks, else at
    line breaks or spaces, so a long text never exceeds the model's limit."""
    chunks: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        cut = next((i for sep in ("\n\n", "\n", " ") if (i := window.rfind(sep)) > 0), -1)
        cut = cut + 1 if cut > 0 else max_chars
        chunks.append((start, text[start : start + cut]))
        start += cut
    chunks.append((start, text[start:]))
    return [(offset, chunk) for offset, chunk in chunks if chunk.strip()]


def events_from_docs(
    docs: Iterable[tuple[int, Doc]],
    article: dict[str, Any],
    lex: Lexicon,
    model: str,
    actors: ActorIndex,
    gazetteer: Gazetteer | None = None,
) -> list[dict[str, Any]]:
    """Events of an article from its parsed chunks (character offset, Doc), each placed,
    dated and marked with the article's story."""
    sentences, offsets, char_offsets = [], [], []
    token_offset = 0
    for char_offset, doc in docs:
        for sent in doc.sents:
            sentences.append(sent)
            offsets.append(token_offset)
            char_offsets.append(char_offset)
        token_offset += len(doc)
    provenance = Provenance(article, EXTRACTOR_VERSION, model)
    events = SentenceExtractor(lex, sentences, offsets, char_offsets, provenance, actors).events()
    dateline = parse_dateline(article.get("text") or "")
    if gazetteer is None:
        gazetteer = load_gazetteer()
    place_events(events, sentences, gazetteer, dateline)
    date_events(events, article.get("published_at"), dateline and dateline.date_text)
    for event in events:
        event["story_id"] = article.get("story_id")
        event["event_group_id"] = event_group_id(event)
    return events
