"""Derive ``country_terms.json`` from the Phoenix country-actor dictionary.

    python -m pipelines.geo.derive_terms PATH/Phoenix.Countries.actors.txt

Each country block of that file (a header ``NAME_ [XYZ]`` with a three-letter code, then its
``+`` synonyms) lists the country's names, adjectives, main cities and regions. A term that
names a place or people of one country is context for resolving ambiguous place names
("Iraqi" makes Iraq's Basra likelier); a term listed under two countries is left out.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).with_name("country_terms.json")
_ENTRY = re.compile(r"^([A-Z][^\s#\[]*)")
_CODE = re.compile(r"\[([A-Z]{3})(?:\s[^\]]*)?\]")
_SYNONYM = re.compile(r"^\+([^\s#]+)")
_LICENCE = Path(__file__).with_name("LICENSE.phoenix")
# A country's block lists many names; a person with a bare country code lists a few.
MIN_SYNONYMS = 3


def _term(raw: str) -> str:
    return " ".join(raw.replace("_", " ").split()).lower()


def _blocks(lines: list[str]):
    """(names, codes) of each entry: its header and ``+`` lines, and the codes in brackets on
    the header or on the indented lines after it (the last one is the current code)."""
    names: list[str] = []
    codes: list[str] = []
    for line in lines:
        if entry := _ENTRY.match(line):
            if names:
                yield names, codes
            names, codes = [entry.group(1)], _CODE.findall(line)
        elif names and (synonym := _SYNONYM.match(line)):
            names.append(synonym.group(1))
        elif names and line[:1].isspace():
            codes += _CODE.findall(line)
    if names:
        yield names, codes


def country_terms(lines: list[str]) -> dict[str, str]:
    """Term (lower case, spaces) -> CAMEO country code, terms of one country only."""
    seen: dict[str, set[str]] = {}
    for names, codes in _blocks(lines):
        if not codes or len(names) <= MIN_SYNONYMS:
            continue
        for name in names:
            term = _term(name)
            if len(term) > 2 and not term.startswith("("):
                seen.setdefault(term, set()).add(codes[-1])
    return {term: codes.pop() for term, codes in sorted(seen.items()) if len(codes) == 1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phoenix_countries", type=Path)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    lines = args.phoenix_countries.read_text(encoding="latin-1").splitlines()
    data = {
        "source": "Phoenix.Countries.actors.txt (Open Event Data Alliance), country blocks",
        "licence": _LICENCE.name,
        "terms": country_terms(lines),
    }
    args.out.write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(data['terms'])} terms -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
