"""Converter: Phoenix (PETRARCH2) actor and agent dictionaries -> the shipped actor codes.

    python -m pipelines.extract.actor_dictionaries \\
        --actors Phoenix.Countries.actors.txt Phoenix.International.actors.txt \\
                 Phoenix.MilNonState.actors.txt \\
        --agents Phoenix.agents.txt --output pipelines/extract/actors.json.gz

Upstream formats (PETRARCH2's ``petrarch2-dictionaries.rst``):

- actors: a record is a primary phrase, ``+`` synonym lines, and codes in ``[...]`` on any of
  its lines or on tab-indented lines below; a code may carry a date restriction
  (``[JPNGOV 641109-720706]``, ``[USAGOV >930120]``, ``[USAELI <19930120]``); dates are
  ``YYYYMMDD`` or ``YYMMDD``; ``[---]`` is the null code.
- agents: ``PHRASE {optional plural} [~CODE]`` (``[CODE~]`` for a code written before the
  actor's, e.g. ``NGO~``); regular plurals are generated, ``{}`` suppresses them;
  ``!PERSON!``-style markers expand to the listed words.

Phrases are words joined by ``_`` or blanks, ``#`` starts a comment.

What is written (``format`` 1, read by :mod:`pipelines.extract.actors`):

- ``codes``: the distinct lists of codes, each a list of ``[country, sector, start, end]``
  in the upstream order, and ``actors``: phrase -> index of its list in ``codes``;
  ``start``/``end`` are ``YYYYMMDD`` integers or null (no restriction on that side); a code
  is split into its country (the first three letters when they are a country, region or
  international code) and sector (the first later three-letter segment that is an agent
  sector: ``JPNGOV`` -> ``JPN``, ``GOV``; ``IGOUNOJUDICJ`` -> ``IGO``, ``JUD``).
- ``agents``: phrase (plurals included) -> ``[country, sector]``: the first three letters of
  the agent code are its sector (``~GOVFRM`` -> GOV), or its country when they are one of
  CAMEO's transnational codes (``NGO~`` -> NGO).
- ``sectors``, ``countries``: the code vocabularies, so the loader can validate the tables.

A phrase is stored as its lower-case words (:func:`phrase_words`), the same normal form the
coder gives a sentence's tokens, so ``MAZAR-I-SHARIF`` and spaCy's ``Mazar - i - Sharif`` meet.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = 1
_WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*\.?|'s\b|&", re.UNICODE)
_BRACKET = re.compile(r"\[([^\]\[{}]*)[\]}]")
_CODE = re.compile(r"^([A-Z][A-Z0-9]{2,}|---)\s*(?:([<>])\s*(\d{6,8})|(\d{6,8})\s*-\s*(\d{6,8}))?$")
_AGENT_CODE = re.compile(r"^(~?)([A-Z]{3,})(~?)$")
_SUBSTITUTION = re.compile(r"^(![A-Z]+!)\s*=\s*(.+)$")
# CAMEO's transnational actor codes (intergovernmental and non-governmental organisations,
# international militarised groups, multinational corporations): they stand where a country
# code stands, also when the agents file writes them as agents ("NGO~", "~NGO").
INTERNATIONAL = frozenset({"IGO", "NGO", "IMG", "MNC"})
# A two-digit year below this is 20YY, else 19YY: the dictionaries span 1900-2014.
TWO_DIGIT_PIVOT = 30


def phrase_words(text: str) -> list[str]:
    """Lower-case words of a phrase: hyphens and blanks separate words, "'s" is a word,
    abbreviations keep their dots ("u.s.")."""
    return _WORD.findall(text.replace("’", "'").replace("_", " ").lower())


def _key(text: str) -> str:
    return " ".join(phrase_words(text))


def _actor_keys(phrases: list[str]) -> list[str]:
    """The keys of a record's phrases; a leading "the" also dropped ("THE_EU" -> "eu"), as a
    participant's noun phrase is matched without its determiner."""
    keys = [_key(p) for p in phrases]
    keys += [k[4:] for k in keys if k.startswith("the ") and k[4:] not in keys]
    return [k for k in dict.fromkeys(keys) if k]


