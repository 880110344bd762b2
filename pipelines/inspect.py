"""Print Avro records for people: ``python -m pipelines.inspect out/events-*.avro``.

A readable table by default (columns chosen by the record type), JSON lines with --json, or a
summary of the run with --summary (events by type and quad class, top actors, dead letters by
stage and reason). Works on every file this pipeline writes: events, articles, duplicates,
dead letters. Filters select events by type, actor, country and time:

    python -m pipelines.inspect 'out/*.avro' --summary
    python -m pipelines.inspect 'out/events-*.avro' --type PROTEST --type ASSAULT --country UKR
    python -m pipelines.inspect 'out/events-*.avro' --actor putin --since 2026-03-01
"""

from __future__ import annotations

import base64
import datetime as dt
import glob
import json
import os
import shutil
import sys
from collections.abc import Iterator

import fastavro

from pipelines.record_filters import Selection, select
from pipelines.record_summary import Summary
from pipelines.strict_options import StrictArgumentParser


def _names(participants: list[dict]) -> str:
    """'Sanae Takaichi [JPN GOV]; Trump [USA]': canonical names with their actor codes
    (files written before the codes existed have none)."""
    return "; ".join(_coded_name(p) for p in participants)


def _coded_name(p: dict) -> str:
    code = " ".join(c for c in (p.get("country"), p.get("sector")) if c)
    return f"{p['canonical']} [{code}]" if code else p["canonical"]


def _place(r: dict) -> str:
    """'Basrah, IRQ (city)', with '*' when it is the article's main place; the location's
    text for files written before geocoding."""
    place = r.get("place")
    if not place:
        return (r["location"] or {}).get("text", "")
    mark = "*" if place["source"] == "article" else ""
    return f"{mark}{place['name']}, {place['country']} ({place['feature_type']})"


def _date_source(r: dict) -> str:
    """' (dateline)' or ' (published)' when the date is not the clause's own."""
    source = r.get("date_source")
    return f" ({source})" if source and source != "text" else ""


