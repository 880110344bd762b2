# ruff: noqa: B008  (Beam declares state and timer parameters as argument defaults)
"""Event groups: the events of one story that agree on type, actor, recipient and date.

``event_group_id`` is a function of the event alone (its story, type, participants by code,
else canonical name, and date), so extraction sets it and any worker agrees. ``GroupEvents``
builds the EventGroup records (schemas/event_group.avsc): batch writes each group once, from
all its members; streaming keeps each group's members in state (keyed by group id) and
re-emits the record whenever a new member arrives, until the group has been quiet for the
story window (an event-time timer then drops it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.coders import (
    FloatCoder,
    IterableCoder,
    NullableCoder,
    StrUtf8Coder,
    TupleCoder,
    VarIntCoder,
)
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, TimerSpec, on_timer
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Duration, Timestamp

from pipelines.records import Record, stable_id
from pipelines.state_coders import FieldsCoder

_CALENDAR = (
    dt.datetime(1, 1, 2, tzinfo=dt.UTC).timestamp(),
    dt.datetime(9999, 12, 30, tzinfo=dt.UTC).timestamp(),
)
# What a group record keeps of a participant and of a place.
PARTICIPANT_FIELDS = ("canonical", "country", "sector")
PLACE_FIELDS = (
    "name",
    "feature_type",
    "country",
    "region_code",
    "latitude",
    "longitude",
    "gazetteer_id",
)


def _participant_key(people: list[dict[str, Any]]) -> str:
    """Codes where the participant has them ('USA GOV'), else the canonical name."""
    keys = set()
    for p in people:
        code = " ".join(c for c in (p.get("country"), p.get("sector")) if c)
        keys.add(code or p["canonical"].casefold())
    return "|".join(sorted(keys))


def event_group_id(event: Record) -> str | None:
    """The group of an event of a story (None without a story)."""
    story = event.get("story_id")
    if not story:
        return None
    date = event.get("event_date")
    return stable_id(
        "group",
        story,
        event["event_type"],
        _participant_key(event["actor"]),
        _participant_key(event["recipient"]),
        date.isoformat() if date else "",
    )


class Member(NamedTuple):
    """What a group keeps of one member event."""

    seconds: float | None  # event time: publication, else the event's timestamp, if any
    event_id: str
    article_id: str
    source: str | None
    event: Record  # the fields a group record takes from its earliest member, as it takes them


def member_of(event: Record, timestamp: Timestamp) -> Member:
    published = event.get("published_at")
    seconds = published.timestamp() if published else _seconds(timestamp)
    place = event.get("place")
    shared = {
        "story_id": event.get("story_id"),
        "event_type": event.get("event_type"),
        "quad_class": event.get("quad_class"),
        "actor": _people(event.get("actor")),
        "recipient": _people(event.get("recipient")),
        "place": {k: place.get(k) for k in PLACE_FIELDS} if place else None,
        "event_date": event.get("event_date"),
    }
    return Member(seconds, event["event_id"], event["article_id"], event.get("source"), shared)


def _people(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: p.get(k) for k in PARTICIPANT_FIELDS} for p in people]


def _shared_fields(shared: Record) -> tuple:
    date, place = shared["event_date"], shared["place"]
    return (
        shared["story_id"],
        shared["event_type"],
        shared["quad_class"],
        [tuple(p[k] for k in PARTICIPANT_FIELDS) for p in shared["actor"]],
        [tuple(p[k] for k in PARTICIPANT_FIELDS) for p in shared["recipient"]],
        tuple(place[k] for k in PLACE_FIELDS) if place else None,
        date.toordinal() if date else None,
    )


def _shared_of(story_id, event_type, quad_class, actor, recipient, place, date) -> Record:
    return {
        "story_id": story_id,
        "event_type": event_type,
        "quad_class": quad_class,
        "actor": [dict(zip(PARTICIPANT_FIELDS, p, strict=True)) for p in actor],
        "recipient": [dict(zip(PARTICIPANT_FIELDS, p, strict=True)) for p in recipient],
        "place": dict(zip(PLACE_FIELDS, place, strict=True)) if place else None,
        "event_date": None if date is None else dt.date.fromordinal(date),
    }


_TEXT = NullableCoder(StrUtf8Coder())
_NUMBER = NullableCoder(FloatCoder())
_PEOPLE = IterableCoder(TupleCoder([_TEXT] * len(PARTICIPANT_FIELDS)))
_PLACE = NullableCoder(TupleCoder([_TEXT] * 4 + [_NUMBER] * 2 + [_TEXT]))
_DATE = NullableCoder(VarIntCoder())  # the day's proleptic Gregorian ordinal
_SHARED_CODER = FieldsCoder(
    [_TEXT, _TEXT, NullableCoder(VarIntCoder()), _PEOPLE, _PEOPLE, _PLACE, _DATE],
    _shared_of,
    _shared_fields,
)
# A group's member in streaming's state (``_StreamingGroups``).
MEMBER_CODER = FieldsCoder([_NUMBER, StrUtf8Coder(), StrUtf8Coder(), _TEXT, _SHARED_CODER], Member)


def group_record(group_id: str, members: Iterable[Member]) -> Record:
    """The EventGroup record of a group's members (in any order)."""
    ordered = sorted(
        {m.event_id: m for m in members}.values(),
        key=lambda m: (m.seconds is None, m.seconds or 0.0, m.event_id),
    )
    times = [m.seconds for m in ordered if m.seconds is not None]
    first = ordered[0].event
    place = next((m.event["place"] for m in ordered if m.event["place"]), None)
    articles = list(dict.fromkeys(m.article_id for m in ordered))
    sources = sorted({m.source for m in ordered if m.source})
    return {
        "event_group_id": group_id,
        "story_id": first["story_id"],
        "event_type": first["event_type"],
        "quad_class": first["quad_class"],
        "actor": first["actor"],
        "recipient": first["recipient"],
        "place": place,
        "event_date": first["event_date"],
        "num_articles": len(articles),
        "num_sources": len(sources),
        "sources": sources,
        "first_seen": _utc(times[0] if times else None),
        "last_seen": _utc(times[-1] if times else None),
        "event_ids": [m.event_id for m in ordered],
        "article_ids": articles,
    }


