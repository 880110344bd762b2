"""Clean stage: Unicode and whitespace normalisation, HTML to main text, boilerplate removal
within each article (:mod:`.boilerplate`) and across the articles of a source
(:mod:`.repetition`)."""

from pipelines.clean.boilerplate import classify, remove_boilerplate
from pipelines.clean.html import html_to_text
from pipelines.clean.normalize import normalize_text
from pipelines.clean.text import clean_html, clean_text
from pipelines.clean.transform import (
    ARTICLES,
    DEAD_LETTERS,
    CleanArticles,
    RemoveRecurring,
    clean_article,
)

__all__ = [
    "ARTICLES",
    "DEAD_LETTERS",
    "CleanArticles",
    "RemoveRecurring",
    "classify",
    "clean_article",
    "clean_html",
    "clean_text",
    "html_to_text",
    "normalize_text",
    "remove_boilerplate",
]
