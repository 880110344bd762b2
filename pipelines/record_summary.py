"""A run at a glance, from its records: ``pipelines.inspect --summary``.

Events by PLOVER type and by quad class, the most frequent actors (canonical names), dead
letters by stage and reason, and the count of every other kind of record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# PLOVER's quad classes (the event schema's quad_class).
QUAD_CLASSES = {
    0: "neutral",
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}


@dataclass
class Summary:
    records: Counter = field(default_factory=Counter)
    event_types: Counter = field(default_factory=Counter)
    quad_classes: Counter = field(default_factory=Counter)
    actors: Counter = field(default_factory=Counter)
    dead_letters: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, records: Iterable[tuple[str, dict]]) -> Summary:
        summary = cls()
        for kind, record in records:
            summary.add(kind, record)
        return summary

    def add(self, kind: str, record: dict) -> None:
        self.records[kind] += 1
        if kind == "Event":
            self.event_types[record["event_type"]] += 1
            self.quad_classes[record["quad_class"]] += 1
            # An actor counts once per event, however many of its mentions the event has.
            self.actors.update({p["canonical"] for p in record["actor"]})
        elif kind == "DeadLetter":
            self.dead_letters[(record["stage"], record["error_type"])] += 1

    def lines(self, top: int = 10) -> list[str]:
        """The summary as lines of text, most frequent first in every table."""
        out = ["records: " + ", ".join(f"{k} {n:,}" for k, n in sorted(self.records.items()))]
        if not self.records:
            out = ["no records"]
        if self.event_types:
            out += _table("events by type", self.event_types.most_common())
            quads = sorted(self.quad_classes.items())
            out += _table(
                "events by quad class",
                [(f"{q} {QUAD_CLASSES.get(q, '?')}", n) for q, n in quads],
            )
            out += _table(f"top {top} actors (events)", self.actors.most_common(top))
        if self.dead_letters:
            out += _table(
                "dead letters by stage and reason",
                [
                    (f"{stage}: {reason}", n)
                    for (stage, reason), n in self.dead_letters.most_common()
                ],
            )
        return out


# Labels (actor names) longer than this are cut.
LABEL_WIDTH = 40


def _table(title: str, rows: list[tuple[str, int]]) -> list[str]:
    rows = [(s if len(s) <= LABEL_WIDTH else s[: LABEL_WIDTH - 1] + "…", n) for s, n in rows]
    width = max((len(label) for label, _ in rows), default=0)
    return ["", title + ":"] + [f"  {label:<{width}}  {n:>7,}" for label, n in rows]
