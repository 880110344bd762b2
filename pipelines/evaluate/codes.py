"""Actor codes against the gold ``code`` and ``sector`` of each participant.

A gold participant (of the gold actor or recipient list) is scored when the best event of
its sentence has, in the same role, a participant that shares a content word with it (the
harness's participant match; the one sharing most words). Then:

- country: the gold ``code`` (upper case) equals the predicted ``country``; participants
  whose gold code is null are not scored;
- sector: the first three letters of the gold ``sector`` (upper case: ``REBalb`` -> REB,
  ``CVLDRZ`` -> CVL; the rest are ethnic or religious sub-codes) equal the predicted
  ``sector``; a null gold sector (a country itself: "Israel", "Serbia") is right only when
  none is predicted; ``***`` (unknown to the annotators) is not scored.

``country_accuracy`` and ``sector_accuracy`` are over the scored participants (coding, given
the participant was found); ``country_accuracy_all`` counts every gold participant with a
code, a participant not found counting as wrong (finding and coding together).
"""

from __future__ import annotations

from typing import Any

from pipelines.evaluate.scoring import words

UNKNOWN_SECTOR = "***"


def gold_sector(sector: str | None) -> str | None:
    """The gold sector as the coder writes it: its first three letters, upper case."""
    return sector[:3].upper() if sector else None


def aligned(gold: dict, predicted: list[dict]) -> dict | None:
    """The predicted participant that shares most content words with the gold one."""
    mine = words(gold.get("text"))
    best, overlap = None, 0
    for p in predicted:
        shared = len(mine & (words(p.get("text")) | words(p.get("canonical"))))
        if shared > overlap:
            best, overlap = p, shared
    return best


def code_pairs(g: dict, top: dict | None) -> list[tuple[dict, dict | None]]:
    """(gold participant, aligned predicted participant or None) of one gold sentence."""
    pairs = []
    for role in ("actor", "recipient"):
        predicted = top[role] if top else []
        pairs.extend((p, aligned(p, predicted)) for p in g[role])
    return pairs


def _country_ok(g: dict, p: dict) -> bool:
    return p.get("country") == g["code"].upper()


def _sector_ok(g: dict, p: dict) -> bool:
    return p.get("sector") == gold_sector(g.get("sector"))


def score_codes(gold: list[dict], tops: list[dict | None]) -> dict[str, Any]:
    """Country and sector figures of the best events ``tops`` (None: no event); None
    figures for a system whose participants carry no codes."""
    pairs = [pair for g, top in zip(gold, tops, strict=True) for pair in code_pairs(g, top)]
    if not any("country" in p for _, p in pairs if p is not None):
        return {"country_accuracy": None, "sector_accuracy": None, "country_accuracy_all": None}
    with_code = [(g, p) for g, p in pairs if g.get("code")]
    country = [(g, p) for g, p in with_code if p is not None]
    country_ok = sum(_country_ok(g, p) for g, p in country)
    sector = [(g, p) for g, p in pairs if p is not None and g.get("sector") != UNKNOWN_SECTOR]
    sector_ok = sum(_sector_ok(g, p) for g, p in sector)
    return {
        "country_accuracy": country_ok / len(country) if country else 0.0,
        "sector_accuracy": sector_ok / len(sector) if sector else 0.0,
        "country_accuracy_all": country_ok / len(with_code) if with_code else 0.0,
        "participants_scored": {"country": len(country), "sector": len(sector)},
        "participants_with_code": len(with_code),
    }


def code_errors(g: dict, top: dict | None) -> list[dict]:
    """The scored participants of one sentence whose country or sector is wrong."""
    out = []
    for gp, p in code_pairs(g, top):
        if p is None or "country" not in p:
            continue
        wrong_country = bool(gp.get("code")) and not _country_ok(gp, p)
        wrong_sector = gp.get("sector") != UNKNOWN_SECTOR and not _sector_ok(gp, p)
        if wrong_country or wrong_sector:
            out.append(
                {
                    "gold": [gp.get("text"), gp.get("code"), gp.get("sector")],
                    "predicted": [p.get("text"), p.get("country"), p.get("sector")],
                }
            )
    return out