def _date(text: str) -> int:
    """``YYYYMMDD`` or ``YYMMDD`` -> ``YYYYMMDD`` (raises ValueError when not a date)."""
    if len(text) == 6:
        year = int(text[:2])
        text = f"{2000 + year if year < TWO_DIGIT_PIVOT else 1900 + year}{text[2:]}"
    if len(text) != 8:
        raise ValueError(f"not a date: {text}")
    month, day = int(text[4:6]), int(text[6:8])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise ValueError(f"not a date: {text}")
    return int(text)


@dataclass(frozen=True)
class Code:
    """One upstream code with its date restriction (None: open on that side)."""

    code: str
    start: int | None = None
    end: int | None = None


@dataclass
class Stats:
    """What the converter kept and dropped, printed at the end."""

    counts: Counter = field(default_factory=Counter)

    def __call__(self, what: str, n: int = 1) -> None:
        self.counts[what] += n


def parse_code(text: str, stats: Stats) -> Code | None:
    """``JPNGOV 641109-720706`` -> Code; None (counted) for a null or malformed code."""
    m = _CODE.match(text.strip())
    if m is None:
        stats("malformed codes dropped")
        return None
    code, op, when, start, end = m.groups()
    if code == "---":
        stats("null codes")
        return None
    try:
        if op == "<":
            return Code(code, None, _date(when))
        if op == ">":
            return Code(code, _date(when), None)
        if start is not None:
            first, last = _date(start), _date(end)
            if first > last:
                stats("codes with an empty date range dropped")
                return None
            return Code(code, first, last)
    except ValueError:
        stats("codes with a malformed date dropped")
        return None
    return Code(code)


def _content(line: str) -> str:
    return line.split("#", 1)[0].rstrip()


def read_actor_records(
    lines: Iterable[str], stats: Stats
) -> Iterator[tuple[list[str], list[Code]]]:
    """(phrases, codes) of each record of an actor file."""
    phrases: list[str] = []
    codes: list[Code] = []
    for raw in lines:
        line = _content(raw.rstrip("\n"))
        if not line.strip():
            continue
        starts_record = not line[0].isspace() and not line.startswith("+")
        if starts_record and phrases:
            yield phrases, codes
            phrases, codes = [], []
        text = _BRACKET.sub(" ", line).strip()
        for inner in _BRACKET.findall(line):
            code = parse_code(inner, stats)
            if code is not None:
                codes.append(code)
        if line[0].isspace():
            continue  # a date-restriction line holds codes only
        phrase = text.lstrip("+").strip()
        if phrase:
            phrases.append(phrase)
    if phrases:
        yield phrases, codes


def read_agents(lines: Iterable[str], stats: Stats) -> Iterator[tuple[str, str]]:
    """(phrase, agent code) of every agent entry, substitution markers and plurals expanded;
    the code keeps its ``~`` (``~GOV``, ``NGO~``)."""
    substitutions: dict[str, list[str]] = {}
    for raw in lines:
        line = _content(raw.rstrip("\n")).strip()
        if not line:
            continue
        sub = _SUBSTITUTION.match(line)
        if sub:
            substitutions[sub.group(1)] = [w.strip() for w in sub.group(2).split(",") if w.strip()]
            continue
        codes = _BRACKET.findall(line)
        if len(codes) != 1 or not _AGENT_CODE.match(codes[0].strip()):
            stats("agent lines without one valid code dropped")
            continue
        code = codes[0].strip()
        text = _BRACKET.sub(" ", line)
        plural_spec = re.search(r"\{([^}]*)\}", text)
        phrase = re.sub(r"\{[^}]*\}", " ", text).strip()
        variants = [phrase]
        for marker, words in substitutions.items():
            if marker in phrase:
                variants = [v.replace(marker, w) for v in variants for w in words]
        for variant in variants:
            yield variant, code
            if plural_spec is not None:
                for plural in plural_spec.group(1).split():
                    yield plural, code
            elif not any(m in phrase for m in substitutions):
                yield regular_plural(variant), code


def regular_plural(phrase: str) -> str:
    """The regular plural of a phrase's last word (PETRARCH's rule: +S, Y -> IES, SS -> SSES)."""
    stem = phrase.rstrip("_ ")
    if stem.endswith("Y") and len(stem) > 1 and stem[-2] not in "AEIOU":
        return stem[:-1] + "IES"
    if stem.endswith("SS"):
        return stem + "ES"
    return stem + "S"


