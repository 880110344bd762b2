"""Main text of an HTML page, through trafilatura."""

from __future__ import annotations

from typing import NamedTuple

import trafilatura


class PageText(NamedTuple):
    title: str | None
    text: str


def html_to_text(html: str, favor_precision: bool = True) -> PageText:
    """The page's title and main text (paragraphs one a line); empty text when none is found.

    Comments are left out. ``favor_precision`` makes trafilatura drop borderline blocks, which
    scores better on the article-extraction benchmark (see ``pipelines.evaluate.clean``).
    """
    doc = trafilatura.bare_extraction(
        html, include_comments=False, with_metadata=True, favor_precision=favor_precision
    )
    if doc is None:
        return PageText(None, "")
    return PageText(doc.title or None, doc.text or "")
