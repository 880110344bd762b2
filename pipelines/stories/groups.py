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
from apache_beam.coders import PickleCoder
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, TimerSpec, on_timer
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Duration, Timestamp

from pipelines.records import Record, stable_id

_CALENDAR = (
    dt.datetime(1, 1, 2, tzinfo=dt.UTC).timestamp(),
    dt.datetime(9999, 12, 30, tzinfo=dt.UTC).timestamp(),
)
PLACE_FIELDS = ("name", "feature_type", "country", "region_code", "latitude", "longitude")


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
    event: Record  # the fields a group record takes from its earliest member


_SHARED = ("story_id", "event_type", "quad_class", "actor", "recipient", "place", "event_date")


def member_of(event: Record, timestamp: Timestamp) -> Member:
    published = event.get("published_at")
    seconds = published.timestamp() if published else _seconds(timestamp)
    shared = {k: event.get(k) for k in _SHARED}
    return Member(seconds, event["event_id"], event["article_id"], event.get("source"), shared)


def _people(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"canonical": p["canonical"], "country": p.get("country"), "sector": p.get("sector")}
        for p in people
    ]


def group_record(group_id: str, members: Iterable[Member]) -> Record:
    """The EventGroup record of a group's members (in any order)."""
    ordered = sorted(
        {m.event_id: m for m in members}.values(),
        key=lambda m: (m.seconds is None, m.seconds or 0.0, m.event_id),
    )
    times = [m.seconds for m in ordered if m.seconds is not None]
    first = ordered[0].event
    place = next((m.event["place"] for m in ordered if m.event.get("place")), None)
    articles = list(dict.fromkeys(m.article_id for m in ordered))
    sources = sorted({m.source for m in ordered if m.source})
    return {
        "event_group_id": group_id,
        "story_id": first["story_id"],
        "event_type": first["event_type"],
        "quad_class": first["quad_class"],
        "actor": _people(first["actor"]),
        "recipient": _people(first["recipient"]),
        "place": (
            {**{k: place.get(k) for k in PLACE_FIELDS}, "gazetteer_id": place["gazetteer_id"]}
            if place
            else None
        ),
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

    MEMBERS = BagStateSpec("members", PickleCoder())
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
