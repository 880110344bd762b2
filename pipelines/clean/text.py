"""Cleaning of one article's content, as plain functions: page or text in, story text out."""

from __future__ import annotations

from pipelines.clean.boilerplate import remove_boilerplate
from pipelines.clean.html import html_to_text
from pipelines.clean.normalize import normalize_text


def word_count(text: str) -> int:
    return len(text.split())


def clean_text(text: str, title: str | None = None, extracted: bool = False) -> str:
    """Story text of plain ``text``: normalised, boilerplate and title lines removed.

    ``extracted`` as in :func:`pipelines.clean.boilerplate.classify`.
    """
    title = normalize_text(title) if title else None
    return remove_boilerplate(normalize_text(text), title, extracted)


def clean_html(html: str, title: str | None = None) -> tuple[str | None, str]:
    """(title, story text) of a page: main text by trafilatura, then :func:`clean_text`.

    ``title`` is kept when given, else the page's own title is used.
    """
    page = html_to_text(html)
    title = title or (normalize_text(page.title) if page.title else None)
    return title, clean_text(page.text, title, extracted=True) if page.text else ""
