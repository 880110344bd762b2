"""Fixed halves of a gold file: ``tune`` (read errors, change rules) and ``check`` (report only).

A record belongs to a half by a stable hash of its ``id`` (SHA-1, last hex digit even: tune,
odd: check), never by its content or position, so the halves stay the same when lines are
added, reordered or relabelled, and the check half is never looked at while tuning.
"""

from __future__ import annotations

import hashlib
from typing import Any

SPLITS = ("tune", "check")


def split_of(record_id: str) -> str:
    """``tune`` or ``check`` for one record id."""
    digit = int(hashlib.sha1(record_id.encode("utf-8")).hexdigest()[-1], 16)
    return "tune" if digit % 2 == 0 else "check"


def select(records: list[dict[str, Any]], split: str | None) -> list[dict[str, Any]]:
    """The records of one half (all of them when ``split`` is None).

    Records without an ``id`` get ``line:N`` (their 1-based position) as their key.
    """
    if split is None:
        return records
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (one of {', '.join(SPLITS)})")
    return [
        r for n, r in enumerate(records, 1) if split_of(str(r.get("id") or f"line:{n}")) == split
    ]
