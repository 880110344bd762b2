"""Event dates: date expressions resolved against the article's publication date."""

from __future__ import annotations

import calendar
import datetime as dt
import re

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
UNITS = {"day": 1, "week": 7, "fortnight": 14}
NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_WORD = re.compile(r"[a-z]+|\d+")


def _months_back(day: dt.date, n: int) -> dt.date:
    month = day.month - 1 - n
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _absolute(words: list[str], published: dt.date | None, future: bool) -> dt.date | None:
    """'August 13', '13 August 2004', 'May 2005', '1988' (first day when the day is missing).

    A date without a year is the latest such day on or before publication, or with
    ``future`` the first on or after it."""
    month = next((MONTHS[w] for w in words if w in MONTHS), None)
    numbers = [int(w) for w in words if w.isdigit()]
    years = [n for n in numbers if 1000 <= n <= 2999]
    days = [n for n in numbers if 1 <= n <= 31]
    if month is None:
        if years and len(numbers) == 1:
            return dt.date(years[0], 1, 1)
        return None
    day = days[0] if days else 1
    if years:
        year = years[0]
    elif published is not None:
        year = published.year
        try:
            if not future and dt.date(year, month, day) > published:
                year -= 1
            elif future and dt.date(year, month, day) < published:
                year += 1
        except ValueError:
            return None
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def resolve_date(
    text: str, published_at: dt.datetime | None, future: bool = False
) -> dt.date | None:
    """The calendar date meant by ``text``, relative to ``published_at`` (None if unknown).

    Relative expressions ("yesterday", "on Tuesday", "last week", "three days ago") need the
    publication date; absolute ones ("August 13, 2004", "in 1988") do not. A weekday or a
    date without a year means the most recent such day on or before publication, as news
    reports what happened; with ``future`` (the clause speaks of what will happen: "will take
    office on Jan. 20") the first such day on or after it.
    """
    words = _WORD.findall(text.lower())
    published = published_at.date() if published_at is not None else None
    absolute = _absolute(words, published, future)
    if absolute is not None:
        return absolute
    if published is None or not words:
        return None
    if "today" in words or "tonight" in words or words == ["now"]:
        return published
    if "yesterday" in words:
        return published - dt.timedelta(days=1)
    if "tomorrow" in words:
        return published + dt.timedelta(days=1)
    weekday = next((WEEKDAYS[w] for w in words if w in WEEKDAYS), None)
    if weekday is not None:
        if "next" in words:
            return published + dt.timedelta(days=(weekday - published.weekday() - 1) % 7 + 1)
        if future and "last" not in words:
            return published + dt.timedelta(days=(weekday - published.weekday()) % 7)
        back = (published.weekday() - weekday) % 7
        if "last" in words and back == 0:
            back = 7
        return published - dt.timedelta(days=back)
    if "ago" in words:
        for i, w in enumerate(words[:-1]):
            n = int(w) if w.isdigit() else NUMBERS.get(w)
            unit = words[i + 1].rstrip("s")
            if n is None:
                continue
            if unit in UNITS:
                return published - dt.timedelta(days=n * UNITS[unit])
            if unit == "month":
                return _months_back(published, n)
            if unit == "year":
                return _months_back(published, 12 * n)
    if "last" in words or "past" in words or "previous" in words:
        if "week" in words:
            return published - dt.timedelta(days=7)
        if "month" in words:
            return _months_back(published, 1)
        if "year" in words:
            return _months_back(published, 12)
    if "this" in words and ("week" in words or "month" in words or "year" in words):
        return published
    return None


TEXT, DATELINE, PUBLISHED = "text", "dateline", "published"
# Modalities of a clause about what is to come: its dates without a year are ahead.
FUTURE_MODALITIES = frozenset({"planned", "expected"})


def date_events(
    events: list[dict], published_at: dt.datetime | None, dateline_date: str | None
) -> None:
    """Give every event a date and say where it came from (``date_source``).

    An event dated by its own clause keeps that date ('text'; resolved forward when the
    clause is about the future); one without takes the dateline's date ('dateline'), else the
    publication date ('published'), else none.
    """
    fallback, source = None, None
    if dateline_date:
        fallback, source = resolve_date(dateline_date, published_at), DATELINE
    if fallback is None and published_at is not None:
        fallback, source = published_at.date(), PUBLISHED
    for event in events:
        if dateline_date and event.get("date_text") == dateline_date:
            event["date_source"] = DATELINE  # the parser tied the dateline's date to the clause
        elif event.get("event_date") is not None:
            if event.get("modality") in FUTURE_MODALITIES and event.get("date_text"):
                ahead = resolve_date(event["date_text"], published_at, future=True)
                event["event_date"] = ahead or event["event_date"]
            event["date_source"] = TEXT
        else:
            event["event_date"], event["date_source"] = fallback, source if fallback else None
