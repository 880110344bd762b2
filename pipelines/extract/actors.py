"""Actor codes: a participant's country (CAMEO: JPN, USA, IGO) and sector (GOV, MIL, REB, ...).

The shipped tables (``actors.json.gz``, derived from the Phoenix dictionaries by
``python -m pipelines.extract.actor_dictionaries``; MIT, ``LICENSE.petrarch2``) are loaded and
validated once per worker into an :class:`ActorIndex`: phrase -> codes, looked up by the
words of a noun phrase (at most a few lookups per word, never a scan of the tables).

How a noun phrase is coded (``ActorCoder.code_words``), from the matches of actor phrases
(names, adjectives, cities, organisations, people) and agent phrases (``officials``,
``prime minister``, ``rebels``), longest match first:

- country: the actor match that covers the head word, else the nearest one before the
  head ("Japan's new prime minister", "Hungarian officials"), else the first after it
  ("rebels in the Ivory Coast");
- sector: the sector of the actor match covering the head (a person, ``Israel Defense
  Forces``), else of the agent covering the head ("officials" GOV, "rebels" REB), else of
  the nearest agent before the head (a title: "prime minister Sanae Takaichi", "President
  Bill Clinton", whose own entry has several roles), else, when nothing covers the head, of
  the actor that gave the country ("Taliban fighters" REB, "White House aides" GOV).

A code restricted to a date range (a leader's term) applies when the article's publication
date falls in it; otherwise the entry's unrestricted code applies. Without a publication
date, the country is that of the unrestricted code, else of the latest range ("Azerbaijani":
USR until 1991, AZE since), and the sector is given only if all codes that state one agree
(a leader's entry says GOV for the term and ELI around it: the title in the sentence
decides). When no code applies on the publication date, the entry still gives its country
if all its codes agree on it (a person's country outlives the dictionary's 2014 ranges, a
role does not).
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.extract.actor_dictionaries import FORMAT, phrase_words

DEFAULT_ACTORS = Path(__file__).resolve().parent / "actors.json.gz"
DEFAULT_OVERRIDES = Path(__file__).resolve().parent / "actor_overrides.json"


class ActorDictionaryError(ValueError):
    """The actor-code file is not valid."""


@dataclass(frozen=True)
class ActorCode:
    """A participant's code; either part may be unknown."""

    country: str | None = None
    sector: str | None = None

    def filled_from(self, other: ActorCode) -> ActorCode:
        """This code with its unknown parts taken from ``other``."""
        return ActorCode(self.country or other.country, self.sector or other.sector)

    @property
    def complete(self) -> bool:
        return self.country is not None and self.sector is not None


NO_CODE = ActorCode()
# (country, sector, first day, last day) with days as YYYYMMDD, None for an open side.
Restriction = tuple[str | None, str | None, int | None, int | None]


@dataclass(frozen=True)
class Match:
    """A dictionary phrase found at words [start, end)."""

    start: int
    end: int
    value: Any


@dataclass(frozen=True)
class Words:
    """A phrase's normalised words, the token each came from, and whether that token is
    written in lower case (actor names only match where some word is not)."""

    words: tuple[str, ...]
    tokens: tuple[int, ...]
    lower: tuple[bool, ...]

    @classmethod
    def of_tokens(cls, texts: Sequence[str]) -> Words:
        words, tokens, lower = [], [], []
        for i, text in enumerate(texts):
            for w in phrase_words(text):
                words.append(w)
                tokens.append(i)
                lower.append(text.islower())
        return cls(tuple(words), tuple(tokens), tuple(lower))