def agent_code(code: str) -> tuple[str | None, str | None]:
    """An agent code -> (country, sector): ``~GOVFRM`` -> (None, GOV), ``NGO~`` -> (NGO, None)."""
    segment = _AGENT_CODE.match(code).group(2)[:3]
    return (segment, None) if segment in INTERNATIONAL else (None, segment)


def split_code(code: str, countries: set[str], sectors: set[str]) -> tuple[str | None, str | None]:
    """A CAMEO actor code -> (country, sector): ``JPNGOV`` -> (JPN, GOV), ``ELI`` -> (None,
    ELI), ``IGOUNO`` -> (IGO, None)."""
    segments = [code[i : i + 3] for i in range(0, len(code) - len(code) % 3, 3)]
    country = segments[0] if segments and segments[0] in countries else None
    rest = segments[1:] if country else segments
    sector = next((s for s in rest if s in sectors), None)
    return country, sector


def convert(actor_files: list[Path], agent_file: Path) -> tuple[dict, Stats]:
    """The shipped document from the upstream files."""
    stats = Stats()
    with open(agent_file, encoding="utf-8", errors="replace") as f:
        agent_entries = list(read_agents(f, stats))
    sectors = {agent_code(code)[1] for _, code in agent_entries} - {None}
    records: list[tuple[list[str], list[Code]]] = []
    for path in actor_files:
        with open(path, encoding="utf-8", errors="replace") as f:
            records.extend(read_actor_records(f, stats))
    countries = ({c.code[:3] for _, codes in records for c in codes} - sectors) | INTERNATIONAL
    actors: dict[str, list[list]] = {}
    for phrases, codes in records:
        coded = []
        for c in codes:
            country, sector = split_code(c.code, countries, sectors)
            if country or sector:
                coded.append([country, sector, c.start, c.end])
        if not coded:
            stats("actor records without a usable code dropped")
            continue
        for key in _actor_keys(phrases):
            if key in actors:
                # Listed by two records (a person in a country and in an organisation):
                # both sets of codes, the first record's first, so the dates choose.
                stats("actor phrases listed twice (codes merged)")
                actors[key] = actors[key] + [c for c in coded if c not in actors[key]]
            else:
                actors[key] = coded
    agents: dict[str, list] = {}
    for phrase, code in agent_entries:
        key = _key(phrase)
        if key and key not in agents:
            agents[key] = list(agent_code(code))
    codes: dict[str, int] = {}  # each distinct list of codes once
    for key, coded in actors.items():
        actors[key] = codes.setdefault(json.dumps(coded), len(codes))
    stats("actor phrases", len(actors))
    stats("distinct lists of actor codes", len(codes))
    stats("agent phrases", len(agents))
    sources = [*actor_files, agent_file]
    doc = {
        "format": FORMAT,
        "licence": "MIT, Open Event Data Alliance: see LICENSE.petrarch2 next to this file",
        "sources": {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in sources},
        "countries": sorted(countries),
        "sectors": sorted(sectors),
        "codes": [json.loads(c) for c in codes],
        "actors": actors,
        "agents": agents,
    }
    return doc, stats


def write(doc: dict, path: Path) -> None:
    """JSON, gzip-compressed when the name ends in ``.gz`` (no timestamp: the same input
    gives the same bytes)."""
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
    raw = data.encode("utf-8")
    if path.suffix == ".gz":
        raw = gzip.compress(raw, compresslevel=9, mtime=0)
    path.write_bytes(raw)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.extract.actor_dictionaries",
        description="Derive the shipped actor codes from Phoenix actor and agent dictionaries.",
    )
    parser.add_argument(
        "--actors", nargs="+", required=True, type=Path, help="Phoenix *.actors.txt files."
    )
    parser.add_argument("--agents", required=True, type=Path, help="Phoenix.agents.txt.")
    parser.add_argument("--output", required=True, type=Path, help="JSON file to write.")
    args = parser.parse_args(argv)
    missing = [p for p in [*args.actors, args.agents] if not p.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    doc, stats = convert(args.actors, args.agents)
    write(doc, args.output)
    for what, n in sorted(stats.counts.items()):
        print(f"{what}: {n}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