def _when(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


# Columns of the table for each record type: (header, function of the record).
COLUMNS = {
    "Event": [
        ("type", lambda r: r["event_type"]),
        ("actor", lambda r: _names(r["actor"])),
        ("trigger", lambda r: r["trigger"]["text"]),
        ("recipient", lambda r: _names(r["recipient"])),
        ("where", lambda r: _place(r)),
        ("when", lambda r: _when(r["event_date"]) + _date_source(r)),
        ("story", lambda r: r.get("story_id") or ""),
        ("group", lambda r: r.get("event_group_id") or ""),
        ("modality", lambda r: ("not " if r["negated"] else "") + r["modality"]),
        ("sentence", lambda r: r["sentence"]),
    ],
    "Article": [
        ("article_id", lambda r: r["article_id"]),
        ("published", lambda r: _when(r["published_at"])),
        ("title", lambda r: r["title"] or ""),
        ("words", lambda r: str(len((r["text"] or "").split()))),
        ("origin", lambda r: r["origin"] or ""),
        ("story", lambda r: r.get("story_id") or ""),
    ],
    "EventGroup": [
        ("group", lambda r: r["event_group_id"]),
        ("story", lambda r: r["story_id"]),
        ("type", lambda r: r["event_type"]),
        ("actor", lambda r: _names(r["actor"])),
        ("recipient", lambda r: _names(r["recipient"])),
        ("where", lambda r: (r["place"] or {}).get("name", "")),
        ("when", lambda r: _when(r["event_date"])),
        ("articles", lambda r: str(r["num_articles"])),
        ("sources", lambda r: str(r["num_sources"])),
        ("events", lambda r: str(len(r["event_ids"]))),
    ],
    "Duplicate": [
        ("article_id", lambda r: r["article_id"]),
        ("duplicate_of", lambda r: r["duplicate_of"]),
        ("method", lambda r: r["method"]),
        ("similarity", lambda r: f"{r['similarity']:.3f}"),
        ("origin", lambda r: r["origin"] or ""),
    ],
    "DeadLetter": [
        ("stage", lambda r: r["stage"]),
        ("error", lambda r: r["error_type"]),
        ("origin", lambda r: r["origin"]),
        ("message", lambda r: r["error_message"]),
    ],
}


def read_records(paths: list[str]) -> Iterator[tuple[str, dict]]:
    """(record type name, record) for every record of the given Avro files, in order."""
    for path in paths:
        with open(path, "rb") as f:
            reader = fastavro.reader(f)
            name = reader.writer_schema["name"].rsplit(".", 1)[-1]
            for record in reader:
                yield name, record


def _json_default(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(record: dict) -> str:
    return json.dumps(record, default=_json_default, ensure_ascii=False)


def print_table(name: str, records: list[dict], width: int, out=None) -> None:
    out = out or sys.stdout
    columns = COLUMNS.get(name)
    if columns is None:
        for record in records:
            print(to_json(record), file=out)
        return
    rows = [[str(fn(r)).replace("\n", " ") for _, fn in columns] for r in records]
    headers = [h for h, _ in columns]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headers)]
    # The last column takes what the terminal has left; the others are capped.
    widths = [min(w, 28) for w in widths[:-1]] + [widths[-1]]
    widths[-1] = max(20, min(widths[-1], width - sum(widths[:-1]) - 2 * (len(widths) - 1)))

    def line(cells: list[str]) -> str:
        return "  ".join(
            (c if len(c) <= w else c[: w - 1] + "…").ljust(w)
            for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    print(f"{name} records: {len(records)}", file=out)
    print(line(headers), file=out)
    print(line(["-" * w for w in widths]), file=out)
    for row in rows:
        print(line(row), file=out)


def main(argv: list[str] | None = None) -> int:
    parser = StrictArgumentParser(prog="python -m pipelines.inspect", description=__doc__)
    parser.add_argument("files", nargs="+", help="Avro files or globs (quote globs for the shell)")
    parser.add_argument("--json", action="store_true", help="print JSON lines, one a record")
    parser.add_argument("--limit", type=int, default=None, help="print at most N records")
    parser.add_argument(
        "--summary",
        action="store_true",
        help="print counts instead of records: events by type and by quad class, the top "
        "actors, dead letters by stage and reason (after the filters)",
    )
    parser.add_argument(
        "--type",
        action="append",
        default=[],
        metavar="TYPE",
        help="only events of this PLOVER type (e.g. PROTEST; repeatable, any matches)",
    )
    parser.add_argument(
        "--actor",
        action="append",
        default=[],
        metavar="NAME",
        help="only events with an actor whose name contains NAME (case-insensitive; repeatable)",
    )
    parser.add_argument(
        "--country",
        action="append",
        default=[],
        metavar="CODE",
        help="only events with an actor or recipient of this CAMEO country code (e.g. UKR; "
        "repeatable)",
    )
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help="only records at or after WHEN (ISO date or date-time, UTC unless given): events "
        "by their date (else their article's publication), articles by publication, dead "
        "letters by failure time; records without a time are left out",
    )
    parser.add_argument(
        "--until", metavar="WHEN", help="only records before the end of WHEN (as --since)"
    )
    args = parser.parse_args(argv)
    try:
        selection = Selection.of(args.type, args.actor, args.country, args.since, args.until)
    except ValueError as e:
        parser.error(str(e))
    paths = sorted({p for spec in args.files for p in (glob.glob(spec) or [spec])})
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    records = select(read_records(paths), selection)
    if args.summary:
        print("\n".join(Summary.of(records).lines()))
        return 0
    if args.limit is not None:
        records = (r for i, r in enumerate(records) if i < args.limit)
    if args.json:
        for _, record in records:
            print(to_json(record))
        return 0
    by_type: dict[str, list[dict]] = {}
    for name, record in records:
        by_type.setdefault(name, []).append(record)
    width = shutil.get_terminal_size((160, 24)).columns
    for name, group in by_type.items():
        print_table(name, group, width)
    if not by_type:
        print("no records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
