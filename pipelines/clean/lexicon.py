"""Word lists behind the boilerplate cues: generic web-page vocabulary, not phrases of one site.

``STRONG_UI`` words rarely appear in a news story's prose but make up the furniture of pages:
comment forms, newsletter and subscribe blocks, cookie and privacy notices, ads, share
prompts. ``WEAK_UI`` words are common in both, and only count at half weight.
"""

from __future__ import annotations

from spacy.lang.en.stop_words import STOP_WORDS

STOPWORDS: frozenset[str] = frozenset(STOP_WORDS) | {"’s", "'s", "said", "says"}

READER_ADDRESS: frozenset[str] = frozenset({"you", "your", "yours", "you're", "you’re"})

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
        "agree", "agreeing", "continue", "free", "daily", "weekly", "offers", "contact",
    }
)  # fmt: skip
