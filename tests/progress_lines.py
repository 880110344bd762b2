"""The pipeline's progress lines as a log shows them (pipelines/progress.py writes them)."""

from __future__ import annotations

import re

_READ = re.compile(r"progress: ([\d,]+) read")


def read_counts(log: str) -> list[int]:
    """The ``N read`` of every progress line in ``log``, in order."""
    return [int(n.replace(",", "")) for n in _READ.findall(log)]
