"""Word lists behind the boilerplate cues: stopwords per language (jusText's lists) and
generic web-page vocabulary, not phrases of one site.

``STRONG_UI`` words rarely appear in a news story's prose but make up the furniture of pages:
comment forms, newsletter and subscribe blocks, cookie and privacy notices, ads, share
prompts. ``WEAK_UI`` words are common in both, and only count at half weight.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import justext

# Below this share of a text's words, no stoplist fits (a language without one, or no prose).
MIN_STOPLIST_COVERAGE = 0.12


@functools.cache
def stoplists() -> dict[str, frozenset[str]]:
    """jusText's stopword lists, by language name (about 100 languages)."""
    return {name: frozenset(justext.get_stoplist(name)) for name in justext.get_stoplists()}


@functools.cache
def _lists_by_word() -> dict[str, tuple[str, ...]]:
    """Every stopword, with the names of the lists that hold it."""
    index: dict[str, list[str]] = {}
    for name, stops in stoplists().items():
        for word in stops:
            index.setdefault(word, []).append(name)
    return {word: tuple(names) for word, names in index.items()}


def stopword_coverage(words: Sequence[str]) -> dict[str, int]:
    """How many of the lower-case ``words`` each stoplist holds, by language name, in the
    lists' order; one lookup per word, not a pass over every list."""
    coverage = dict.fromkeys(stoplists(), 0)
    lists_by_word = _lists_by_word()
    for word in words:
        for name in lists_by_word.get(word, ()):
            coverage[name] += 1
    return coverage


def stoplist_for(words: Sequence[str]) -> frozenset[str] | None:
    """The stoplist covering most of the lower-case ``words``, or None when none fits.

    English is tried first and taken when it clearly fits, which spares the full search in the
    common case.
    """
    if not words:
        return None
    english = stoplists()["English"]
    if sum(w in english for w in words) >= 2 * MIN_STOPLIST_COVERAGE * len(words):
        return english
    lists = stoplists()
    coverage, best = max((n, lists[name]) for name, n in stopword_coverage(words).items())
    return best if coverage >= MIN_STOPLIST_COVERAGE * len(words) else None


# The page speaking to its reader, or of itself as "we".
READER_ADDRESS: frozenset[str] = frozenset(
    {"you", "your", "yours", "you're", "you’re", "our", "us"}
)

STRONG_UI: frozenset[str] = frozenset(
    {
        "advertisement", "advertisements", "advert", "ad", "ads", "sponsored", "promoted",
        "subscribe", "subscribed", "subscribing", "unsubscribe", "subscription", "newsletter",
        "newsletters", "inbox", "signup", "sign-up", "login", "log-in", "logged",
        "password", "username", "comment", "comments", "commenting", "reply",
        "replies", "email", "e-mail", "cookie", "cookies", "consent", "privacy", "browser",
        "javascript", "click", "tap", "button", "checkbox", "fields", "preferences",
        "notifications", "rss", "podcast", "whatsapp",
        "facebook", "twitter", "linkedin", "pinterest", "instagram", "tiktok", "telegram",
        "reddit", "tweet", "sharing", "bookmark", "print", "copyright",
        "©", "reserved", "premium", "subscriber", "subscribers", "paywall",
        "donate", "membership", "menu", "skip", "loading", "trending", "recommended",
    }
)  # fmt: skip

WEAK_UI: frozenset[str] = frozenset(
    {
        "sign", "log", "follow", "share", "account", "terms", "policy", "required", "settings",
        "download", "app", "register", "watch", "video", "videos", "read", "more", "related",
        "stories", "story", "topics", "tags", "news", "latest", "updates", "update", "date",
        "home", "search", "page", "site", "website", "rights", "use", "published", "updated",
        "photo", "image", "credit", "caption", "getty", "reuters", "ap", "afp", "confirm",
        "agree", "agreeing", "continue", "free", "daily", "weekly", "offers", "contact", "join",
        "conversation",
    }
)  # fmt: skip
