"""Which records ``pipelines.inspect`` shows: events by type, actor, country and time.

Event filters (type, actor, country) select events only: given any, other records are left
out. The time window applies to every record that carries a time: an event's date (its
article's publication time when undated), an article's publication time, a dead letter's
failure time; records without one (duplicates, undated events) are left out by a window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

Record = dict
UTC = dt.UTC


def parse_time(text: str, end: bool = False) -> dt.datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime.

    A date alone is the start of that day, or with ``end`` the start of the next one, so
    ``--until 2026-03-01`` includes the whole day. A time without a zone is UTC.
    """
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        moment = dt.datetime.combine(day, dt.time(), UTC)
        return moment + dt.timedelta(days=1) if end else moment
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date or date-time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record_time(kind: str, record: Record) -> dt.datetime | None:
    """The time a record is filtered on, as an aware UTC datetime (None: it has none)."""
    if kind == "Event":
        value = record.get("event_date") or record.get("published_at")
    elif kind == "Article":
        value = record.get("published_at")
    elif kind == "DeadLetter":
        value = record.get("failed_at")
    else:
        value = None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), UTC)
    return None


def _names(participant: Record) -> tuple[str, ...]:
    return (participant.get("canonical") or "", participant.get("text") or "")


@dataclass
class Selection:
    """The filters of one ``inspect`` call; ``matches`` tells a record in or out."""

    types: set[str] = field(default_factory=set)
    actors: list[str] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)
    since: dt.datetime | None = None
    until: dt.datetime | None = None  # exclusive

    @classmethod
    def of(
        cls,
        types: Iterable[str] = (),
        actors: Iterable[str] = (),
        countries: Iterable[str] = (),
        since: str | None = None,
        until: str | None = None,
    ) -> Selection:
        """From the command line's values (types and countries case-insensitive)."""
        return cls(
            types={t.upper() for t in types},
            actors=[a.casefold() for a in actors],
            countries={c.upper() for c in countries},
            since=parse_time(since) if since else None,
            until=parse_time(until, end=True) if until else None,
        )

    @property
    def events_only(self) -> bool:
        return bool(self.types or self.actors or self.countries)

    def matches(self, kind: str, record: Record) -> bool:
        if self.events_only and not (kind == "Event" and self._event_matches(record)):
            return False
        if self.since is None and self.until is None:
            return True
        moment = record_time(kind, record)
        if moment is None:
            return False
        return (self.since is None or moment >= self.since) and (
            self.until is None or moment < self.until
        )

    def _event_matches(self, event: Record) -> bool:
        if self.types and event["event_type"].upper() not in self.types:
            return False
        if self.actors and not any(
            wanted in name.casefold()
            for wanted in self.actors
            for actor in event["actor"]
            for name in _names(actor)
        ):
            return False
        if self.countries:
            # The participants' CAMEO country codes (schema field ``country``; records
            # written before it existed have none).
            codes = {(p.get("country") or "").upper() for p in event["actor"] + event["recipient"]}
            if not codes & self.countries:
                return False
        return True


def select(
    records: Iterable[tuple[str, Record]], selection: Selection
) -> Iterator[tuple[str, Record]]:
    """The (kind, record) pairs the selection keeps, in order."""
    return ((kind, record) for kind, record in records if selection.matches(kind, record))
