"""Named entities of parsed text (extraction and geocoding), each Doc's entity spans built once.

``Doc.ents`` builds a new Span for every entity of the Doc on each call, and ``Span.ents``
calls it and scans the result; asked per sentence or per token, that repeats over the whole
Doc each time. ``DocEntities`` answers the same questions from one call.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from spacy.tokens import Doc, Span, Token


class DocEntities:
    """The entities of one Doc (sorted, never overlapping, as spaCy keeps them)."""

    def __init__(self, doc: Doc) -> None:
        self.ents: tuple[Span, ...] = doc.ents
        self._starts = [ent.start for ent in self.ents]

    def within(self, span: Span) -> list[Span]:
        """The entities that fall completely within ``span``, as ``span.ents`` gives them."""
        out = []
        for ent in self.ents[bisect_left(self._starts, span.start) :]:
            if ent.end > span.end:
                break
            out.append(ent)
        return out

    def holding(self, token: Token) -> Span | None:
        """The entity ``token`` is part of, if any."""
        i = bisect_right(self._starts, token.i) - 1
        if i >= 0 and self.ents[i].end > token.i:
            return self.ents[i]
        return None


def doc_entities(sentences: Sequence[Span]) -> dict[Doc, DocEntities]:
    """The entities of each Doc the sentences belong to."""
    out: dict[Doc, DocEntities] = {}
    for sent in sentences:
        if sent.doc not in out:
            out[sent.doc] = DocEntities(sent.doc)
    return out


def sentence_entities(sentences: Sequence[Span]) -> list[list[Span]]:
    """Each sentence's entities (``sent.ents``)."""
    by_doc = doc_entities(sentences)
    return [by_doc[sent.doc].within(sent) for sent in sentences]