def _singular(word: str) -> str | None:
    """The regular singular of a plural word ("Algerians" -> "algerian"), if it is one."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return None
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1]


class PhraseTable:
    """Phrases (tuples of words) -> values, with the longest phrase length per first word."""

    def __init__(self, table: dict[tuple[str, ...], Any]) -> None:
        self.table = table
        self.longest: dict[str, int] = {}
        for key in table:
            self.longest[key[0]] = max(self.longest.get(key[0], 0), len(key))

    def __len__(self) -> int:
        return len(self.table)

    def _lookup(self, words: tuple[str, ...], singular: bool) -> Any:
        value = self.table.get(words)
        if value is None and singular:
            last = _singular(words[-1])
            if last is not None:
                value = self.table.get((*words[:-1], last))
        return value

    def matches(self, words: Words, proper: bool) -> list[Match]:
        """Longest matches, left to right, without overlap; ``proper``: names, which need
        a word not written in lower case and may be plural ("Algerians")."""
        out, i, n = [], 0, len(words.words)
        while i < n:
            found = None
            first = words.words[i]
            longest = self.longest.get(first, 0)
            if proper and (singular := _singular(first)) is not None:
                longest = max(longest, self.longest.get(singular, 0))
            for end in range(min(n, i + longest), i, -1):
                if proper and all(words.lower[i:end]):
                    continue
                value = self._lookup(words.words[i:end], proper)
                if value is not None:
                    found = Match(i, end, value)
                    break
            if found is None:
                i += 1
            else:
                out.append(found)
                i = found.end
        return out


@dataclass(frozen=True)
class ActorIndex:
    """The loaded tables."""

    actors: PhraseTable  # values: tuple[Restriction, ...]
    agents: PhraseTable  # values: ActorCode
    countries: frozenset[str]
    sectors: frozenset[str]
    source: str = ""


def _part(value: Any, known: frozenset[str], what: str, where: str) -> str | None:
    if value is not None and value not in known:
        raise ActorDictionaryError(f"{where}: unknown {what} {value!r}")
    return value


def _restrictions(key: str, value: Any, countries, sectors) -> tuple[Restriction, ...]:
    where = f"codes[{key}]"
    if not isinstance(value, list) or not value:
        raise ActorDictionaryError(f"{where}: expected a non-empty list of codes")
    out = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 4):
            raise ActorDictionaryError(f"{where}: bad code {item!r}")
        country, sector, start, end = item
        _part(country, countries, "country code", where)
        _part(sector, sectors, "sector", where)
        if country is None and sector is None:
            raise ActorDictionaryError(f"{where}: a code with neither country nor sector")
        for day in (start, end):
            if day is not None and not (isinstance(day, int) and 1000_01_01 <= day <= 9999_12_31):
                raise ActorDictionaryError(f"{where}: bad date {day!r}")
        out.append((country, sector, start, end))
    return tuple(out)


def _agent(key: str, value: Any, countries, sectors) -> ActorCode:
    where = f"agents[{key!r}]"
    if not (isinstance(value, list) and len(value) == 2) or value == [None, None]:
        raise ActorDictionaryError(f"{where}: expected [country, sector], not {value!r}")
    return ActorCode(
        _part(value[0], countries, "country code", where),
        _part(value[1], sectors, "sector", where),
    )


def _override(section: str, key: str, spec: Any) -> list:
    """An override ``{"country": ..., "sector": ..., "reason": ...}`` as a table value."""
    where = f"overrides {section}[{key!r}]"
    if not isinstance(spec, dict) or set(spec) - {"country", "sector", "reason"}:
        raise ActorDictionaryError(f"{where}: expected country, sector and reason")
    reason = spec.get("reason")
    if not isinstance(reason, str) or len(reason.split()) < 8:
        raise ActorDictionaryError(f"{where}: needs a reason of at least a sentence")
    pair = [spec.get("country"), spec.get("sector")]
    return [[*pair, None, None]] if section == "actors" else pair


def parse_actor_index(
    data: dict[str, Any], overrides: dict[str, Any] | None = None, source: str = ""
) -> ActorIndex:
    """An ActorIndex from the decoded derived document and the project's overrides (whose
    entries replace or add phrases); raises ActorDictionaryError when either is malformed."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ActorDictionaryError(f"{source}: not an actor-code file of format {FORMAT}")
    try:
        countries = frozenset(data["countries"])
        sectors = frozenset(data["sectors"])
        if not all(isinstance(c, str) and len(c) == 3 for c in countries | sectors):
            raise ActorDictionaryError(f"{source}: codes must be three letters")
        codes = [_restrictions(str(i), v, countries, sectors) for i, v in enumerate(data["codes"])]
        actor_values = {k: codes[i] for k, i in data["actors"].items()}
        agent_values = dict(data["agents"])
        for section, target in (("actors", actor_values), ("agents", agent_values)):
            for key, spec in (overrides or {}).get(section, {}).items():
                target[" ".join(phrase_words(key))] = _override(section, key, spec)
        actors = {
            tuple(k.split()): v if isinstance(v, tuple) else _restrictions(k, v, countries, sectors)
            for k, v in actor_values.items()
        }
        agents = {
            tuple(k.split()): _agent(k, v, countries, sectors) for k, v in agent_values.items()
        }
    except (KeyError, IndexError, TypeError, AttributeError) as e:
        raise ActorDictionaryError(f"malformed actor codes {source}: {e!r}") from None
    if () in actors or () in agents:
        raise ActorDictionaryError(f"{source}: an empty phrase")
    return ActorIndex(PhraseTable(actors), PhraseTable(agents), countries, sectors, source)


