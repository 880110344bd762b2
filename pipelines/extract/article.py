"""Extraction of one article: text split to fit the model, parsed, events built."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipelines.extract.actors import ActorIndex, load_actor_index
from pipelines.extract.lexicon import Lexicon
from pipelines.extract.rules import Provenance, SentenceExtractor

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
) -> list[dict[str, Any]]:
    """Events of an article from its parsed chunks (character offset, Doc)."""
    sentences, offsets, char_offsets = [], [], []
    token_offset = 0
    for char_offset, doc in docs:
        for sent in doc.sents:
            sentences.append(sent)
            offsets.append(token_offset)
            char_offsets.append(char_offset)
        token_offset += len(doc)
    provenance = Provenance(article, EXTRACTOR_VERSION, model)
    return SentenceExtractor(lex, sentences, offsets, char_offsets, provenance, actors).events()


def extract_article(
    nlp: Language,
    article: dict[str, Any],
    lex: Lexicon,
    parse: Callable[[list[str]], Iterable[Doc]] | None = None,
    actors: ActorIndex | None = None,
) -> list[dict[str, Any]]:
    """Parse an article's text and return its events (raises on a poison article)."""
    text = article.get("text") or ""
    pieces = split_text(text, nlp.max_length - 1)
    docs = (parse or (lambda texts: nlp.pipe(texts)))([chunk for _, chunk in pieces])
    return events_from_docs(
        zip((offset for offset, _ in pieces), docs, strict=True),
        article,
        lex,
        model_name(nlp),
        actors or load_actor_index(),
    )