def _seconds(timestamp: Timestamp) -> float | None:
    """A timestamp in seconds; None for one no calendar holds (Beam's minimum, or the end of
    the global window, which files and batching give elements without a time)."""
    seconds = float(timestamp.micros) / 1e6
    return seconds if _CALENDAR[0] < seconds < _CALENDAR[1] else None


def _utc(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


def _keyed(event: Record, timestamp=beam.DoFn.TimestampParam):
    group_id = event.get("event_group_id")
    if group_id:
        yield group_id, member_of(event, timestamp)


def _batch_group(keyed: tuple[str, Iterable[Member]]):
    group_id, members = keyed
    yield group_record(group_id, members)


class _StreamingGroups(beam.DoFn):
    """One group's members in state; the record again on each new member."""

    MEMBERS = BagStateSpec("members", MEMBER_CODER)
    QUIET = TimerSpec("quiet", TimeDomain.WATERMARK)

    def __init__(self, window_seconds: float) -> None:
        self._window = Duration(seconds=window_seconds)

    def process(
        self,
        keyed: tuple[str, Member],
        timestamp=beam.DoFn.TimestampParam,
        members=beam.DoFn.StateParam(MEMBERS),
        quiet=beam.DoFn.TimerParam(QUIET),
    ) -> Iterator[Any]:
        group_id, member = keyed
        held = list(members.read())
        if any(m.event_id == member.event_id for m in held):
            return  # the same event again (a replay): the group has not changed
        members.add(member)
        quiet.set(timestamp + self._window)
        yield TimestampedValue(group_record(group_id, [*held, member]), timestamp)

    @on_timer(QUIET)
    def forget(self, members=beam.DoFn.StateParam(MEMBERS)) -> None:
        members.clear()


class GroupEvents(beam.PTransform):
    """Events (with ``event_group_id``) in; EventGroup records out."""

    def __init__(self, window_seconds: float, streaming: bool = False, label: str | None = None):
        super().__init__(label)
        self._window = window_seconds
        self._streaming = streaming

    def expand(self, events: beam.PCollection) -> beam.PCollection:
        keyed = events | "Key by group" >> beam.FlatMap(_keyed).with_output_types(tuple[str, Any])
        if self._streaming:
            return keyed | "Group state" >> beam.ParDo(_StreamingGroups(self._window))
        return (
            keyed | "Members" >> beam.GroupByKey() | "Group records" >> beam.FlatMap(_batch_group)
        )