def _read_json(file: Path) -> Any:
    opener = gzip.open if file.suffix == ".gz" else open
    try:
        with opener(file, "rt", encoding="utf-8") as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError, EOFError) as e:
        raise ActorDictionaryError(f"cannot read actor codes {file}: {e}") from None


@functools.cache
def load_actor_index(path: str | None = None, overrides: str | None = None) -> ActorIndex:
    """The actor codes at ``path`` (default: shipped; ``.gz`` or plain JSON) with the
    overrides at ``overrides`` (default: the shipped ``actor_overrides.json``), cached."""
    file = Path(path) if path else DEFAULT_ACTORS
    extra = _read_json(Path(overrides) if overrides else DEFAULT_OVERRIDES)
    return parse_actor_index(_read_json(file), extra, source=str(file))


def day_number(when: Any) -> int | None:
    """A date as YYYYMMDD (the dictionaries' form), None when unknown."""
    if not isinstance(when, dt.date):
        return None
    return when.year * 10000 + when.month * 100 + when.day


def _agreed(values: set[str | None]) -> str | None:
    stated = values - {None}
    return stated.pop() if len(stated) == 1 else None


def resolve(restrictions: tuple[Restriction, ...], day: int | None) -> ActorCode:
    """The code of a dictionary entry on ``day`` (see the module docstring)."""
    default = next((r for r in restrictions if r[2] is None and r[3] is None), None)
    country = _agreed({r[0] for r in restrictions})
    if day is not None:
        for c, s, start, end in restrictions:
            if (start is not None or end is not None) and (start or 0) <= day <= (end or day):
                return ActorCode(c, s)
        if default is not None:
            return ActorCode(default[0] or country, default[1])
        return ActorCode(country, None)
    if default is not None and default[0] is not None:
        country = default[0]
    elif default is None:
        latest = max(restrictions, key=lambda r: r[3] or 99991231)
        country = latest[0] or country
    return ActorCode(country, _agreed({r[1] for r in restrictions}))


class ActorCoder:
    """Codes the phrases of one article (whose publication day picks dated codes)."""

    def __init__(self, index: ActorIndex, published_at: dt.datetime | None = None) -> None:
        self.index = index
        self.day = day_number(published_at)

    def code_words(self, words: Words, head: int | None = None) -> ActorCode:
        """The code of a phrase whose head is token ``head`` (default: its last token)."""
        if not words.words:
            return NO_CODE
        head = words.tokens[-1] if head is None else head
        actors = self.index.actors.matches(words, proper=True)
        agents = self.index.agents.matches(words, proper=False)

        def covers(m: Match) -> bool:
            return head in words.tokens[m.start : m.end]

        def before(m: Match) -> bool:
            return words.tokens[m.end - 1] < head

        actor_head = next((m for m in actors if covers(m)), None)
        agent_head = next((m for m in agents if covers(m)), None)
        code = resolve(actor_head.value, self.day) if actor_head else NO_CODE
        if agent_head is not None:
            code = code.filled_from(agent_head.value)
        modifier = NO_CODE
        if code.country is None:
            earlier = [m for m in actors if before(m)]
            later = [m for m in actors if not before(m) and not covers(m)]
            for m in [*reversed(earlier), *later]:
                modifier = resolve(m.value, self.day)
                if modifier.country is not None:
                    code = ActorCode(modifier.country, code.sector)
                    break
        if code.sector is None:
            title = next((m for m in reversed(agents) if before(m) and m.value.sector), None)
            if title is not None:
                code = ActorCode(code.country, title.value.sector)
        if code.sector is None and actor_head is None and agent_head is None:
            code = ActorCode(code.country, modifier.sector)  # "Taliban fighters", "Pentagon staff"
        return code

    def code_tokens(self, texts: Sequence[str], head: int | None = None) -> ActorCode:
        return self.code_words(Words.of_tokens(texts), head)

    def code_text(self, text: str) -> ActorCode:
        """The code of a name given as text (a canonical name): its words as one phrase."""
        return self.code_tokens(text.split())
